"""The business side of the contact centre, black box against the daemon:
/v1/contact/business (defaults before the first PUT, a full round trip,
a PUT that is a full replace, every field's validation refusing with the
field named and changing nothing), /v1/contact/agents (create, list,
get, patch, delete, endpoint and skill checks, the console login, and
tenant isolation: another tenant's agent is 404) and /v1/contact/status
showing a new agent logged out."""

import pytest

from test_manage import KeyClient, admin_session

ANN = ("Please hold while we connect you to {business} customer "
       "representative.")
DEFAULTS = {"configured": False, "announcement": ANN, "origins": [],
            "hours": [], "hold_prompt": "", "ring_s": 20,
            "fallback_s": 30, "wrap_s": 30, "max_noanswer": 3,
            "position_s": 30, "billing_account": ""}


def tenant_key(cb, name):
    """A new tenant and an API key of it (an operator of that tenant)."""
    cb.admin_ok("tenant", "create", name)
    return KeyClient(cb, cb.admin_ok("key", "create", name, name + "-key"))


def agent_user(cb, tenant, login, role="agent"):
    cb.admin_ok("user", "create", tenant, login, role,
                stdin=login + "-pass-phrase\n")


def subset(want, got):
    return {k: got.get(k) for k in want} == want


# --- business settings ------------------------------------------------------

def test_business_defaults_round_trip_and_full_replace(cb):
    st, b = cb.api("GET", "/v1/contact/business")
    assert st == 200, b
    assert subset(DEFAULTS, b), b
    assert b["name"] == "default"          # the tenant's name
    assert b["open_now"] is True           # no hours: always open

    st, acc = cb.api("POST", "/v1/accounts", {"name": "cc-billing"})
    assert st == 201, acc
    acc_id = (acc.get("account") or acc)["id"]

    full = {"name": "Acme Cruises",
            "announcement": "Thanks for calling {business}.",
            "origins": ["https://shop.example", "http://127.0.0.1:8000"],
            "hours": [{"days": "mon-fri", "open": "09:00",
                       "close": "17:00"},
                      {"days": "sat", "open": "10:00", "close": "14:00"}],
            "hold_prompt": "please-hold.wav", "ring_s": 15,
            "fallback_s": 0, "wrap_s": 600, "max_noanswer": 0,
            "position_s": 10, "billing_account": "cc-billing"}
    st, put = cb.api("PUT", "/v1/contact/business", full)
    assert st == 200, put
    want = dict(full, billing_account=acc_id, configured=True)
    assert subset(want, put), put
    st, got = cb.api("GET", "/v1/contact/business")
    assert st == 200 and subset(want, got), got
    assert got["updated_ms"] > 0

    # what GET shows goes back as it is
    st, again = cb.api("PUT", "/v1/contact/business", got)
    assert st == 200 and subset(want, again), again

    # a full replace: what is missing goes back to its default
    st, put = cb.api("PUT", "/v1/contact/business",
                     {"name": "Acme", "ring_s": 30})
    assert st == 200, put
    assert subset(dict(DEFAULTS, configured=True, name="Acme",
                       ring_s=30), put), put
    st, got = cb.api("GET", "/v1/contact/business")
    assert subset(dict(DEFAULTS, configured=True, name="Acme",
                       ring_s=30), got), got

    # an empty body: defaults, the name is the tenant's again
    st, put = cb.api("PUT", "/v1/contact/business", {})
    assert st == 200 and put["name"] == "default", put


