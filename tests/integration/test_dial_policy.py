"""A tenant's dial policy for calls its customers ask for (GET/PUT
/v1/dial-policy), as POST /v1/callbacks applies it: premium prefixes are
never dialed (403 destination_blocked), a number asking too often is
told to wait (429 rate_limited with Retry-After), and a bare number only
identifies a client when the tenant allows it (403
identification_not_allowed).  Refused requests create nothing and dial
nothing.  The policy survives a restart."""

import datetime

import cbtest

PLAY = {"play": "welcome.wav"}


def soon():
    """an hour ahead: stored, not placed during the test"""
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(hours=1)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def policy(cb):
    st, body = cb.api("GET", "/v1/dial-policy")
    assert st == 200, body
    return body


def put(cb, body, status=200):
    st, res = cb.api("PUT", "/v1/dial-policy", body)
    assert st == status, (body, res)
    return res


def callbacks(cb):
    st, body = cb.api("GET", "/v1/callbacks")
    assert st == 200, body
    return body["callbacks"]


def test_defaults_and_blocked_prefixes(cb, simnet):
    p = policy(cb)
    assert p["blocked_prefixes"] == ["+1900", "+1976"], p
    assert p["number_identification"] is True, p
    assert p["per_number_hour"] == 10, p

    for body, field in (
            ({"client": {"number": "+19005550123"}, "service": PLAY},
             "client.number"),
            ({"client": {"number": "+15550100"}, "to": "+19765550123",
              "service": PLAY}, "to"),
            ({"client": {"number": "+15550100"},
              "service": {"bridge_to": "+19005550000"}},
             "service.bridge_to")):
        st, res = cb.api("POST", "/v1/callbacks", body)
        assert st == 403, (body, res)
        assert res["error"]["code"] == "destination_blocked", res
        assert res["error"]["field"] == field, res

    # a tenant's own list replaces the defaults
    p = put(cb, {"blocked_prefixes": ["+1555010"]})
    assert p["blocked_prefixes"] == ["+1555010"], p
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550100"}, "service": PLAY})
    assert st == 403 and res["error"]["code"] == "destination_blocked"
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+19005550123"},
                      "service": PLAY, "at": "2099-01-01T00:00:00Z"})
    assert st in (201, 422), res          # no longer blocked (too far)
    assert callbacks(cb) == [] and cb.calls() == []
    assert "INVITE" not in simnet.log()


def test_per_number_rate_limit(cb, simnet):
    put(cb, {"per_number_hour": 2})
    # refused for its input: not counted
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550105"}, "service": PLAY,
                      "at": "2099-01-01T00:00:00Z"})
    assert st == 422 and res["error"]["code"] == "too_far", res
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550105"},
                      "service": PLAY, "at": soon()})
    assert st == 201, res
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550105"},
                      "service": PLAY, "at": soon()})
    assert st == 201, res
    st, res, hdrs = cb.api("POST", "/v1/callbacks",
                           {"client": {"number": "+15550105"},
                            "service": PLAY, "at": soon()},
                           full=True)
    assert st == 429 and res["error"]["code"] == "rate_limited", res
    assert res["error"]["field"] == "client.number", res
    retry = int(hdrs["Retry-After"])
    assert 60 <= retry <= 3600, retry      # a token comes back per 30 min
    # another number is not affected
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550106"},
                      "service": PLAY, "at": soon()})
    assert st == 201, res
    assert len(callbacks(cb)) == 3
    # 0 switches the limit off
    put(cb, {"per_number_hour": 0})
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550105"},
                      "service": PLAY, "at": soon()})
    assert st == 201, res


def test_number_identification_policy(cb, simnet):
    st, acc = cb.api("POST", "/v1/accounts", {"name": "zoe-acct"})
    assert st == 201, acc
    put(cb, {"number_identification": False})
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550100"}, "service": PLAY})
    assert st == 403, res
    assert res["error"]["code"] == "identification_not_allowed", res
    assert res["error"]["field"] == "client.number", res
    # an account still identifies the client
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"account": "zoe-acct"}, "to": "+15550100",
                      "service": PLAY, "at": soon()})
    assert st == 201, res
    assert len(callbacks(cb)) == 1


def test_bad_policies_change_nothing(cb, simnet):
    before = policy(cb)
    for body, field in (
            ({"blocked_prefixes": "+1900"}, "blocked_prefixes"),
            ({"blocked_prefixes": ["1900"]}, "blocked_prefixes"),
            ({"blocked_prefixes": ["+19a"]}, "blocked_prefixes"),
            ({"blocked_prefixes": ["+" + "1" * 16]}, "blocked_prefixes"),
            ({"blocked_prefixes": ["+1"] * 600}, "blocked_prefixes"),
            ({"number_identification": "yes"}, "number_identification"),
            ({"per_number_hour": -1}, "per_number_hour"),
            ({"per_number_hour": "10"}, "per_number_hour")):
        st, res = cb.api("PUT", "/v1/dial-policy", body)
        assert st == 400, (body, res)
        assert res["error"]["field"] == field, (body, res)
    st, res = cb.api("PUT", "/v1/dial-policy", raw=b"[1]")
    assert st == 400, res
    assert policy(cb) == before
    # credentials are required
    assert cb.api("GET", "/v1/dial-policy", key=None)[0] == 401


def test_policy_survives_a_restart(tmp_path, procs, simnet):
    cb1 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    put(cb1, {"blocked_prefixes": ["+44", "+1900"],
              "number_identification": False, "per_number_hour": 3})
    cb1.stop()
    cb2 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                            name="callbridge2")
    procs.append(cb2)
    p = policy(cb2)
    assert p["blocked_prefixes"] == ["+44", "+1900"], p
    assert p["number_identification"] is False, p
    assert p["per_number_hour"] == 3, p
