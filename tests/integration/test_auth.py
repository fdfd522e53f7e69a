"""Accounts and credentials against the real daemon: every /v1 route needs
an API key or a session, tenants never see each other's calls, web
sessions need their CSRF token to change anything, expire and end on
logout, guessing passwords is slowed to 429, a retried POST with the same
Idempotency-Key never dials twice, the admin CLI manages tenants, users
and keys, and all of it survives a restart (the SQLite store)."""

import os
import sqlite3

import cbtest


def cookie_of(hdrs):
    c = hdrs.get("Set-Cookie") or ""
    assert c.startswith("cb_session="), hdrs
    assert "HttpOnly" in c and "SameSite=Lax" in c, c
    return c.split(";", 1)[0]


def login(cb, user, pw):
    st, body, hdrs = cb.api("POST", "/v1/auth/login",
                            {"login": user, "password": pw}, key=None,
                            full=True)
    return st, body, hdrs


def make_user(cb, tenant, login_, role, pw):
    out = cb.admin_ok("user", "create", tenant, login_, role,
                      stdin=pw + "\n")
    assert login_ in out and role in out, out
    assert pw not in out      # a given password is never echoed


def test_credentials_required(tmp_path, cb):
    st, body, hdrs = cb.api("GET", "/v1/calls", key=None, full=True)
    assert st == 401 and body["error"]["code"] == "unauthorized", body
    assert hdrs.get("WWW-Authenticate", "").startswith("Bearer"), hdrs
    for bad in ("cbk_nonsense", cb.key[:-1] + ("A" if cb.key[-1] != "A"
                                               else "B"), "x" * 300):
        st, body = cb.api("GET", "/v1/calls", key=bad)
        assert st == 401, (bad, body)
    st, _ = cb.api("POST", "/v1/calls", {"to": "+15550100"}, key=None)
    assert st == 401
    assert cb.calls() == [], "an unauthenticated POST placed a call"
    st, body = cb.api("GET", "/v1/calls", headers={
        "Authorization": "Basic YWRtaW46YWRtaW4="}, key=None)
    assert st == 401

    # public probes stay public
    assert cb.api("GET", "/healthz", key=None)[0] == 200
    st, body = cb.api("GET", "/readyz", key=None)
    assert st == 200 and body == {"status": "ready", "store": "ok",
                                  "sip": "ok"}, body

    st, me = cb.api("GET", "/v1/me")
    assert st == 200 and me["auth"] == "key" and me["role"] == "operator"
    assert me["key_id"] and cb.key.startswith("cbk_" + me["key_id"] + "_")


def test_revoked_key(tmp_path, cb):
    key2 = cb.admin_ok("key", "create", "default", "temp")
    assert cb.api("GET", "/v1/calls", key=key2)[0] == 200
    kid = key2.split("_")[1]
    listed = cb.admin_ok("key", "list", "default")
    assert kid + "\tactive\ttemp" in listed, listed
    assert key2 not in listed           # the secret is shown once only
    cb.admin_ok("key", "revoke", kid)
    # the CLI is another process: the daemon's cache of verified keys
    # (auth.key_cache_s, 5 s by default) lets the key go within that time
    cbtest.wait_for(lambda: cb.api("GET", "/v1/calls", key=key2)[0] == 401,
                    timeout=8, what="revoked key refused")
    assert kid + "\trevoked" in cb.admin_ok("key", "list", "default")
    assert cb.api("GET", "/v1/calls")[0] == 200   # the other key lives
    rc, _, err = cb.admin("key", "revoke", kid)
    assert rc != 0 and "no active key" in err


def test_tenant_isolation(tmp_path, cb):
    out = cb.admin_ok("tenant", "create", "acme")
    tid_b = out.split()[0]
    key_b = cb.admin_ok("key", "create", "acme")

    # +15550103 rings without answering: the call stays up
    st, call = cb.api("POST", "/v1/calls", {"to": "+15550103"})
    assert st == 201, call
    cid = call["id"]
    leg = call["legs"][0]["id"]

    assert cb.api("GET", "/v1/calls/" + cid, key=key_b)[0] == 404
    st, body = cb.api("DELETE", "/v1/calls/" + cid, key=key_b)
    assert st == 404 and body["error"]["code"] == "not_found", body
    st, body = cb.api("POST", "/v1/calls/%s/legs/%s/dtmf" % (cid, leg),
                      {"digits": "1"}, key=key_b)
    assert st == 404, body
    st, body = cb.api("GET", "/v1/calls", key=key_b)
    assert st == 200 and body["calls"] == [], body
    st, me = cb.api("GET", "/v1/me", key=key_b)
    assert me["tenant_id"] == tid_b

    # still alive and still ringing for its owner
    st, c = cb.api("GET", "/v1/calls/" + cid)
    assert st == 200 and c["legs"][0]["state"] in ("calling", "ringing")
    assert [x["id"] for x in cb.calls()] == [cid]

    # B's own call is B's
    st, cb_call = cb.api("POST", "/v1/calls", {"to": "+15550103"},
                         key=key_b)
    assert st == 201
    assert cb.api("GET", "/v1/calls/" + cb_call["id"])[0] == 404
    assert cb.api("DELETE", "/v1/calls/" + cb_call["id"],
                  key=key_b)[0] == 200
    assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200


