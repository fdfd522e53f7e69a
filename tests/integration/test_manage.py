"""Accounts managed over the API, black box: roles on routes (agents and
customers get 403, operators manage their own tenant, admins everything),
/v1/tenants, /v1/users and /v1/keys with their validation, tenant
isolation (another tenant's key or user is 404), sessions of a deleted
user stop at once, a key revoked over the API stops at once and its secret
is never shown again, and a tenant's webhook URL receives the signed
events of its calls placed without a status_callback, also after a
restart."""

import json
import os
import sqlite3

import pytest

import cbtest
from test_events import SECRET, Receiver, connect_ws, verify

ADMIN_PW = "admin-pass-phrase"


class Session:
    """A web login used the way the page uses it: the cookie on every
    request, the CSRF token on every state-changing one."""

    def __init__(self, cb, login, password):
        st, body, hdrs = cb.api("POST", "/v1/auth/login",
                                {"login": login, "password": password},
                                key=None, full=True)
        assert st == 200, body
        self.cb = cb
        self.cookie = hdrs["Set-Cookie"].split(";", 1)[0]
        self.csrf = body["csrf_token"]
        self.user = body["user"]

    def api(self, method, path, body=None, csrf=True, **kw):
        h = {"Cookie": self.cookie}
        if method != "GET" and csrf:
            h["X-CSRF-Token"] = self.csrf
        return self.cb.api(method, path, body, key=None, headers=h, **kw)


def is_error(body, status, st, code, field=None):
    assert st == status, (status, st, body)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    if field is not None:
        assert body["error"].get("field") == field, body


def admin_session(cb):
    cb.admin_ok("user", "create", "default", "boss", "admin",
                stdin=ADMIN_PW + "\n")
    return Session(cb, "boss", ADMIN_PW)


def new_tenant(adm, name, **extra):
    st, t = adm.api("POST", "/v1/tenants", dict(name=name, **extra))
    assert st == 201, t
    assert t["name"] == name and t["id"].startswith("t")
    return t


def new_user(adm, login, role, tenant=None, password=None):
    body = {"login": login, "role": role}
    if tenant:
        body["tenant"] = tenant
    if password:
        body["password"] = password
    st, r = adm.api("POST", "/v1/users", body)
    assert st == 201, r
    assert r["user"]["login"] == login and r["user"]["role"] == role
    return r


def user_session(adm, login, role, tenant=None):
    """A new user (made by `adm`) with a known password, signed in."""
    pw = login + "-pass-phrase"
    new_user(adm, login, role, tenant=tenant, password=pw)
    return Session(adm.cb, login, pw)


class KeyClient:
    """An API key used like a Session."""

    def __init__(self, cb, key):
        self.cb, self.key = cb, key

    def api(self, method, path, body=None, **kw):
        return self.cb.api(method, path, body, key=self.key, **kw)


def new_key(who, name, tenant=None):
    body = {"name": name}
    if tenant:
        body["tenant"] = tenant
    st, r = who.api("POST", "/v1/keys", body)
    assert st == 201, r
    assert r["key"].startswith("cbk_" + r["api_key"]["id"] + "_")
    return r


# --- roles --------------------------------------------------------------

def test_roles_on_routes(cb):
    adm = admin_session(cb)
    agent = Session(cb, "ann", new_user(adm, "ann", "agent")["password"])
    cust = Session(cb, "cid", new_user(adm, "cid", "customer")["password"])
    oper = user_session(adm, "ola", "operator")

    for who, role in ((agent, "agent"), (cust, "customer")):
        st, me = who.api("GET", "/v1/me")
        assert st == 200 and me["role"] == role and me["login"] == \
            who.user["login"], me
        # nothing to originate, list or manage
        st, body = who.api("POST", "/v1/calls", {"to": "+15550100"})
        is_error(body, 403, st, "forbidden")
        st, body = who.api("POST", "/v1/keys", {"name": "mine"})
        is_error(body, 403, st, "forbidden")
        for path in ("/v1/calls", "/v1/keys", "/v1/users",
                     "/v1/tenants"):
            st, body = who.api("GET", path)
            is_error(body, 403, st, "forbidden")
        ws = connect_ws(cb, key=None, headers={"Cookie": who.cookie})
        assert ws.status == 403
        ws.s.close()
    assert cb.calls() == [], "a refused POST placed a call"
    st, keys = adm.api("GET", "/v1/keys")
    assert [k["name"] for k in keys["keys"]] == ["cbtest"], keys

    # an operator places calls and manages keys, but no tenants
    st, call = oper.api("POST", "/v1/calls", {"to": "+15550103"})
    assert st == 201, call
    assert oper.api("DELETE", "/v1/calls/" + call["id"])[0] == 200
    assert oper.api("GET", "/v1/keys")[0] == 200
    st, body = oper.api("GET", "/v1/tenants")
    is_error(body, 403, st, "forbidden")
    # an API key acts as an operator of its tenant
    st, me = cb.api("GET", "/v1/me")
    assert me["role"] == "operator" and me["login"] == "", me
    st, body = cb.api("POST", "/v1/tenants", {"name": "sneaky"})
    is_error(body, 403, st, "forbidden")
    assert cb.api("GET", "/v1/users")[0] == 200

    # signing out is for everyone
    st, _ = agent.api("POST", "/v1/auth/logout")
    assert st == 200
    assert agent.api("GET", "/v1/me")[0] == 401


