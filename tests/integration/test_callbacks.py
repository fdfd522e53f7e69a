"""Web callbacks (seed 000): POST /v1/callbacks asks callbridge to call a
client back and deliver a service on that call.  The simulated network
answers: +15550100 answers and echoes, +15550102 is busy, +15550104 is an
invalid number.  Schedules are never slept on: a callback due now (no
`at`, or `at` in the past) is placed at once; one due a few seconds ahead
is waited for with wait_for."""

import datetime
import os

import pytest

import cbtest
from test_manage import admin_session

FINAL = ("completed", "busy", "no-answer", "invalid-number", "failed",
         "canceled")


def rfc3339(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def get(cb, cid):
    st, body = cb.api("GET", "/v1/callbacks/" + cid)
    assert st == 200, body
    return body


def wait_final(cb, cid, timeout=30):
    return cbtest.wait_for(
        lambda: (lambda c: c if c["status"] in FINAL else None)(
            get(cb, cid)), timeout=timeout, what="a final callback status")


def create(cb, body, status=201):
    st, res = cb.api("POST", "/v1/callbacks", body)
    assert st == status, res
    return res


def list_ids(cb):
    st, body = cb.api("GET", "/v1/callbacks")
    assert st == 200, body
    return [c["id"] for c in body["callbacks"]]


@pytest.mark.skipif(not cbtest.have("espeak-ng"),
                    reason="espeak-ng not installed")
def test_say_callback_is_answered_and_completed(cb, simnet):
    res = create(cb, {"client": {"number": "+15550100"},
                      "service": {"say": "This is your callback. Goodbye."}})
    assert res["to"] == "+15550100" and res["service"] == "say", res
    assert res["status"] in ("scheduled", "dialing"), res

    # answered while the text streams
    c = cbtest.wait_for(lambda: (lambda x: x if x["status"] in (
        "in-progress",) + FINAL else None)(get(cb, res["id"])),
        what="the callback to be answered")
    assert c["call_id"], c

    c = wait_final(cb, res["id"])
    assert c["status"] == "completed", c
    call = cb.call(c["call_id"])
    leg = call["legs"][0]
    assert leg["answered_ms"] > 0 and leg["rtp"]["tx"] > 50, leg
    rec = cbtest.wait_for(lambda: simnet.finished(), what="simnet record")
    assert rec[0]["number"] == "+15550100" and rec[0]["rtp_rx"] > 50, rec
    assert res["id"] in list_ids(cb)


def test_busy_and_invalid_outcomes(cb, simnet):
    busy = create(cb, {"client": {"number": "+15550102"},
                       "service": {"play": "welcome.wav"}})
    bad = create(cb, {"client": {"number": "+15550101"},
                      "to": "+15550104",
                      "service": {"bridge_to": "+15550100"},
                      "at": rfc3339(-60)})          # past: placed now
    assert wait_final(cb, busy["id"])["status"] == "busy"
    c = wait_final(cb, bad["id"])
    assert c["status"] == "invalid-number" and c["call_id"], c
    assert bad["to"] == "+15550104"


def test_scheduled_then_canceled(cb, simnet):
    res = create(cb, {"client": {"number": "+15550100"},
                      "service": {"play": "welcome.wav"},
                      "at": rfc3339(3600)})
    assert res["status"] == "scheduled" and res["call_id"] is None, res
    st, body = cb.api("DELETE", "/v1/callbacks/" + res["id"])
    assert st == 200 and body["status"] == "canceled", body
    assert get(cb, res["id"])["status"] == "canceled"
    st, body = cb.api("DELETE", "/v1/callbacks/" + res["id"])
    assert st == 409 and body["error"]["code"] == "already_placed", body
    assert cb.calls() == [] and simnet.finished() == []


def test_scheduled_is_placed_at_its_time(tmp_path, procs, simnet):
    """The daemon's clock is moved with POST /v1/debug/clock (on with
    api.debug_clock): a callback due in an hour stays scheduled while the
    clock is short of its time and is placed the moment it is due."""
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["api.debug_clock yes"])
    procs.append(cb)
    adm = admin_session(cb)
    early = create(cb, {"client": {"number": "+15550100"},
                        "service": {"play": "welcome.wav"},
                        "at": rfc3339(3600)})
    late = create(cb, {"client": {"number": "+15550101"},
                       "service": {"play": "welcome.wav"},
                       "at": rfc3339(7200)})
    assert early["status"] == late["status"] == "scheduled"

    st, body = adm.api("POST", "/v1/debug/clock", {"advance_s": 1800})
    assert st == 200, body
    # nothing due yet: both stay scheduled, nothing was dialed
    assert get(cb, early["id"])["status"] == "scheduled"
    assert cb.calls() == [] and simnet.finished() == []

    st, body = adm.api("POST", "/v1/debug/clock", {"advance_s": 1801})
    assert st == 200, body
    c = wait_final(cb, early["id"])
    assert c["status"] == "completed" and c["call_id"], c
    assert get(cb, late["id"])["status"] == "scheduled"
    recs = cbtest.wait_for(lambda: simnet.finished(), what="simnet record")
    assert [r["number"] for r in recs] == ["+15550100"], recs
    # a placed callback cannot be canceled; the later one still can
    st, body = cb.api("DELETE", "/v1/callbacks/" + early["id"])
    assert st == 409, body
    st, body = cb.api("DELETE", "/v1/callbacks/" + late["id"])
    assert st == 200 and body["status"] == "canceled", body