def test_session_csrf_logout(tmp_path, cb):
    make_user(cb, "default", "olga", "operator", "olga-secret-1")
    st, body, hdrs = login(cb, "olga", "olga-secret-1")
    assert st == 200, body
    cookie = cookie_of(hdrs)
    csrf = body["csrf_token"]
    assert len(csrf) >= 43 and body["user"]["role"] == "operator"
    sess = {"Cookie": cookie}

    st, me = cb.api("GET", "/v1/me", headers=sess, key=None)
    assert st == 200 and me["auth"] == "session" and me["csrf_token"] == csrf
    assert cb.api("GET", "/v1/calls", headers=sess, key=None)[0] == 200

    # state change with the cookie alone: refused, nothing dialled
    st, body = cb.api("POST", "/v1/calls", {"to": "+15550103"},
                      headers=sess, key=None)
    assert st == 403 and body["error"]["code"] == "csrf_failed", body
    st, body = cb.api("POST", "/v1/calls", {"to": "+15550103"},
                      headers=dict(sess, **{"X-CSRF-Token": csrf[:-1]}),
                      key=None)
    assert st == 403
    assert cb.calls() == []
    st, call = cb.api("POST", "/v1/calls", {"to": "+15550103"},
                      headers=dict(sess, **{"X-CSRF-Token": csrf}),
                      key=None)
    assert st == 201, call
    st, _ = cb.api("DELETE", "/v1/calls/" + call["id"], headers=sess,
                   key=None)
    assert st == 403
    st, _ = cb.api("DELETE", "/v1/calls/" + call["id"],
                   headers=dict(sess, **{"X-CSRF-Token": csrf}), key=None)
    assert st == 200

    # wrong or forged cookies
    for bad in ("cb_session=" + "A" * 43, "cb_session=", "other=1",
                cookie + "x"):
        st, _ = cb.api("GET", "/v1/me", headers={"Cookie": bad}, key=None)
        assert st == 401, bad

    # logout needs the token too, then the cookie is dead
    assert cb.api("POST", "/v1/auth/logout", headers=sess,
                  key=None)[0] == 403
    st, _, hdrs = cb.api("POST", "/v1/auth/logout",
                         headers=dict(sess, **{"X-CSRF-Token": csrf}),
                         key=None, full=True)
    assert st == 200 and "Max-Age=0" in hdrs.get("Set-Cookie", "")
    assert cb.api("GET", "/v1/me", headers=sess, key=None)[0] == 401


def test_session_expires(tmp_path, procs, simnet):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["auth.session_ttl 2"])
    procs.append(cb)
    make_user(cb, "default", "tim", "agent", "tim-secret-1")
    st, body, hdrs = login(cb, "tim", "tim-secret-1")
    assert st == 200 and "Max-Age=2" in hdrs["Set-Cookie"]
    sess = {"Cookie": cookie_of(hdrs)}
    assert cb.api("GET", "/v1/me", headers=sess, key=None)[0] == 200
    cbtest.wait_for(lambda: cb.api("GET", "/v1/me", headers=sess,
                                   key=None)[0] == 401, timeout=10,
                    what="the session to expire")


def test_login_bruteforce(tmp_path, cb):
    make_user(cb, "default", "vic", "customer", "vic-secret-1")
    st, body, _ = login(cb, "nobody", "whatever1")
    assert st == 401 and body["error"]["code"] == "invalid_credentials"
    for _ in range(4):
        st, body, _ = login(cb, "vic", "guess-guess")
        assert st == 401, body
    # five failures from this address: locked out, even the right password
    st, body, hdrs = login(cb, "vic", "vic-secret-1")
    assert st == 429 and body["error"]["code"] == "too_many_attempts"
    assert int(hdrs["Retry-After"]) >= 1
    st, _, _ = login(cb, "vic", "guess-again")
    assert st == 429
    # the API keys keep working
    assert cb.api("GET", "/v1/calls")[0] == 200