# --- tenants --------------------------------------------------------------

def test_tenants(cb):
    adm = admin_session(cb)
    acme = new_tenant(adm, "acme")
    assert acme["webhook_url"] == ""
    st, body = adm.api("POST", "/v1/tenants", {"name": "acme"})
    is_error(body, 409, st, "exists", "name")
    for bad in ("", "bad name", "x" * 64, 42, None):
        st, body = adm.api("POST", "/v1/tenants", {"name": bad})
        is_error(body, 400, st, "invalid_field", "name")
    st, body = adm.api("POST", "/v1/tenants", {"webhook_url": ""})
    is_error(body, 400, st, "missing_field", "name")
    st, body = adm.api("POST", "/v1/tenants", {
        "name": "beta", "webhook_url": "ftp://127.0.0.1/x"})
    is_error(body, 400, st, "invalid_field", "webhook_url")

    # by id or by name
    assert adm.api("GET", "/v1/tenants/" + acme["id"]) == (200, acme)
    assert adm.api("GET", "/v1/tenants/acme") == (200, acme)
    st, body = adm.api("GET", "/v1/tenants/nosuch")
    is_error(body, 404, st, "not_found")

    url = "http://127.0.0.1:9/hooks/acme"
    st, t = adm.api("PATCH", "/v1/tenants/acme", {"webhook_url": url})
    assert st == 200 and t["webhook_url"] == url and t["name"] == "acme"
    st, t = adm.api("PATCH", "/v1/tenants/" + acme["id"],
                    {"name": "acme-corp"})
    assert st == 200 and t["name"] == "acme-corp" and \
        t["webhook_url"] == url, t
    for body, field in (({"webhook_url": "http://a b/"}, "webhook_url"),
                        ({"webhook_url": "http://h/" + "x" * 300},
                         "webhook_url"),
                        ({"name": "no/slash"}, "name"),
                        ({"webhook_url": 7}, "webhook_url")):
        st, r = adm.api("PATCH", "/v1/tenants/acme-corp", body)
        is_error(r, 400, st, "invalid_field", field)
    st, r = adm.api("PATCH", "/v1/tenants/acme-corp", {})
    is_error(r, 400, st, "missing_field")
    st, r = adm.api("PATCH", "/v1/tenants/acme-corp", {"name": "default"})
    is_error(r, 409, st, "exists", "name")
    st, r = adm.api("PATCH", "/v1/tenants/default", {"name": "dflt"})
    is_error(r, 409, st, "default_tenant", "name")
    # the cookie without its CSRF token changes nothing
    st, r = adm.api("PATCH", "/v1/tenants/acme-corp", {"name": "x"},
                    csrf=False)
    is_error(r, 403, st, "csrf_failed")

    st, lst = adm.api("GET", "/v1/tenants")
    assert st == 200
    assert [(t["name"], t["webhook_url"]) for t in lst["tenants"]] == \
        [("default", ""), ("acme-corp", url)], lst
    # the CLI sees the same store
    assert acme["id"] + "\tacme-corp" in cb.admin_ok("tenant", "list")
    # the URL can be removed again
    st, t = adm.api("PATCH", "/v1/tenants/acme-corp", {"webhook_url": ""})
    assert st == 200 and t["webhook_url"] == ""


# --- users ----------------------------------------------------------------