def test_debug_clock_is_off_by_default_and_for_admins_only(cb):
    st, body = cb.api("POST", "/v1/debug/clock", {"advance_s": 60})
    assert st == 403, body                     # an API key: operator
    adm = admin_session(cb)
    st, body = adm.api("POST", "/v1/debug/clock", {"advance_s": 60})
    assert st == 404, body                     # api.debug_clock is off


def test_survives_a_restart(tmp_path, procs, simnet):
    cb1 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    res = create(cb1, {"client": {"number": "+15550100"},
                       "service": {"play": "welcome.wav"},
                       "at": rfc3339(2)})
    cb1.p.kill()                       # kill -9 before it is due
    cb1.p.wait()
    cb1.logf.close()
    assert simnet.finished() == []

    cb2 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                            name="callbridge2")
    procs.append(cb2)
    c = wait_final(cb2, res["id"])
    assert c["status"] == "completed", c
    recs = cbtest.wait_for(lambda: simnet.finished(), what="simnet record")
    assert [r["number"] for r in recs] == ["+15550100"], recs


def test_login_and_account_identification(cb, simnet):
    pw = "correct horse battery"
    cb.admin_ok("user", "create", "default", "carol", "customer",
                stdin=pw + "\n")
    st, acc = cb.api("POST", "/v1/accounts", {"name": "carol-acct"})
    assert st == 201, acc

    ok = create(cb, {"client": {"login": "carol", "password": pw},
                     "to": "+15550100", "service": {"play": "welcome.wav"},
                     "at": rfc3339(3600)})
    assert ok["client"].startswith("user:"), ok
    ok2 = create(cb, {"client": {"account": "carol-acct"},
                      "to": "+15550100", "service": {"play": "welcome.wav"},
                      "at": rfc3339(3600)})
    assert ok2["client"] == "account:" + acc["id"], ok2
    for cid in (ok["id"], ok2["id"]):
        assert cb.api("DELETE", "/v1/callbacks/" + cid)[0] == 200


def test_number_resolved_from_the_client(cb, simnet):
    pw = "correct horse battery"
    cb.admin_ok("user", "create", "default", "erin", "customer",
                stdin=pw + "\n")
    st, acc = cb.api("POST", "/v1/accounts", {"name": "erin-acct"})
    assert st == 201, acc
    play = {"play": "welcome.wav"}

    # no number on record: refused, nothing created
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"account": "erin-acct"}, "service": play})
    assert st == 422 and res["error"]["code"] == "no_number", res

    st, res = cb.api("PUT", "/v1/client-numbers",
                     {"account": acc["id"], "number": "+15550102"})
    assert st == 200 and res["client"] == "account:" + acc["id"], res
    st, res = cb.api("PUT", "/v1/client-numbers",
                     {"login": "erin", "number": "+15550100"})
    assert st == 200 and res["client"].startswith("user:"), res
    for body, code, field in (
            ({"account": "nope", "number": "+15550100"}, "unknown_account",
             "account"),
            ({"login": "nope", "number": "+15550100"}, "unknown_user",
             "login")):
        st, res = cb.api("PUT", "/v1/client-numbers", body)
        assert st == 404 and res["error"]["code"] == code, res
        assert res["error"]["field"] == field, res
    st, res = cb.api("PUT", "/v1/client-numbers",
                     {"login": "erin", "number": "x"})
    assert st == 422 and res["error"]["code"] == "invalid_number", res

    by_acct = create(cb, {"client": {"account": "erin-acct"},
                          "service": play})
    by_login = create(cb, {"client": {"login": "erin", "password": pw},
                           "service": play})
    assert by_acct["to"] == "+15550102", by_acct
    assert by_login["to"] == "+15550100", by_login
    assert wait_final(cb, by_acct["id"])["status"] == "busy"
    assert wait_final(cb, by_login["id"])["status"] == "completed"