BAD = [
    ({"name": ""}, "name"),
    ({"name": "x" * 81}, "name"),
    ({"name": "a\nb"}, "name"),
    ({"name": 7}, "name"),
    ({"announcement": "x" * 513}, "announcement"),
    ({"origins": "https://shop.example"}, "origins"),
    ({"origins": ["https://shop.example/"]}, "origins"),
    ({"origins": ["https://shop.example/cart"]}, "origins"),
    ({"origins": ["ftp://shop.example"]}, "origins"),
    ({"origins": ["https://"]}, "origins"),
    ({"origins": ["shop.example"]}, "origins"),
    ({"origins": ["http://127.0.0.1:0"]}, "origins"),
    ({"origins": ["http://127.0.0.1:65536"]}, "origins"),
    ({"origins": ["https://a b.example"]}, "origins"),
    ({"origins": [1]}, "origins"),
    ({"origins": ["https://s%d.example" % i for i in range(17)]},
     "origins"),
    ({"hours": "mon-fri 09:00-17:00"}, "hours"),
    ({"hours": [{"days": "mon-fri", "open": "9:00", "close": "17:00"}]},
     "hours"),
    ({"hours": [{"days": "mon", "open": "17:00", "close": "09:00"}]},
     "hours"),
    ({"hours": [{"days": "funday", "open": "09:00", "close": "17:00"}]},
     "hours"),
    ({"hours": [{"days": "mon", "open": "09:00", "close": "25:00"}]},
     "hours"),
    ({"hours": [{"days": "mon", "open": "09:00"}]}, "hours"),
    ({"hours": [{"days": "mon", "open": "09:00", "close": "17:00",
                 "tz": "CET"}]}, "hours"),
    ({"hours": [{"days": "mon", "open": "09:00", "close": "10:00"}] * 15},
     "hours"),
    ({"hold_prompt": "../callbridge.db"}, "hold_prompt"),
    ({"hold_prompt": "no-such-file.wav"}, "hold_prompt"),
    ({"hold_prompt": ".hidden"}, "hold_prompt"),
    ({"ring_s": 4}, "ring_s"),
    ({"ring_s": 121}, "ring_s"),
    ({"ring_s": "20"}, "ring_s"),
    ({"ring_s": 20.5}, "ring_s"),
    ({"ring_s": True}, "ring_s"),
    ({"fallback_s": -1}, "fallback_s"),
    ({"fallback_s": 3601}, "fallback_s"),
    ({"wrap_s": 601}, "wrap_s"),
    ({"max_noanswer": 11}, "max_noanswer"),
    ({"position_s": 5}, "position_s"),
    ({"position_s": 601}, "position_s"),
    ({"billing_account": "no-such-account"}, "billing_account"),
    ({"rings": 3}, "rings"),
]


def test_business_validation_names_the_field_and_changes_nothing(cb):
    st, before = cb.api("PUT", "/v1/contact/business",
                        {"name": "Acme", "ring_s": 25})
    assert st == 200, before
    for body, field in BAD:
        st, r = cb.api("PUT", "/v1/contact/business", body)
        assert st == 400, (body, st, r)
        assert r["error"]["field"] == field, (body, r)
        assert r["error"]["code"] in ("invalid_field", "unknown_field"), r
    st, r = cb.api("PUT", "/v1/contact/business", raw=b"[1]")
    assert st == 400, r
    st, after = cb.api("GET", "/v1/contact/business")
    assert st == 200 and after == before, (before, after)

    # another tenant's money account is not one of ours
    other = tenant_key(cb, "other")
    st, acc = other.api("POST", "/v1/accounts", {"name": "theirs"})
    assert st == 201, acc
    acc_id = (acc.get("account") or acc)["id"]
    st, r = cb.api("PUT", "/v1/contact/business",
                   {"billing_account": acc_id})
    assert st == 400 and r["error"]["field"] == "billing_account", r


def test_business_per_tenant_and_admin_query(cb):
    a = tenant_key(cb, "alpha")
    b = tenant_key(cb, "bravo")
    st, r = a.api("PUT", "/v1/contact/business", {"name": "Alpha Inc"})
    assert st == 200 and r["configured"] is True, r
    st, r = b.api("GET", "/v1/contact/business")
    assert st == 200 and r["configured"] is False, r
    assert r["name"] == "bravo"
    # an operator names no other tenant
    st, r = b.api("GET", "/v1/contact/business?tenant=alpha")
    assert st == 403, r
    st, r = b.api("PUT", "/v1/contact/business?tenant=alpha", {})
    assert st == 403, r
    adm = admin_session(cb)
    st, r = adm.api("GET", "/v1/contact/business?tenant=alpha")
    assert st == 200 and r["name"] == "Alpha Inc", r
    st, r = adm.api("PUT", "/v1/contact/business?tenant=bravo",
                    {"name": "Bravo Ltd"})
    assert st == 200 and r["tenant_id"] != a.api(
        "GET", "/v1/contact/business")[1]["tenant_id"], r
    st, r = b.api("GET", "/v1/contact/business")
    assert r["name"] == "Bravo Ltd", r


