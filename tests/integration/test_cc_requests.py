"""Entry path (b) of click-to-call (seed 003 FIG. 7/8): the business's own
web server sends callbridge a customer service call initiation message,
authenticated by the business's API key (the seed's business id and
password), and manages its requests: list, one, cancel while scheduled.
A wrong key gets 401 and nothing is placed."""

import datetime

import cbtest
from test_cc_widget import CUSTOMER, SHOP, set_business, stored


def initiate(cb, body, key=True):
    return cb.api("POST", "/v1/contact/requests", body, key=key)


def later(days=2):
    return (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_initiation_message_with_the_key_places_the_call(cb, simnet):
    biz = set_business(cb)
    st, r = initiate(cb, {"business": biz, "number": CUSTOMER,
                          "name": "Ann Shopper", "skill": "cruises",
                          "page": {"url": SHOP + "/fjords",
                                   "title": "Norwegian Fjords"}})
    assert st == 201, r
    rid = r["id"]
    assert r.get("status") in ("calling", "scheduled", "queued"), r

    # the customer's phone rings, then the request waits for an agent
    req = cbtest.wait_for(
        lambda: (lambda x: x[1] if x[0] == 200 and x[1]["status"] !=
                 "calling" else None)(
            cb.api("GET", "/v1/contact/requests/" + rid)),
        timeout=20, what="the request past calling")
    assert req["status"] in ("queued", "offered", "connected", "callback",
                             "completed", "abandoned"), req
    assert req.get("call_id") and cb.call(req["call_id"]), req

    rows = cbtest.wait_for(lambda: [x for x in stored(cb)
                                    if x["id"] == rid] or None,
                           what="the request stored")
    assert rows[0]["source"] == "api" and rows[0]["customer"] == CUSTOMER
    assert rows[0]["page_title"] == "Norwegian Fjords", rows


def test_wrong_key_gets_401_and_nothing_is_created(cb):
    set_business(cb)
    for key in ("cbk_nope_0000000000000000000000", None):
        st, body = initiate(cb, {"number": CUSTOMER}, key=key)
        assert st == 401, body
    assert stored(cb) == []
    assert cb.calls() == []


def test_another_business_and_bad_fields(cb):
    biz = set_business(cb)
    st, body = initiate(cb, {"business": "someone-else", "number": CUSTOMER})
    assert st == 403 and body["error"]["field"] == "business", body
    st, body = initiate(cb, {"number": "not a number"})
    assert st == 400 and body["error"]["code"] == "invalid_number", body
    st, body = initiate(cb, {"number": CUSTOMER, "agent": "nosuchagent"})
    assert st == 422 and body["error"]["code"] == "unknown_agent", body
    st, body = initiate(cb, {"number": CUSTOMER, "desired_time":
                             later(days=40)})
    assert st == 422 and body["error"]["code"] == "too_far", body
    st, body = initiate(cb, {"number": CUSTOMER, "level": 3})
    assert st == 400 and body["error"]["field"] == "level", body
    st, body = initiate(cb, {"number": "+19765550100"})
    assert st == 403 and body["error"]["code"] == "destination_blocked"
    assert stored(cb) == [] and cb.calls() == [], biz


def test_scheduled_request_can_be_canceled_once(cb):
    set_business(cb)
    st, r = initiate(cb, {"number": CUSTOMER, "desired_time": later()})
    assert st == 201, r
    rid = r["id"]
    st, one = cb.api("GET", "/v1/contact/requests/" + rid)
    assert st == 200 and one["status"] == "scheduled", one

    st, body = cb.api("DELETE", "/v1/contact/requests/" + rid)
    assert st == 200 and body["status"] == "canceled", body
    row = cbtest.wait_for(
        lambda: (lambda x: x[1] if x[0] == 200 and
                 x[1]["status"] == "canceled" else None)(
            cb.api("GET", "/v1/contact/requests/" + rid)),
        what="the request canceled")
    assert row["id"] == rid
    st, body = cb.api("DELETE", "/v1/contact/requests/" + rid)
    assert st == 409 and body["error"]["code"] == "already_placed", body
    assert cb.api("DELETE", "/v1/contact/requests/nosuch")[0] == 404
    assert cb.calls() == []


def test_requests_are_tenant_scoped(cb):
    set_business(cb)
    st, r = initiate(cb, {"number": CUSTOMER, "desired_time": later()})
    assert st == 201, r
    cb.admin_ok("tenant", "create", "beta")
    key_b = cb.admin_ok("key", "create", "beta")

    assert cb.api("GET", "/v1/contact/requests/" + r["id"],
                  key=key_b)[0] == 404
    assert cb.api("DELETE", "/v1/contact/requests/" + r["id"],
                  key=key_b)[0] == 404
    st, body = cb.api("GET", "/v1/contact/requests", key=key_b)
    assert st == 200 and body["requests"] == [], body
    # beta takes no customer calls yet
    st, body = initiate(cb, {"number": CUSTOMER}, key=key_b)
    assert st == 404 and body["error"]["code"] == "no_business", body

    ids = cbtest.wait_for(lambda: [x["id"] for x in stored(cb)] or None,
                          what="the request stored")
    assert ids == [r["id"]]
    st, body = cb.api("GET", "/v1/contact/requests?since=2000-01-01T00:00"
                      ":00Z&limit=1")
    assert st == 200 and len(body["requests"]) == 1, body
    st, body = cb.api("GET", "/v1/contact/requests?since=" + later())
    assert st == 200 and body["requests"] == [], body
    for bad in ("since=yesterday", "limit=0", "limit=x", "agent=a/b"):
        st, body = cb.api("GET", "/v1/contact/requests?" + bad)
        assert st in (400, 404), (bad, body)