def test_bad_input_creates_nothing(cb, simnet):
    pw = "correct horse battery"
    cb.admin_ok("user", "create", "default", "dave", "customer",
                stdin=pw + "\n")
    play = {"play": "welcome.wav"}
    cases = [
        ({"client": {"number": "12"}, "service": play},
         422, "invalid_number", "client.number"),
        ({"client": {"number": "+15550100"}, "to": "not a number",
          "service": play}, 422, "invalid_number", "to"),
        ({"client": {"login": "dave", "password": "wrong password!"},
          "to": "+15550100", "service": play},
         401, "invalid_credentials", "client"),
        ({"client": {"login": "nobody", "password": "wrong password!"},
          "to": "+15550100", "service": play},
         401, "invalid_credentials", "client"),
        ({"client": {"account": "no-such-account"}, "to": "+15550100",
          "service": play}, 404, "unknown_account", "client.account"),
        ({"client": {"login": "dave", "password": pw},
          "service": play}, 422, "no_number", "to"),
        ({"client": {"number": "+15550100", "account": "x"},
          "service": play}, 422, "conflicting_fields", "client"),
        ({"client": {"number": "+15550100"}}, 400, "missing_field",
         "service"),
        ({"client": {"number": "+15550100"},
          "service": {"play": "../etc/passwd"}}, 400, "invalid_field",
         "service.play"),
        ({"client": {"number": "+15550100"}, "service": play,
          "at": "tomorrow"}, 400, "invalid_field", "at"),
        ({"client": {"number": "+15550100"}, "service": play,
          "status_callback": "ftp://x"}, 400, "invalid_field",
         "status_callback"),
    ]
    for body, status, code, field in cases:
        st, res = cb.api("POST", "/v1/callbacks", body)
        assert st == status, (body, res)
        assert res["error"]["code"] == code, (body, res)
        assert res["error"]["field"] == field, (body, res)
    assert list_ids(cb) == [] and cb.calls() == []
    assert cb.api("GET", "/v1/callbacks/k-nosuch")[0] == 404


# --- ring timeout, events ---------------------------------------------------

def test_ring_timeout_gives_no_answer(cb, simnet):
    st, res = cb.api("POST", "/v1/callbacks",
                     {"client": {"number": "+15550103"},
                      "service": {"play": "welcome.wav"},
                      "ring_timeout_s": 2})
    assert st == 400 and res["error"]["field"] == "ring_timeout_s", res
    res = create(cb, {"client": {"number": "+15550103"},   # rings forever
                      "service": {"play": "welcome.wav"},
                      "ring_timeout_s": 5})
    assert res["ring_timeout_s"] == 5, res
    c = wait_final(cb, res["id"], timeout=20)
    assert c["status"] == "no-answer" and c["call_id"], c
    leg = cb.call(c["call_id"])["legs"][0]
    # gave up after the callback's 5 s, not the default ring time
    assert 4000 <= leg["ended_ms"] - leg["created_ms"] < 9000, leg


def test_status_events_arrive_in_order_over_the_websocket(cb, simnet):
    from test_events import connect_ws
    ws = connect_ws(cb)
    assert ws.status == 101
    res = create(cb, {"client": {"number": "+15550100"},
                      "service": {"play": "welcome.wav"}})
    evs = ws.events_until(lambda e: e["type"] == "callback.status" and
                          e["callback_id"] == res["id"] and
                          e["status"] in FINAL, timeout=30)
    mine = [e for e in evs if e["type"] == "callback.status" and
            e["callback_id"] == res["id"]]
    assert [e["status"] for e in mine] == \
        ["dialing", "in-progress", "completed"], mine
    c = get(cb, res["id"])
    assert all(e["call_id"] == c["call_id"] for e in mine), mine
    assert [e["ts_ms"] for e in mine] == sorted(e["ts_ms"] for e in mine)
    ws.s.close()