def test_users(cb):
    adm = admin_session(cb)
    acme = new_tenant(adm, "acme")
    new_tenant(adm, "bravo")

    r = new_user(adm, "olga", "operator", tenant="acme")
    assert r["user"]["tenant_id"] == acme["id"]
    assert len(r["password"]) >= 20          # generated, shown once
    olga = Session(cb, "olga", r["password"])
    st, lst = adm.api("GET", "/v1/users")
    assert "password" not in json.dumps(lst) and "pwhash" not in \
        json.dumps(lst)
    # the first start's admin, ours, and olga
    assert {u["login"] for u in lst["users"]} == {"admin", "boss", "olga"}, \
        lst

    # what a new user's fields must be
    for body, st_want, code, field in (
            ({"role": "agent"}, 400, "missing_field", "login"),
            ({"login": "x y", "role": "agent"}, 400, "invalid_field",
             "login"),
            ({"login": "x" * 64, "role": "agent"}, 400, "invalid_field",
             "login"),
            ({"login": "tom", "role": "king"}, 400, "invalid_field",
             "role"),
            ({"login": "tom", "role": "agent", "password": "short-pw1"},
             400, "invalid_field", "password"),
            ({"login": "tom", "role": "agent", "password": 1234567890},
             400, "invalid_field", "password"),
            ({"login": "tom", "role": "agent", "password": "p" * 128},
             400, "invalid_field", "password"),
            ({"login": "tom", "role": "agent", "tenant": "nosuch"},
             422, "unknown_tenant", "tenant"),
            ({"login": "tom", "role": "admin", "tenant": "acme"},
             422, "invalid_role", "role"),
            ({"login": "olga", "role": "agent"}, 409, "exists", "login")):
        st, body2 = adm.api("POST", "/v1/users", body)
        is_error(body2, st_want, st, code, field)

    # an operator adds users to its own tenant, never an admin
    r = new_user(olga, "tom", "agent", password="tom-pass-phrase")
    assert r["user"]["tenant_id"] == acme["id"] and "password" not in r
    st, body = olga.api("POST", "/v1/users", {"login": "eve", "role":
                                              "admin"})
    is_error(body, 403, st, "forbidden", "role")
    for tenant in ("bravo", "nosuch"):
        st, body = olga.api("POST", "/v1/users", {
            "login": "eve", "role": "agent", "tenant": tenant})
        is_error(body, 403, st, "forbidden", "tenant")
    st, lst = olga.api("GET", "/v1/users")
    assert {u["login"] for u in lst["users"]} == {"olga", "tom"}, lst
    assert cb.admin_ok("user", "list", "acme").count("\t") == 4

    # deleting a user ends its sessions at once
    tom = Session(cb, "tom", "tom-pass-phrase")
    assert tom.api("GET", "/v1/me")[0] == 200
    st, body = olga.api("DELETE", "/v1/users/" + r["user"]["id"])
    assert st == 200 and body["deleted"] is True, body
    assert tom.api("GET", "/v1/me")[0] == 401
    st, body = cb.api("POST", "/v1/auth/login", {
        "login": "tom", "password": "tom-pass-phrase"}, key=None)
    assert st == 401
    st, body = olga.api("DELETE", "/v1/users/" + r["user"]["id"])
    is_error(body, 404, st, "not_found")
    st, body = olga.api("DELETE", "/v1/users/" + olga.user["id"])
    is_error(body, 409, st, "self")
    st, body = olga.api("DELETE", "/v1/users/" + "u" * 47)
    is_error(body, 404, st, "not_found")

    # an operator of the default tenant leaves its admins alone
    dop = user_session(adm, "dora", "operator")
    st, body = dop.api("DELETE", "/v1/users/" + adm.user["id"])
    is_error(body, 403, st, "forbidden")
    assert adm.api("GET", "/v1/me")[0] == 200
    st, body = dop.api("DELETE", "/v1/users/" + olga.user["id"])
    is_error(body, 404, st, "not_found")   # another tenant's user
    assert olga.api("GET", "/v1/me")[0] == 200
    # an admin deletes anyone but itself
    st, _ = adm.api("DELETE", "/v1/users/" + olga.user["id"])
    assert st == 200
    assert olga.api("GET", "/v1/me")[0] == 401
    st, body = adm.api("DELETE", "/v1/users/" + adm.user["id"])
    is_error(body, 409, st, "self")


# --- keys -----------------------------------------------------------------