# --- agents -----------------------------------------------------------------

def test_agents_crud_validation_and_tenant_isolation(cb):
    a = tenant_key(cb, "alpha")
    b = tenant_key(cb, "bravo")
    agent_user(cb, "alpha", "ann")
    agent_user(cb, "alpha", "oscar", role="operator")
    agent_user(cb, "bravo", "bea")

    st, r = a.api("POST", "/v1/contact/agents",
                  {"name": "Ann", "endpoint": "alice",
                   "skills": {"cruises": 7, "flights": 3},
                   "login": "ann"})
    assert st == 201, r
    ann = r["agent"]
    assert ann["name"] == "Ann" and ann["endpoint"] == "alice"
    assert ann["skills"] == {"cruises": 7, "flights": 3}
    assert ann["user_id"] and ann["id"]
    st, r = a.api("POST", "/v1/contact/agents",
                  {"name": "Remote Rita", "endpoint": "+1 555 0100"})
    assert st == 201, r
    rita = r["agent"]
    assert rita["endpoint"] == "+15550100" and rita["skills"] == {}
    assert rita["user_id"] == ""
    st, r = a.api("POST", "/v1/contact/agents",
                  {"name": "Sip Sam", "endpoint": "sip:sam@127.0.0.1:5099",
                   "skills": {"s%d" % i: 9 for i in range(7)}})
    assert st == 201 and len(r["agent"]["skills"]) == 7, r
    assert st == 201 and r["agent"]["endpoint"] == \
        "sip:sam@127.0.0.1:5099", r

    bad = [
        ({"endpoint": "alice"}, "name"),
        ({"name": "X"}, "endpoint"),
        ({"name": "", "endpoint": "alice"}, "name"),
        ({"name": "X", "endpoint": "nobody"}, "endpoint"),
        ({"name": "X", "endpoint": "+12"}, "endpoint"),
        ({"name": "X", "endpoint": "sip:"}, "endpoint"),
        ({"name": "X", "endpoint": "sip:a b"}, "endpoint"),
        ({"name": "X", "endpoint": "sip:" + "a" * 124}, "endpoint"),
        ({"name": "X", "endpoint": "alice", "skills": {"Cruises": 7}},
         "skills"),
        ({"name": "X", "endpoint": "alice", "skills": {"cruises": 10}},
         "skills"),
        ({"name": "X", "endpoint": "alice", "skills": {"cruises": 0}},
         "skills"),
        ({"name": "X", "endpoint": "alice", "skills": {"cruises": "7"}},
         "skills"),
        ({"name": "X", "endpoint": "alice", "skills": {"x" * 32: 1}},
         "skills"),
        ({"name": "X", "endpoint": "alice",
          "skills": {"s%d" % i: 1 for i in range(8)}}, "skills"),
        ({"name": "X", "endpoint": "alice", "skills": ["cruises"]},
         "skills"),
        ({"name": "X", "endpoint": "alice", "login": "bea"}, "login"),
        ({"name": "X", "endpoint": "alice", "login": "oscar"}, "login"),
        ({"name": "X", "endpoint": "alice", "login": "nobody"}, "login"),
        ({"name": "X", "endpoint": "alice", "user_id": "unope"},
         "user_id"),
        ({"name": "X", "endpoint": "alice", "colour": "red"}, "colour"),
    ]
    for body, field in bad:
        st, r = a.api("POST", "/v1/contact/agents", body)
        assert st == 400, (body, st, r)
        assert r["error"]["field"] == field, (body, r)
    # one login, one agent
    st, r = a.api("POST", "/v1/contact/agents",
                  {"name": "Ann 2", "endpoint": "bob", "login": "ann"})
    assert st == 409, r

    st, r = a.api("GET", "/v1/contact/agents")
    assert st == 200, r
    assert sorted(x["name"] for x in r["agents"]) == \
        ["Ann", "Remote Rita", "Sip Sam"]
    st, r = b.api("GET", "/v1/contact/agents")
    assert st == 200 and r["agents"] == [], r

    # tenant B neither sees nor touches A's agent
    path = "/v1/contact/agents/" + ann["id"]
    for met, body in (("GET", None), ("PATCH", {"name": "Mine"}),
                      ("DELETE", None)):
        st, r = b.api(met, path, body)
        assert st == 404 and r["error"]["code"] == "not_found", (met, r)
    st, r = a.api("GET", path)
    assert st == 200 and r["agent"]["name"] == "Ann", r
    assert "live" in r["agent"]

    # PATCH changes only what it names
    st, r = a.api("PATCH", path, {"skills": {"cruises": 9}})
    assert st == 200, r
    assert r["agent"]["skills"] == {"cruises": 9}
    assert r["agent"]["name"] == "Ann" and r["agent"]["endpoint"] == \
        "alice" and r["agent"]["user_id"] == ann["user_id"]
    st, r = a.api("PATCH", path, {"endpoint": "nobody"})
    assert st == 400 and r["error"]["field"] == "endpoint", r
    st, r = a.api("PATCH", path, {"user_id": ""})
    assert st == 200 and r["agent"]["user_id"] == "", r
    # the login is free again
    st, r = a.api("PATCH", "/v1/contact/agents/" + rita["id"],
                  {"login": "ann"})
    assert st == 200 and r["agent"]["user_id"] == ann["user_id"], r
    st, r = a.api("GET", path)
    assert r["agent"]["skills"] == {"cruises": 9}, r

    # an admin sees any tenant's agent
    adm = admin_session(cb)
    st, r = adm.api("GET", path)
    assert st == 200 and r["agent"]["id"] == ann["id"], r
    st, r = adm.api("GET", "/v1/contact/agents?tenant=bravo")
    assert st == 200 and r["agents"] == [], r

    st, r = a.api("DELETE", path)
    assert st == 200 and r["deleted"] is True, r
    st, r = a.api("GET", path)
    assert st == 404, r
    st, r = a.api("DELETE", path)
    assert st == 404, r
    st, r = a.api("GET", "/v1/contact/agents/" + "x" * 47)
    assert st == 404, r