# --- billing ----------------------------------------------------------------

def billed_daemon(tmp_path, procs, simnet):
    from test_meter import Rate, daemon, money_setup
    cb = daemon(tmp_path, procs, simnet)
    money_setup(cb, Rate("0.60", "0", "0", 1, 1), ["hold_max=1.00"],
                {"alice": "20.00", "poor": "0.05", "biz": "50.00"})
    return cb


def test_billed_callback_is_held_metered_and_charged(tmp_path, procs,
                                                     simnet):
    from test_meter import balance, charges_final, ledger_ok
    cb = billed_daemon(tmp_path, procs, simnet)
    before = balance(cb, "alice")
    res = create(cb, {"client": {"account": "alice"}, "to": "+15550100",
                      "service": {"play": "welcome.wav"}, "billing": {}})
    # authorized before the answer: dialing, paid by the client
    assert res["status"] == "dialing" and res["call_id"], res
    assert res["billing"]["payer"] == "client", res
    assert res["billing"]["account"].startswith("a"), res
    c = wait_final(cb, res["id"])
    assert c["status"] == "completed", c
    ch = charges_final(cb, c["call_id"])
    assert len(ch["legs"]) == 1 and ch["legs"][0]["rated"], ch
    total = ch["total"]
    whole, _, frac = total.partition(".")
    spent = int(whole) * 1000000 + int((frac + "000000")[:6])
    assert spent > 0, ch
    assert balance(cb, "alice") == before - spent
    ledger_ok(cb)


def test_billed_bridge_meters_both_legs_on_the_business(tmp_path, procs,
                                                        simnet):
    from test_meter import balance, charges_final, ledger_ok
    cb = billed_daemon(tmp_path, procs, simnet)
    before = balance(cb, "alice")
    res = create(cb, {"client": {"account": "alice"}, "to": "+15550100",
                      "service": {"bridge_to": "+15550101"},
                      "billing": {"account": "biz", "payer": "account"}})
    assert res["billing"]["payer"] == "account", res
    assert res["billing"]["bridge_to"]["account"] == \
        res["billing"]["account"], res
    call_id = res["call_id"]
    cb.wait_call_state(call_id, lambda c: len(c["legs"]) == 2 and all(
        l["state"] == "answered" for l in c["legs"]), timeout=20,
        what="both legs answered")
    assert cb.api("DELETE", "/v1/calls/" + call_id)[0] == 200
    assert wait_final(cb, res["id"])["status"] == "completed"
    ch = charges_final(cb, call_id)
    assert len(ch["legs"]) == 2 and all(l["rated"] for l in ch["legs"]), ch
    assert balance(cb, "alice") == before     # the business paid
    ledger_ok(cb)


def test_billing_refusals_dial_nothing(tmp_path, procs, simnet):
    from test_meter import balance, ledger_ok
    cb = billed_daemon(tmp_path, procs, simnet)
    before = balance(cb, "poor")
    play = {"play": "welcome.wav"}
    cases = [
        ({"client": {"account": "poor"}, "to": "+15550100",
          "service": play, "billing": {}},
         402, "insufficient_funds", "billing.account"),
        ({"client": {"account": "alice"}, "to": "+447700900123",
          "service": play, "billing": {"payer": "collect"}},
         422, "not_rated", "to"),
        ({"client": {"number": "+15550100"}, "service": play,
          "billing": {}}, 422, "no_account", "billing.account"),
        ({"client": {"number": "+15550100"}, "service": play,
          "billing": {"account": "nobody"}},
         404, "unknown_account", "billing.account"),
        ({"client": {"number": "+15550100"}, "service": play,
          "billing": "alice"}, 400, "invalid_field", "billing"),
        ({"client": {"account": "alice"}, "to": "+15550100",
          "service": play, "billing": {"payer": "nobody"}},
         400, "invalid_field", "billing.payer"),
        ({"client": {"number": "+15550100"}, "service": play,
          "billing": {"payer": "account"}},
         400, "missing_field", "billing.account"),
        ({"client": {"number": "+15550100"}, "service": play,
          "billing": {"account": "biz", "bridge_to": {"account": "biz"}}},
         422, "conflicting_fields", "billing.bridge_to"),
    ]
    for body, scode, code, field in cases:
        st, err = cb.api("POST", "/v1/callbacks", body)
        assert st == scode, (body, st, err)
        assert err["error"]["code"] == code, (body, err)
        assert err["error"]["field"] == field, (body, err)

    # scheduled: authorized when placed; refused then, failed
    res = create(cb, {"client": {"account": "poor"}, "to": "+15550100",
                      "service": play, "billing": {}, "at": rfc3339(1)})
    assert res["status"] == "scheduled", res
    c = wait_final(cb, res["id"])
    assert c["status"] == "failed", c
    assert c["cause"] == "insufficient-funds", c
    assert cb.calls() == []
    assert "INVITE" not in simnet.log()
    assert balance(cb, "poor") == before
    ledger_ok(cb)