def test_keys_and_tenant_isolation(cb):
    adm = admin_session(cb)
    a = new_tenant(adm, "acme")
    b = new_tenant(adm, "bravo")
    oa = user_session(adm, "opa", "operator", tenant="acme")
    ob = user_session(adm, "opb", "operator", tenant=b["id"])

    ka = new_key(oa, "ci")
    assert ka["api_key"]["tenant_id"] == a["id"]
    assert ka["api_key"]["active"] is True
    st, me = cb.api("GET", "/v1/me", key=ka["key"])
    assert st == 200 and me["tenant_id"] == a["id"]
    kb = new_key(adm, "billing", tenant="bravo")
    assert kb["api_key"]["tenant_id"] == b["id"]
    # a key manages its own tenant's keys too
    kb2 = new_key(KeyClient(cb, kb["key"]), "from-a-key")
    assert kb2["api_key"]["tenant_id"] == b["id"]

    # lists: never a secret; each operator its own tenant's only
    st, la = oa.api("GET", "/v1/keys")
    assert st == 200 and [k["id"] for k in la["keys"]] == \
        [ka["api_key"]["id"]]
    text = json.dumps(la)
    # the secret is what follows cbk_<id>_ (it may hold "_" itself)
    assert ka["key"].split("_", 2)[2] not in text
    assert "hash" not in la["keys"][0]
    st, lb = ob.api("GET", "/v1/keys")
    assert {k["id"] for k in lb["keys"]} == {kb["api_key"]["id"],
                                              kb2["api_key"]["id"]}
    st, lall = adm.api("GET", "/v1/keys")
    assert {k["tenant_id"] for k in lall["keys"]} >= {a["id"], b["id"]}

    # tenant B cannot see, revoke or use tenant A's keys and users
    st, body = ob.api("DELETE", "/v1/keys/" + ka["api_key"]["id"])
    is_error(body, 404, st, "not_found")
    st, body = cb.api("DELETE", "/v1/keys/" + ka["api_key"]["id"],
                      key=kb["key"])
    is_error(body, 404, st, "not_found")
    assert cb.api("GET", "/v1/me", key=ka["key"])[0] == 200
    st, body = ob.api("DELETE", "/v1/users/" + oa.user["id"])
    is_error(body, 404, st, "not_found")
    assert oa.api("GET", "/v1/me")[0] == 200
    st, lu = ob.api("GET", "/v1/users")
    assert [u["login"] for u in lu["users"]] == ["opb"], lu
    st, body = ob.api("POST", "/v1/keys", {"name": "x", "tenant": "acme"})
    is_error(body, 403, st, "forbidden", "tenant")

    # validation
    for body, code, field in (({}, "missing_field", "name"),
                              ({"name": ""}, "invalid_field", "name"),
                              ({"name": "x" * 64}, "invalid_field", "name"),
                              ({"name": "tab\there"}, "invalid_field",
                               "name"),
                              ({"name": ["ci"]}, "invalid_field", "name")):
        st, r = oa.api("POST", "/v1/keys", body)
        is_error(r, 400, st, code, field)
    st, r = adm.api("POST", "/v1/keys", {"name": "x", "tenant": "nosuch"})
    is_error(r, 422, st, "unknown_tenant", "tenant")
    st, r = oa.api("POST", "/v1/keys", {"name": "ci"}, csrf=False)
    is_error(r, 403, st, "csrf_failed")

    # revoke: stops at once, stays listed as revoked; again is the same
    st, r = oa.api("DELETE", "/v1/keys/" + ka["api_key"]["id"])
    assert st == 200 and r["active"] is False and r["revoked_ms"] > 0, r
    assert cb.api("GET", "/v1/me", key=ka["key"])[0] == 401
    st, r2 = oa.api("DELETE", "/v1/keys/" + ka["api_key"]["id"])
    assert st == 200 and r2 == r
    st, la = oa.api("GET", "/v1/keys")
    assert la["keys"][0]["active"] is False
    assert ka["api_key"]["id"] + "\trevoked" in cb.admin_ok("key", "list",
                                                            "acme")
    st, body = oa.api("DELETE", "/v1/keys/nosuchkey")
    is_error(body, 404, st, "not_found")


def test_secrets_never_kept_for_replays(tmp_path, cb):
    """A POST retried with its Idempotency-Key creates nothing twice, and
    the replay has no secret: the store never holds a key or a generated
    password in clear."""
    adm = admin_session(cb)
    h = {"Idempotency-Key": "new-key-1"}
    st, first, _ = cb.api("POST", "/v1/keys", {"name": "ci"}, headers=h,
                          full=True)
    assert st == 201 and first["key"].startswith("cbk_"), first
    st, again, hd = cb.api("POST", "/v1/keys", {"name": "ci"}, headers=h,
                           full=True)
    assert st == 201 and hd.get("Idempotent-Replayed") == "true"
    assert again == dict(first, key=None), again
    st, keys = cb.api("GET", "/v1/keys")
    assert [k["name"] for k in keys["keys"]].count("ci") == 1

    h = {"Idempotency-Key": "new-user-1", "Cookie": adm.cookie,
         "X-CSRF-Token": adm.csrf}
    body = {"login": "gen", "role": "agent"}
    st, u1 = cb.api("POST", "/v1/users", body, key=None, headers=h)
    assert st == 201 and len(u1["password"]) >= 20, u1
    st, u2 = cb.api("POST", "/v1/users", body, key=None, headers=h)
    assert st == 201 and u2 == dict(u1, password=None), u2
    assert Session(cb, "gen", u1["password"]).user["login"] == "gen"

    db = sqlite3.connect(os.path.join(str(tmp_path), "callbridge.db"))
    try:
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    assert first["key"].split("_", 2)[2] not in dump
    assert u1["password"] not in dump