def find_id(doc, ident):
    """The object of a JSON document whose id is ident."""
    if isinstance(doc, dict):
        if doc.get("id") == ident:
            return doc
        doc = list(doc.values())
    if isinstance(doc, list):
        for v in doc:
            hit = find_id(v, ident)
            if hit is not None:
                return hit
    return None


def test_status_shows_a_new_agent_logged_out(cb):
    a = tenant_key(cb, "alpha")
    st, r = a.api("PUT", "/v1/contact/business", {"name": "Alpha"})
    assert st == 200, r
    st, r = a.api("POST", "/v1/contact/agents",
                  {"name": "Ann", "endpoint": "alice",
                   "skills": {"cruises": 7}})
    assert st == 201, r
    ag = r["agent"]
    assert ag["live"] and ag["live"]["status"] == "logged-out", ag

    st, s = a.api("GET", "/v1/contact/status")
    assert st == 200 and isinstance(s, dict), s
    live = find_id(s, ag["id"])
    assert live is not None and live["status"] == "logged-out", s

    # another tenant's status does not show it
    b = tenant_key(cb, "bravo")
    st, s = b.api("GET", "/v1/contact/status")
    assert st == 200 and find_id(s, ag["id"]) is None, s

    # deleted: gone from the live status too
    st, r = a.api("DELETE", "/v1/contact/agents/" + ag["id"])
    assert st == 200, r
    st, s = a.api("GET", "/v1/contact/status")
    assert st == 200 and find_id(s, ag["id"]) is None, s


@pytest.mark.parametrize("path", ["/v1/contact/business",
                                  "/v1/contact/agents",
                                  "/v1/contact/status"])
def test_agents_and_customers_are_refused(cb, path):
    cb.admin_ok("user", "create", "default", "ag", "agent",
                stdin="ag-pass-phrase\n")
    st, body, hdrs = cb.api("POST", "/v1/auth/login",
                            {"login": "ag", "password": "ag-pass-phrase"},
                            key=None, full=True)
    assert st == 200, body
    cookie = hdrs["Set-Cookie"].split(";", 1)[0]
    st, r = cb.api("GET", path, key=None, headers={"Cookie": cookie})
    assert st == 403, r
    st, r = cb.api("GET", path, key=None)
    assert st == 401, r