def test_idempotent_post(tmp_path, cb, simnet):
    req = {"to": "+15550100", "play": "welcome.wav"}
    h = {"Idempotency-Key": "order-42"}
    st, first, hd1 = cb.api("POST", "/v1/calls", req, headers=h, full=True)
    assert st == 201, first
    assert "Idempotent-Replayed" not in hd1
    for _ in range(3):
        st, again, hd = cb.api("POST", "/v1/calls", req, headers=h,
                               full=True)
        assert st == 201 and again == first, again
        assert hd.get("Idempotent-Replayed") == "true"
    assert [c["id"] for c in cb.calls()] == [first["id"]]

    st, body = cb.api("POST", "/v1/calls", dict(req, to="+15550101"),
                      headers=h)
    assert st == 409 and body["error"]["code"] == "idempotency_key_reused"
    # keys are per tenant: the same key elsewhere is a new request
    key_b = (cb.admin_ok("tenant", "create", "beta"),
             cb.admin_ok("key", "create", "beta"))[1]
    st, other = cb.api("POST", "/v1/calls", {"to": "+15550103"}, headers=h,
                       key=key_b)
    assert st == 201 and other["id"] != first["id"]
    assert cb.api("DELETE", "/v1/calls/" + other["id"], key=key_b)[0] == 200

    st, body = cb.api("POST", "/v1/calls", req,
                      headers={"Idempotency-Key": "x" * 200})
    assert st == 400 and body["error"]["field"] == "Idempotency-Key"

    # the far side saw one call: simnet finishes it once (prompt played)
    cbtest.wait_for(lambda: cb.call(first["id"]) and all(
        l["state"] == "ended" for l in cb.call(first["id"])["legs"]),
        timeout=20, what="the prompt call to end")
    cbtest.wait_for(lambda: len([r for r in simnet.finished()
                                 if "15550100" in json_str(r)]) == 1,
                    timeout=10, what="simnet's record")
    assert len([r for r in simnet.finished()
                if "15550100" in json_str(r)]) == 1


def json_str(obj):
    import json
    return json.dumps(obj)


def test_admin_cli_and_restart(tmp_path, procs, simnet):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(cb)
    assert "*** first start: web admin created ***" in cb.log()

    out = cb.admin_ok("tenant", "create", "gamma")
    tid = out.split()[0]
    assert tid.startswith("t") and out.split()[1] == "gamma"
    rc, _, err = cb.admin("tenant", "create", "gamma")
    assert rc != 0 and "exists" in err
    rc, _, _ = cb.admin("tenant", "create", "bad name")
    assert rc != 0
    listed = cb.admin_ok("tenant", "list")
    assert "\tdefault" in listed and tid + "\tgamma" in listed

    rc, _, err = cb.admin("user", "create", "gamma", "gus", "king")
    assert rc != 0 and "role" in err
    rc, _, err = cb.admin("user", "create", "nosuch", "gus", "agent",
                          stdin="gus-secret-1\n")
    assert rc != 0 and "no tenant" in err
    out = cb.admin_ok("user", "create", tid, "gus", "operator")
    pw = [l.split(": ", 1)[1] for l in out.splitlines()
          if l.startswith("password: ")][0]
    assert len(pw) >= 20
    key_g = cb.admin_ok("key", "create", "gamma", "ci")
    rc, _, _ = cb.admin("nonsense")
    assert rc == 2

    st, body, hdrs = login(cb, "gus", pw)
    assert st == 200 and body["user"]["tenant_id"] == tid
    sess = {"Cookie": cookie_of(hdrs)}

    st, call = cb.api("POST", "/v1/calls", {"to": "+15550102"}, key=key_g)
    assert st == 201
    cbtest.wait_for(lambda: cb.call(call["id"]) is None or all(
        l["state"] == "ended" for l in cb.call(call["id"])["legs"]),
        timeout=15, what="the busy call to end")
    assert cb.stop() == 0

    # a new daemon on the same store: tenants, keys, sessions, calls kept
    cb2 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                            name="callbridge2")
    procs.append(cb2)
    assert "first start" not in cb2.log()
    assert cb2.api("GET", "/v1/me", key=key_g)[1]["tenant_id"] == tid
    assert cb2.api("GET", "/v1/me", key=cb.key)[0] == 200
    st, me = cb2.api("GET", "/v1/me", headers=sess, key=None)
    assert st == 200 and me["auth"] == "session"
    assert tid + "\tgamma" in cb2.admin_ok("tenant", "list")

    db = sqlite3.connect(os.path.join(str(tmp_path), "callbridge.db"))
    try:
        rows = db.execute("SELECT tenant_id FROM calls WHERE id = ?",
                          (call["id"],)).fetchall()
        legs = db.execute("SELECT cause FROM call_legs WHERE call_id = ?",
                          (call["id"],)).fetchall()
        versions = db.execute("SELECT version FROM schema_migrations"
                              ).fetchall()
    finally:
        db.close()
    assert rows == [(tid,)], rows
    assert legs == [("busy",)], legs
    # each migration applied once, in order
    assert versions == [(v,) for v in range(1, len(versions) + 1)]
    assert len(versions) >= 3, versions