# --- the "Call me" page's public routes ---------------------------------------

def test_callme_public_routes(cb, simnet):
    st, items = cb.api("GET", "/v1/callme/default/items", key=None)
    assert st == 200, items
    ids = [i["id"] for i in items["items"]]
    assert "welcome.wav" in ids and ids == sorted(ids), items
    assert cb.api("GET", "/v1/callme/nosuch/items", key=None)[0] == 404

    st, res = cb.api("POST", "/v1/callme", {
        "tenant": "default", "client": {"number": "+15550100"},
        "service": {"play": "welcome.wav"}}, key=None)
    assert st == 201, res
    token, c = res["token"], res["callback"]
    assert len(token) == 32 and "client" not in c, res
    url = "/v1/callme/%s?token=%s" % (c["id"], token)
    final = cbtest.wait_for(lambda: (lambda r: r[1] if r[0] == 200 and
                                     r[1]["status"] in FINAL else None)(
        cb.api("GET", url, key=None)), timeout=30, what="final status")
    assert final["status"] == "completed", final
    # the manager's view is the same callback
    assert get(cb, c["id"])["status"] == "completed"
    for bad in ("0" * 32, token[:-1], ""):
        st, _ = cb.api("GET", "/v1/callme/%s?token=%s" % (c["id"], bad),
                       key=None)
        assert st == 404, bad

    # narrower than the API: refused, nothing created
    n = len(list_ids(cb))
    for body, code, scode in (
            ({"tenant": "default", "client": {"number": "+15550100"},
              "service": {"play": "welcome.wav"}, "to": "+15550101"},
             "unknown_field", 400),
            ({"tenant": "default", "client": {"number": "+15550100"},
              "service": {"play": "welcome.wav"},
              "billing": {"account": "x"}}, "unknown_field", 400),
            ({"tenant": "default", "client": {"account": "x"},
              "service": {"play": "welcome.wav"}}, "unknown_field", 400),
            ({"tenant": "default", "client": {"number": "+15550100"},
              "service": {"say": "hello"}}, "invalid_field", 400),
            ({"tenant": "default", "client": {"number": "+15550100"},
              "service": {"play": "../x.wav"}}, "invalid_field", 400),
            ({"tenant": "default", "client": {"number": "+15550100"},
              "service": {"play": "nosuch.wav"}}, "unknown_item", 422),
            ({"tenant": "nosuch", "client": {"number": "+15550100"},
              "service": {"play": "welcome.wav"}}, "unknown_business", 404)):
        st, res = cb.api("POST", "/v1/callme", body, key=None)
        assert (st, res["error"]["code"]) == (scode, code), (body, res)
    assert len(list_ids(cb)) == n


def test_callme_flood_from_one_address_is_limited(cb, simnet):
    # 10 a minute per client address, whatever they ask
    seen = []
    for _ in range(11):
        st, res, hdrs = cb.api("POST", "/v1/callme", {
            "tenant": "default", "client": {"number": "+15550100"},
            "service": {"play": "nosuch.wav"}}, key=None, full=True)
        seen.append(st)
        if st == 429:
            assert res["error"]["code"] == "rate_limited", res
            assert 1 <= int(hdrs["Retry-After"]) <= 60, hdrs
            break
    assert seen == [422] * 10 + [429], seen
    assert list_ids(cb) == [] and cb.calls() == []