# --- per-tenant webhook URL -----------------------------------------------

@pytest.fixture
def cbs(tmp_path, procs, simnet):
    """callbridge whose webhooks a receiver can check (known secret)."""
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.webhook_secret " + SECRET])
    procs.append(c)
    return c


def calls_to(rcv, cid):
    return [e for e in rcv.delivered() if e["call_id"] == cid]


def busy_call_delivered(cb, rcv, key):
    """Originate to the busy number with `key`, without a status_callback;
    wait for the call's deliveries up to call.ended; return them."""
    st, call = cb.api("POST", "/v1/calls", {"to": "+15550102"}, key=key)
    assert st == 201, call
    got = cbtest.wait_for(lambda: (lambda d: d if d and d[-1]["type"] ==
                                   "call.ended" else None)(
        calls_to(rcv, call["id"])), timeout=20,
        what="the tenant's webhooks")
    states = [e for e in got if e["type"] == "leg.state"]
    assert states[0]["new"] == "calling"
    assert states[-1]["new"] == "ended" and states[-1]["outcome"] == "busy"
    return call["id"], got


def wait_ended(cb, cid, key):
    cbtest.wait_for(lambda: (lambda st_c: st_c[0] == 404 or all(
        leg["state"] == "ended" for leg in st_c[1]["legs"]))(
        cb.api("GET", "/v1/calls/" + cid, key=key)), timeout=15,
        what="call %s to end" % cid)


def test_tenant_webhook_url(tmp_path, procs, simnet, cbs):
    rcv = Receiver()
    try:
        adm = admin_session(cbs)
        new_tenant(adm, "acme")
        key = new_key(adm, "hooks", tenant="acme")["key"]
        st, t = adm.api("PATCH", "/v1/tenants/acme",
                        {"webhook_url": rcv.url})
        assert st == 200 and t["webhook_url"] == rcv.url

        # another tenant's call (no URL) sends nothing there
        st, other = cbs.api("POST", "/v1/calls", {"to": "+15550102"})
        assert st == 201
        wait_ended(cbs, other["id"], cbs.key)

        cid, got = busy_call_delivered(cbs, rcv, key)
        with rcv.lock:
            hits = list(rcv.hits)
        for _, headers, body in hits:
            verify(headers, body)
        assert len({e["event_id"] for e in got}) == len(got)
        assert calls_to(rcv, other["id"]) == []

        # the URL is kept in the store: a restarted daemon still uses it
        cbs.stop()
        cb2 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                                extra=["api.webhook_secret " + SECRET],
                                name="callbridge2")
        procs.append(cb2)
        cid2, _ = busy_call_delivered(cb2, rcv, key)
        assert cid2 != cid

        # a call's own status_callback wins over the tenant's URL
        rcv2 = Receiver()
        try:
            st, call = cb2.api("POST", "/v1/calls", {
                "to": "+15550102", "status_callback": rcv2.url}, key=key)
            assert st == 201
            cbtest.wait_for(lambda: (lambda d: d and d[-1]["type"] ==
                                     "call.ended")(
                calls_to(rcv2, call["id"])), timeout=20,
                what="the call's own webhooks")
            assert calls_to(rcv, call["id"]) == []
        finally:
            rcv2.stop()

        # removed: the tenant's next call sends nothing
        adm2 = Session(cb2, "boss", ADMIN_PW)
        st, t = adm2.api("PATCH", "/v1/tenants/acme", {"webhook_url": ""})
        assert st == 200 and t["webhook_url"] == ""
        st, quiet = cb2.api("POST", "/v1/calls", {"to": "+15550102"},
                            key=key)
        assert st == 201
        wait_ended(cb2, quiet["id"], key)
        st, t = adm2.api("PATCH", "/v1/tenants/acme",
                         {"webhook_url": rcv.url})
        assert st == 200
        busy_call_delivered(cb2, rcv, key)
        assert calls_to(rcv, quiet["id"]) == []
    finally:
        rcv.stop()
