"""The agent console's routes (/v1/agent..., src/api/cc_agent.c), black
box against the real daemon: a user of role agent, linked by the business
to an agent, signs in with a cookie session; its console shows the
agent's status, changes it (illegal changes are 409 with the current
status), refuses other roles (403) and unlinked logins (404 no_agent),
refuses bad wrap-up forms (400, nothing sent) and a wrap-up without a
request (404).  With a customer request taken end to end on the
simulated network, the console shows the screen-pop, hangs up, and the
wrap-up's order form reaches the business's web server as the signed
tenant webhook acd.wrapup, in order and retried; the history lists it."""

import json
import os

import pytest

import cbtest
from test_events import SECRET, Receiver, verify
from test_manage import Session, admin_session, is_error

AGENT_PW = "agent-pass-phrase"
CUSTOMER = "+15550100"       # answers after 1 s and echoes
AGENT_PHONE = "+15550111"    # answers after 500 ms and echoes


@pytest.fixture
def cbs(tmp_path, procs, simnet):
    """callbridge with a known webhook secret and quick retries."""
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.web_dir " +
                                 os.path.join(cbtest.ROOT, "web"),
                                 "api.webhook_secret " + SECRET,
                                 "api.webhook_retries 3",
                                 "api.webhook_retry_ms 50"])
    procs.append(c)
    return c


def new_agent_user(cb, login):
    st, u = cb.api("POST", "/v1/users", {"login": login, "role": "agent",
                                         "password": AGENT_PW})
    assert st == 201, u
    return u["user"]["id"] if "user" in u else u["id"]


def link_agent(cb, user_id, name="Olivia", endpoint=AGENT_PHONE):
    st, a = cb.api("POST", "/v1/contact/agents", {
        "name": name, "endpoint": endpoint, "skills": {"cruises": 5},
        "user_id": user_id})
    assert st == 201, a
    return a.get("agent", a)


def agent_status(s):
    st, a = s.api("GET", "/v1/agent")
    assert st == 200, a
    return a["status"]