# --- kept across a restart, pruned when old -----------------------------------

def db_rows(cb, sql, *args):
    """rows of the daemon's store (WAL: read while it runs)"""
    import sqlite3
    con = sqlite3.connect(os.path.join(cb.tmpdir, "callbridge.db"))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_billed_scheduled_callback_survives_a_restart(tmp_path, procs,
                                                      simnet):
    from test_meter import (FAST, Rate, balance, charges_final, ledger_ok,
                            money_setup)
    play = {"play": "welcome.wav"}
    cb1 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                            extra=FAST)
    money_setup(cb1, Rate("0.60", "0", "0", 1, 1), ["hold_max=1.00"],
                {"alice": "20.00", "poor": "0.05"})
    before = balance(cb1, "alice")
    # refused now: failed, with a cause the restart keeps
    st, err = cb1.api("POST", "/v1/callbacks", {
        "client": {"account": "poor"}, "to": "+15550100", "service": play,
        "billing": {}})
    assert st == 402, err
    res = create(cb1, {"client": {"account": "alice"}, "to": "+15550100",
                       "service": play, "billing": {"limit": "cut"},
                       "ring_timeout_s": 30, "at": rfc3339(3)})
    assert res["status"] == "scheduled", res
    assert res["billing"]["payer"] == "client" and \
        res["billing"]["limit"] == "cut", res
    cbtest.wait_for(lambda: db_rows(
        cb1, "SELECT 1 FROM callbacks WHERE state = 'failed'"),
        what="the refused callback stored")
    cb1.p.kill()                       # kill -9 before it is due
    cb1.p.wait()
    cb1.logf.close()
    assert simnet.finished() == []

    cb2 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                            extra=FAST, name="callbridge2")
    procs.append(cb2)
    c = get(cb2, res["id"])
    assert c["billing"] == res["billing"], c
    assert c["ring_timeout_s"] == 30, c
    c = wait_final(cb2, res["id"])
    assert c["status"] == "completed" and c["call_id"], c
    # authorized, metered and charged as asked: by the client's account
    ch = charges_final(cb2, c["call_id"])
    assert len(ch["legs"]) == 1 and ch["legs"][0]["rated"], ch
    whole, _, frac = ch["total"].partition(".")
    spent = int(whole) * 1000000 + int((frac + "000000")[:6])
    assert spent > 0, ch
    assert balance(cb2, "alice") == before - spent
    ledger_ok(cb2)
    st, body = cb2.api("GET", "/v1/callbacks")
    failed = [x for x in body["callbacks"] if x["status"] == "failed"]
    assert len(failed) == 1, body
    assert failed[0]["cause"] == "insufficient-funds", failed


def test_finished_callbacks_are_pruned(tmp_path, procs, simnet):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["store.callback_keep_days 0",
                                  "store.prune_interval_s 1"])
    procs.append(cb)
    play = {"play": "welcome.wav"}
    later = create(cb, {"client": {"number": "+15550100"},
                        "service": play, "at": rfc3339(3600)})
    dropped = create(cb, {"client": {"number": "+15550100"},
                          "service": play, "at": rfc3339(3600)})
    assert cb.api("DELETE", "/v1/callbacks/" + dropped["id"])[0] == 200
    done = create(cb, {"client": {"number": "+15550101"},
                       "service": play})
    recs = cbtest.wait_for(lambda: simnet.finished(), timeout=30,
                           what="the callback placed")
    assert [r["number"] for r in recs] == ["+15550101"], recs
    for cid in (done["id"], dropped["id"]):
        cbtest.wait_for(lambda: cb.api("GET", "/v1/callbacks/" + cid)[0]
                        == 404, timeout=30, what="the finished one gone")
        cbtest.wait_for(lambda: not db_rows(
            cb, "SELECT 1 FROM callbacks WHERE id = ?", cid), timeout=30,
            what="its row pruned")
    # the scheduled one stays, in memory and in the store
    assert list_ids(cb) == [later["id"]]
    assert get(cb, later["id"])["status"] == "scheduled"
    assert db_rows(cb, "SELECT state FROM callbacks") == [("scheduled",)]
