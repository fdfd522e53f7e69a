"""Who may use a conference (src/api/conf.c api_conf_access,
docs/conference.md "Access"): customers create and use conferences with
a web session; every /v1/conferences/{id}/... request of a session must
show the conference's control token in X-Conference-Token, and a
customer only sees its own -- anything else is the 404 of a missing
conference, so ids cannot be probed; an API key of the tenant needs no
token; another tenant sees nothing even with the token; a session
without its CSRF token changes nothing (403); a conference never grows
past max_participants; a number that is not one is refused before
anything is dialed, and one the network does not know ends
invalid-number.  Every refusal changes nothing."""

import pytest

import cbtest

QUICK = "+15550110"       # answers after 500 ms, echoes
QUICK2 = "+15550111"
QUICK3 = "+15550112"
INVALID = "+15550104"     # the network answers 404


@pytest.fixture
def cb(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(c)
    return c


class Session:
    """A signed-in web user: the cookie, and the CSRF token on changes"""

    def __init__(self, cb, tenant, login, role):
        pw = login + "-secret-1"
        cb.admin_ok("user", "create", tenant, login, role, stdin=pw + "\n")
        st, body, hdrs = cb.api("POST", "/v1/auth/login",
                                {"login": login, "password": pw},
                                key=None, full=True)
        assert st == 200, body
        assert body["user"]["role"] == role, body
        self.cb = cb
        self.cookie = (hdrs.get("Set-Cookie") or "").split(";", 1)[0]
        assert self.cookie.startswith("cb_session="), hdrs
        self.csrf = body["csrf_token"]

    def api(self, method, path, body=None, token=None, csrf=True,
            headers=None):
        h = {"Cookie": self.cookie}
        if csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        if token is not None:
            h["X-Conference-Token"] = token
        h.update(headers or {})
        return self.cb.api(method, path, body, headers=h, key=None)


def body_of(owner, *numbers, **opts):
    return {"name": "Standup", "owner": {"name": "Owner", "number": owner},
            "participants": [{"name": "P%d" % i, "number": n}
                             for i, n in enumerate(numbers)],
            "options": opts}


def create(sess, *numbers, **opts):
    st, b = sess.api("POST", "/v1/conferences",
                     body_of(QUICK, *numbers, **opts))
    assert st == 201, b
    assert len(b["token"]) == 44
    return b["conference"]["id"], b["token"]


def not_found(st, b):
    assert st == 404 and b["error"]["code"] == "not_found", (st, b)


def statuses(cb, cid):
    st, b = cb.api("GET", "/v1/conferences/" + cid)      # the API key
    assert st == 200, b
    return {p["id"]: p["status"] for p in b["participants"]}


def test_token_and_creator(cb, simnet):
    alice = Session(cb, "default", "alice", "customer")
    bob = Session(cb, "default", "bob", "customer")
    olga = Session(cb, "default", "olga", "operator")
    a_id, a_tok = create(alice, QUICK2)
    b_id, b_tok = create(bob, QUICK3)
    a_path = "/v1/conferences/" + a_id

    # the creator with the token: everything; without it or with a wrong
    # one: missing, like an unknown id
    st, c = alice.api("GET", a_path, token=a_tok)
    assert st == 200 and c["id"] == a_id, c
    not_found(*alice.api("GET", a_path))
    not_found(*alice.api("GET", a_path, token=a_tok[:-1] + (
        "A" if a_tok[-1] != "A" else "B")))
    not_found(*alice.api("GET", a_path, token=b_tok))
    not_found(*alice.api("GET", a_path, token="x" * 300))
    not_found(*alice.api("GET", a_path, token=""))
    not_found(*alice.api("GET", "/v1/conferences/fnope", token=a_tok))
    st, b = alice.api("GET", a_path + "/rates")
    not_found(st, b)

    # another customer: not with the id alone, not with the owner's
    # token, not with the token of its own conference
    for tok in (None, a_tok, b_tok):
        not_found(*bob.api("GET", a_path, token=tok))
        not_found(*bob.api("PATCH", a_path + "/participants/p2",
                           {"action": "dial"}, token=tok))
        not_found(*bob.api("POST", a_path + "/participants",
                           {"number": QUICK3}, token=tok))
        not_found(*bob.api("DELETE", a_path + "/participants/p2",
                           token=tok))
        not_found(*bob.api("POST", a_path + "/end", token=tok))
        not_found(*bob.api("DELETE", a_path, token=tok))
        not_found(*bob.api("GET", a_path + "/summary", token=tok))
    # nor does the creator use its token on another conference
    not_found(*alice.api("PATCH", "/v1/conferences/%s/participants/p1"
                         % b_id, {"action": "dial"}, token=a_tok))

    # a customer lists its own conferences only
    st, b = alice.api("GET", "/v1/conferences")
    assert st == 200 and [c["id"] for c in b["conferences"]] == [a_id], b
    st, b = bob.api("GET", "/v1/conferences")
    assert st == 200 and [c["id"] for c in b["conferences"]] == [b_id], b

    # an operator's session: the tenant's list, but a conference only
    # with its token
    st, b = olga.api("GET", "/v1/conferences")
    assert st == 200 and sorted(c["id"] for c in b["conferences"]) == \
        sorted([a_id, b_id]), b
    not_found(*olga.api("GET", a_path))
    not_found(*olga.api("POST", a_path + "/end"))
    assert olga.api("GET", a_path, token=a_tok)[0] == 200

    # the tenant's API key (server to server) needs no token
    assert cb.api("GET", a_path)[0] == 200

    # nothing above changed anything
    assert statuses(cb, a_id) == {"p1": "on-hook", "p2": "on-hook"}
    assert statuses(cb, b_id) == {"p1": "on-hook", "p2": "on-hook"}
    assert cb.calls() == []

    # the creator drives its conference with the token
    st, p = alice.api("PATCH", a_path + "/participants/p2",
                      {"action": "dial"}, token=a_tok)
    assert st == 200 and p["status"] in ("dialing", "ringing",
                                         "connected"), p
    cbtest.wait_for(lambda: statuses(cb, a_id)["p2"] == "connected",
                    what="p2 to answer")
    st, p = alice.api("DELETE", a_path + "/participants/p2", token=a_tok)
    assert st == 200, p
    st, c = alice.api("POST", a_path + "/end", token=a_tok)
    assert st == 200 and c["status"] == "ended", c
    assert statuses(cb, b_id) == {"p1": "on-hook", "p2": "on-hook"}


def test_csrf_refused(cb, simnet):
    alice = Session(cb, "default", "alice", "customer")
    st, b = alice.api("POST", "/v1/conferences", body_of(QUICK, QUICK2),
                      csrf=False)
    assert st == 403 and b["error"]["code"] == "csrf_failed", b
    st, b = alice.api("GET", "/v1/conferences")
    assert st == 200 and b["conferences"] == [], b

    cid, tok = create(alice, QUICK2)
    path = "/v1/conferences/" + cid
    for method, rest, body in (
            ("PATCH", "/participants/p2", {"action": "dial"}),
            ("PATCH", "/participants/p2", {"number": QUICK3}),
            ("POST", "/participants", {"number": QUICK3}),
            ("DELETE", "/participants/p2", None),
            ("POST", "/end", None),
            ("DELETE", "", None)):
        for bad in (None, alice.csrf[:-1]):
            hdrs = {"X-CSRF-Token": bad} if bad else None
            st, b = alice.api(method, path + rest, body, token=tok,
                              csrf=False, headers=hdrs)
            assert st == 403 and b["error"]["code"] == "csrf_failed", \
                (method, rest, st, b)
    st, c = alice.api("GET", path, token=tok)
    assert st == 200 and c["status"] == "active", c
    assert [(p["id"], p["status"], p["number"])
            for p in c["participants"]] == [
        ("p1", "on-hook", QUICK), ("p2", "on-hook", QUICK2)]
    assert cb.calls() == []


def test_max_participants(cb, simnet):
    alice = Session(cb, "default", "alice", "customer")
    # more than the maximum at creation (the owner counts): refused
    st, b = alice.api("POST", "/v1/conferences",
                      body_of(QUICK, QUICK2, QUICK3, max_participants=2))
    assert st == 422 and b["error"]["code"] == "too_many_participants", b
    assert alice.api("GET", "/v1/conferences")[1]["conferences"] == []

    cid, tok = create(alice, QUICK2, max_participants=2)
    path = "/v1/conferences/" + cid
    st, b = alice.api("POST", path + "/participants", {"number": QUICK3},
                      token=tok)
    assert st == 422 and b["error"]["code"] == "too_many_participants", b
    # so there is no third participant to dial
    not_found(*alice.api("PATCH", path + "/participants/p3",
                         {"action": "dial"}, token=tok))
    # both may be dialed; still no room for a third
    for pid in ("p1", "p2"):
        st, b = alice.api("PATCH", path + "/participants/" + pid,
                          {"action": "dial"}, token=tok)
        assert st == 200, b
    cbtest.wait_for(lambda: statuses(cb, cid) == {"p1": "connected",
                                                  "p2": "connected"},
                    what="both to answer")
    st, b = alice.api("POST", path + "/participants", {"number": QUICK3},
                      token=tok)
    assert st == 422, b
    assert sorted(statuses(cb, cid)) == ["p1", "p2"]
    assert len(cb.calls()) == 2
    assert alice.api("POST", path + "/end", token=tok)[0] == 200


def test_invalid_numbers(cb, simnet):
    """What is not a number is refused at once (400 invalid_number) and
    never dialed; a number the network does not know is dialed when
    told and ends invalid-number"""
    alice = Session(cb, "default", "alice", "customer")
    bad = ("12ab", "+", "", "+1555010\u00e9", "sip:", "tel:+15550100",
           "+1" + "5" * 40, "555 01 00; drop table", None, 15550100)
    for num in bad:
        st, b = alice.api("POST", "/v1/conferences",
                          body_of(QUICK, QUICK2) | {
                              "participants": [{"number": num}]})
        assert st == 400 and b["error"]["code"] in (
            "invalid_number", "invalid_field"), (num, st, b)
    cid, tok = create(alice, QUICK2)
    path = "/v1/conferences/" + cid
    for num in bad:
        st, b = alice.api("POST", path + "/participants", {"number": num},
                          token=tok)
        assert st == 400 and b["error"]["code"] in (
            "invalid_number", "invalid_field"), (num, st, b)
        if num is None:                 # a PATCH's null: keep it
            continue
        st, b = alice.api("PATCH", path + "/participants/p2",
                          {"number": num}, token=tok)
        assert st == 400, (num, st, b)
    assert statuses(cb, cid) == {"p1": "on-hook", "p2": "on-hook"}
    assert cb.calls() == [] and simnet.finished() == []

    # well-formed but unknown to the network: dialed when told, flagged
    st, p = alice.api("POST", path + "/participants",
                      {"name": "Nobody", "number": INVALID}, token=tok)
    assert st == 201 and p["status"] == "on-hook", p
    assert cb.calls() == []
    st, p = alice.api("PATCH", path + "/participants/" + p["id"],
                      {"action": "dial"}, token=tok)
    assert st == 200, p
    cbtest.wait_for(lambda: statuses(cb, cid)[p["id"]] == "invalid-number",
                    what="the participant to be flagged invalid-number")
    assert statuses(cb, cid)["p2"] == "on-hook"


def test_other_tenant(cb, simnet):
    alice = Session(cb, "default", "alice", "customer")
    cid, tok = create(alice, QUICK2)
    path = "/v1/conferences/" + cid
    cb.admin_ok("tenant", "create", "other")
    olaf = Session(cb, "other", "olaf", "operator")
    key = cb.admin_ok("key", "create", "other", "k")

    for tok_ in (None, tok):
        not_found(*olaf.api("GET", path, token=tok_))
        not_found(*olaf.api("PATCH", path + "/participants/p2",
                            {"action": "dial"}, token=tok_))
        not_found(*olaf.api("POST", path + "/end", token=tok_))
        not_found(*olaf.api("GET", path + "/rates", token=tok_))
    not_found(*cb.api("GET", path, key=key))
    not_found(*cb.api("POST", path + "/end", key=key))
    st, b = olaf.api("GET", "/v1/conferences")
    assert st == 200 and b["conferences"] == [], b
    st, b = cb.api("GET", "/v1/conferences", key=key)
    assert st == 200 and b["conferences"] == [], b

    assert statuses(cb, cid) == {"p1": "on-hook", "p2": "on-hook"}
    assert alice.api("GET", path, token=tok)[1]["status"] == "active"
    assert cb.calls() == []