def test_agent_console_routes(cbs):
    cb = cbs
    uid = new_agent_user(cb, "olivia")
    s = Session(cb, "olivia", AGENT_PW)
    assert s.user["role"] == "agent"

    # a login the business did not link to an agent has no console
    for method, path, body in (("GET", "/v1/agent", None),
                               ("POST", "/v1/agent/status",
                                {"status": "available"}),
                               ("POST", "/v1/agent/hangup", None),
                               ("POST", "/v1/agent/wrapup", {"notes": ""}),
                               ("GET", "/v1/agent/history", None)):
        st, body = s.api(method, path, body)
        is_error(body, 404, st, "no_agent")

    agent = link_agent(cb, uid)
    st, a = s.api("GET", "/v1/agent")
    assert st == 200, a
    assert a["id"] == agent["id"] and a["status"] == "logged-out", a

    # a cookie session changes state only with its CSRF token
    st, body = s.api("POST", "/v1/agent/status", {"status": "available"},
                     csrf=False)
    is_error(body, 403, st, "csrf_failed")
    assert agent_status(s) == "logged-out"

    st, a = s.api("POST", "/v1/agent/status", {"status": "available"})
    assert st == 200 and a["status"] == "available", a
    assert agent_status(s) == "available"
    # the business sees the same
    st, live = cb.api("GET", "/v1/contact/status")
    assert st == 200 and [x["status"] for x in live["agents"]
                          if x["id"] == agent["id"]] == ["available"], live

    # illegal: wrap-done while available -> 409 with the current status
    st, body = s.api("POST", "/v1/agent/status", {"status": "wrap-done"})
    is_error(body, 409, st, "illegal_transition", "status")
    assert body["error"]["status"] == "available", body
    assert agent_status(s) == "available"

    # bad input: 400, nothing changes
    for bad in ({"status": "on-call"}, {"status": "offered"},
                {"status": 7}, {"status": ""}, {"status": "x" * 100}, {}):
        st, body = s.api("POST", "/v1/agent/status", bad)
        assert st == 400, (bad, st, body)
        assert body["error"]["code"] in ("invalid_field", "missing_field",
                                         "missing_body"), body
    st, body = s.api("POST", "/v1/agent/status", raw=b"[1]")
    assert st == 400, body
    assert agent_status(s) == "available"

    st, a = s.api("POST", "/v1/agent/status", {"status": "break"})
    assert st == 200 and a["status"] == "break", a
    st, body = s.api("POST", "/v1/agent/status", {"status": "wrap-done"})
    is_error(body, 409, st, "illegal_transition", "status")
    assert body["error"]["status"] == "break", body
    st, a = s.api("POST", "/v1/agent/status", {"status": "logged-out"})
    assert st == 200 and a["status"] == "logged-out", a

    # nothing to hang up or wrap up yet
    st, body = s.api("POST", "/v1/agent/hangup")
    is_error(body, 404, st, "no_call")
    st, body = s.api("POST", "/v1/agent/wrapup",
                     {"notes": "hi", "form": {"kind": "none"}})
    is_error(body, 404, st, "no_request")

    # a bad form is 400 whatever the agent has
    bad_forms = (
        ({"notes": 5}, "notes"),
        ({"notes": "x" * 600}, "notes"),
        ({"form": "order"}, "form"),
        ({"form": {}}, "form.kind"),
        ({"form": {"kind": "refund"}}, "form.kind"),
        ({"form": {"kind": "order"}}, "form.product"),
        ({"form": {"kind": "order", "product": "Cabin",
                   "quantity": 0}}, "form.quantity"),
        ({"form": {"kind": "order", "product": "Cabin",
                   "quantity": "2"}}, "form.quantity"),
        ({"form": {"kind": "order", "product": "Cabin",
                   "amount": 12.5}}, "form.amount"),
        ({"form": {"kind": "order", "product": "Cabin",
                   "amount": "12,50"}}, "form.amount"),
        ({"form": {"kind": "order", "product": "x" * 200}}, "form.product"),
        ({"form": {"kind": "complaint"}}, "form.text"),
        ({"form": {"kind": "none", "card": "4111"}}, "form.card"),
    )
    for bad, field in bad_forms:
        st, body = s.api("POST", "/v1/agent/wrapup", bad)
        is_error(body, 400, st, "invalid_field", field)

    st, h = s.api("GET", "/v1/agent/history")
    assert st == 200 and h["agent_id"] == agent["id"], h
    assert h["requests"] == [] and h["since_ms"] % 86400000 == 0, h

    # the console's page is served
    st, page = cb.api("GET", "/web/agent.html", key=None)
    assert st == 200 and "agent.js" in page and 'id="pop"' in page
    st, js = cb.api("GET", "/web/agent.js", key=None)
    assert st == 200 and "/v1/agent/wrapup" in js and "X-CSRF-Token" in js


def test_agent_routes_refuse_other_roles(cbs):
    cb = cbs
    adm = admin_session(cb)
    st, _ = adm.api("POST", "/v1/users", {"login": "opal", "role":
                                          "operator", "password": AGENT_PW})
    assert st == 201
    op = Session(cb, "opal", AGENT_PW)
    for who in (adm, op):
        for method, path in (("GET", "/v1/agent"),
                             ("POST", "/v1/agent/status"),
                             ("POST", "/v1/agent/hangup"),
                             ("POST", "/v1/agent/wrapup"),
                             ("GET", "/v1/agent/history")):
            st, body = who.api(method, path,
                               {"status": "available"}
                               if method == "POST" else None)
            is_error(body, 403, st, "forbidden")
    # an API key acts as an operator
    st, body = cb.api("GET", "/v1/agent")
    is_error(body, 403, st, "forbidden")
    # no credentials
    st, body = cb.api("GET", "/v1/agent", key=None)
    assert st == 401, body


def test_screenpop_wrapup_webhook(cbs):
    cb = cbs
    # the first delivery of an acd.wrapup fails; the tenant's other
    # events (acd.request, the call's) go to the same URL untouched
    rcv = Receiver(fail=1, fail_type="acd.wrapup")
    try:
        adm = admin_session(cb)
        st, me = cb.api("GET", "/v1/me")
        assert st == 200
        st, t = adm.api("PATCH", "/v1/tenants/" + me["tenant_id"],
                        {"webhook_url": rcv.url})
        assert st == 200, t
        st, b = cb.api("PUT", "/v1/contact/business", {
            "name": "Acme Cruises", "ring_s": 20, "position_s": 0,
            "wrap_s": 120})
        assert st == 200, b
        uid = new_agent_user(cb, "olivia")
        agent = link_agent(cb, uid)
        s = Session(cb, "olivia", AGENT_PW)
        st, a = s.api("POST", "/v1/agent/status", {"status": "available"})
        assert st == 200 and a["status"] == "available", a

        st, req = cb.api("POST", "/v1/contact/requests", {
            "number": CUSTOMER, "name": "Carol Customer",
            "note": "Which cabin has a balcony?", "skill": "cruises",
            "page": {"url": "https://shop.example/cruises/med",
                     "title": "Mediterranean cruise"}})
        assert st in (200, 201, 202), req
        rid = req["id"]

        # the screen-pop: the console shows the customer once the agent
        # is offered the request, and while connected
        def on_call():
            st, a = s.api("GET", "/v1/agent")
            return a if st == 200 and a["status"] == "on-call" else None
        a = cbtest.wait_for(on_call, timeout=30,
                            what="the agent to be connected")
        pop = a["request"]
        assert pop["request_id"] == rid and pop["customer"] == CUSTOMER, a
        assert pop["customer_name"] == "Carol Customer", a
        assert pop["page_title"] == "Mediterranean cruise", a
        assert pop["page_url"] == "https://shop.example/cruises/med", a
        assert pop["note"] == "Which cabin has a balcony?", a

        # going available while on a call is refused, with the status
        st, body = s.api("POST", "/v1/agent/status", {"status": "break"})
        is_error(body, 409, st, "illegal_transition", "status")
        assert body["error"]["status"] == "on-call", body

        st, a = s.api("POST", "/v1/agent/hangup")
        assert st == 200, a
        cbtest.wait_for(lambda: agent_status(s) == "wrap-up", timeout=10,
                        what="the agent in wrap-up")
        form = {"kind": "order", "product": "Balcony cabin, deck 9",
                "quantity": 2, "amount": "1999.90"}
        st, w = s.api("POST", "/v1/agent/wrapup",
                      {"notes": "Booked two \"balcony\" cabins",
                       "form": form})
        assert st == 200, w
        assert w["request_id"] == rid and w["webhook"] == "queued", w
        assert w["agent"]["status"] == "available", w
        assert agent_status(s) == "available"

        # a second wrap-up of the same request (a complaint) goes after
        st, w2 = s.api("POST", "/v1/agent/wrapup", {
            "notes": "Also unhappy", "form": {"kind": "complaint",
                                              "text": "Late refund"}})
        assert st == 200 and w2["request_id"] == rid, w2

        def wrapups():
            got = [e for e in rcv.delivered() if e["type"] == "acd.wrapup"]
            return got if len(got) == 2 else None
        got = cbtest.wait_for(wrapups, timeout=15,
                              what="two acd.wrapup webhooks")
        with rcv.lock:
            hits = [h for h in rcv.hits
                     if json.loads(h[2])["type"] == "acd.wrapup"]
        # the first attempt was answered 500 and retried, signed anew;
        # the second wrap-up only after it
        assert [h[0] for h in hits] == [500, 200, 200], hits
        assert hits[0][2] == hits[1][2]
        assert json.loads(hits[2][2])["notes"] == "Also unhappy", hits
        for status, headers, body in hits:
            verify(headers, body)
        ev = got[0]
        assert ev["request_id"] == rid and ev["agent_id"] == agent["id"]
        assert ev["tenant_id"] == me["tenant_id"], ev
        assert ev["notes"] == "Booked two \"balcony\" cabins", ev
        assert ev["form"] == form, ev
        assert ev["customer"] == CUSTOMER, ev
        assert ev["page_title"] == "Mediterranean cruise", ev
        assert got[1]["form"] == {"kind": "complaint",
                                  "text": "Late refund"}, got[1]
        assert got[0]["event_id"] != got[1]["event_id"]

        # the history of today has it, with the notes
        def history():
            st, h = s.api("GET", "/v1/agent/history")
            r = [x for x in h["requests"] if x["id"] == rid]
            return r[0] if r and r[0]["notes"] == "Also unhappy" else None
        row = cbtest.wait_for(history, timeout=10, what="the history row")
        assert row["customer"] == CUSTOMER and row["duration_ms"] > 0, row
        assert row["status"] == "completed", row
    finally:
        rcv.stop()
