"""The click-to-call widget's public endpoint (issue 5, seed 003 FIG. 9):
POST /v1/widget/requests takes the call request message of a page whose
origin the business registered, and GET /v1/widget/requests/{id} shows the
page its request's progress with the token of the reply.  No credentials:
the Origin, a per-address limit, the dial policy and the token stand in
for them.  The customer is a simulated phone (+15550100 answers after 1 s
and echoes)."""

import datetime
import os
import shutil
import subprocess

import pytest

import cbtest

SHOP = "http://shop.example:8000"
EVIL = "http://evil.example"
CUSTOMER = "+15550100"


WEB_DIR = os.path.join(cbtest.ROOT, "web")


def start(tmp_path, procs, simnet, extra=()):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.web_dir " + WEB_DIR] + list(extra))
    procs.append(c)
    return c


@pytest.fixture
def cb(tmp_path, procs, simnet):
    """callbridge serving web/, with the default widget limit (5/min)"""
    return start(tmp_path, procs, simnet)


@pytest.fixture
def cb_roomy(tmp_path, procs, simnet):
    """the same with room for many widget requests from one address"""
    return start(tmp_path, procs, simnet, ["api.widget_rate 600",
                                           "api.widget_burst 100"])


def tenant_id(cb):
    st, me = cb.api("GET", "/v1/me")
    assert st == 200, me
    t = me.get("tenant")
    return t["id"] if isinstance(t, dict) else me["tenant_id"]


def set_business(cb, **fields):
    body = {"name": "Acme Cruises", "origins": [SHOP]}
    body.update(fields)
    st, b = cb.api("PUT", "/v1/contact/business", body)
    assert st == 200, b
    return tenant_id(cb)


def widget(cb, method, path, body=None, origin=SHOP, headers=None):
    """A browser-like request of the widget: no credentials, an Origin;
    (status, body, headers)"""
    h = {"Origin": origin} if origin else {}
    h.update(headers or {})
    return cb.api(method, path, body, key=None, headers=h, full=True)


def message(biz, number=CUSTOMER, **extra):
    m = {"business": biz, "number": number, "note": "Cabin for two?",
         "skill": "cruises",
         "page": {"url": SHOP + "/cruises/caribbean",
                  "title": "Caribbean Islands, 7 nights"}}
    m.update(extra)
    return m


def post(cb, biz, msg, origin=SHOP):
    return widget(cb, "POST", "/v1/widget/requests?business=" + biz, msg,
                  origin=origin)


def stored(cb):
    st, body = cb.api("GET", "/v1/contact/requests")
    assert st == 200, body
    return body["requests"]


def assert_cors(hdrs, origin=SHOP):
    assert hdrs.get("Access-Control-Allow-Origin") == origin, dict(hdrs)
    assert "Origin" in (hdrs.get("Vary") or ""), dict(hdrs)


def assert_no_cors(hdrs):
    assert hdrs.get("Access-Control-Allow-Origin") is None, dict(hdrs)


def test_preflight_allows_registered_origins_only(cb):
    biz = set_business(cb)
    ask = {"Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "content-type"}
    path = "/v1/widget/requests?business=" + biz

    st, _, h = widget(cb, "OPTIONS", path, headers=ask)
    assert st == 204, h
    assert_cors(h)
    assert "POST" in h["Access-Control-Allow-Methods"], dict(h)
    assert h["Access-Control-Allow-Headers"].lower() == "content-type"
    assert h["Access-Control-Max-Age"] == "600"

    for origin in (EVIL, SHOP + ".evil.example", "null", None):
        st, body, h = widget(cb, "OPTIONS", path, origin=origin,
                             headers=ask)
        assert st == 403, (origin, body)
        assert body["error"]["code"] == "origin_not_allowed", body
        assert_no_cors(h)
    # the origin of another business, or none named
    st, _, h = widget(cb, "OPTIONS", "/v1/widget/requests", headers=ask)
    assert st == 403
    assert_no_cors(h)
    st, _, h = widget(cb, "OPTIONS", "/v1/widget/requests?business=nope",
                      headers=ask)
    assert st == 403
    assert_no_cors(h)


def test_unregistered_origin_is_refused_and_creates_nothing(cb):
    biz = set_business(cb)
    for origin in (EVIL, None):
        st, body, h = post(cb, biz, message(biz), origin=origin)
        assert st == 403, body
        assert body["error"]["code"] == "origin_not_allowed", body
        assert_no_cors(h)
    # the body's business and the query's must agree
    st, body, h = widget(cb, "POST", "/v1/widget/requests?business=other",
                         message(biz))
    assert st == 403 and body["error"]["code"] == "origin_not_allowed"
    assert stored(cb) == []
    assert cb.calls() == []


def test_invalid_number_and_blocked_destination(cb_roomy):
    cb = cb_roomy
    biz = set_business(cb)
    for bad in ("hello", "+", "12", "+1555010O100", "sip:x@evil"):
        st, body, h = post(cb, biz, message(biz, number=bad))
        assert st == 400, (bad, body)
        assert body["error"]["code"] == "invalid_number", body
        assert body["error"]["field"] == "number"
        assert_cors(h)          # the page can read why
    st, body, h = post(cb, biz, message(biz, page={"url": "javascript:x"}))
    assert st == 400 and body["error"]["field"] == "page.url", body
    # premium numbers are blocked by the default dial policy
    st, body, h = post(cb, biz, message(biz, number="+19005550100"))
    assert st == 403 and body["error"]["code"] == "destination_blocked", \
        body
    assert_cors(h)
    assert stored(cb) == [] and cb.calls() == []


def test_flood_from_one_address_is_limited(cb):
    biz = set_business(cb)
    # invalid numbers: counted, nothing dialed
    for _ in range(5):
        st, body, _ = post(cb, biz, message(biz, number="nope"))
        assert st == 400, body
    st, body, h = post(cb, biz, message(biz))
    assert st == 429, body
    assert body["error"]["code"] == "rate_limited", body
    assert int(h["Retry-After"]) >= 1, dict(h)
    assert_cors(h)
    assert stored(cb) == [] and cb.calls() == []
    # refused origins are not counted, and get no CORS either
    st, _, h = post(cb, biz, message(biz), origin=EVIL)
    assert st == 403
    assert_no_cors(h)


def test_widget_request_is_placed_and_followed_with_its_token(cb, simnet):
    biz = set_business(cb)
    st, res, h = post(cb, biz, message(biz, name="Ann Shopper"))
    assert st == 201, res
    assert_cors(h)
    rid, token = res["id"], res["token"]
    assert len(token) >= 40 and res["status"] in ("calling", "scheduled")
    assert res["progress_url"].startswith("/v1/widget/requests/" + rid)

    def progress(tok=token, origin=SHOP):
        return widget(cb, "GET", "/v1/widget/requests/%s?business=%s"
                      "&token=%s" % (rid, biz, tok), origin=origin)

    st, p, h = widget(cb, "GET", res["progress_url"])
    assert st == 200, p
    assert_cors(h)
    assert p["status"] and "message" in p, p

    # past "calling": the customer answered and waits for an agent
    p = cbtest.wait_for(lambda: (lambda r: r[1] if r[0] == 200 and
                                 r[1]["status"] not in ("calling",)
                                 else None)(progress()),
                        timeout=20, what="the request past calling")
    assert p["status"] in ("queued", "offered", "connected", "callback",
                           "completed", "abandoned"), p

    # a wrong token is an unknown request; so is another page's origin
    for tok in ("x" * 44, token[:-1] + ("A" if token[-1] != "A" else "B")):
        st, body, _ = progress(tok)
        assert st == 404, body
    st, body, _ = widget(cb, "GET", "/v1/widget/requests/nosuch?business="
                         "%s&token=%s" % (biz, token))
    assert st == 404
    st, body, h = progress(origin=EVIL)
    assert st == 403
    assert_no_cors(h)

    # the business sees what the page sent
    st, r = cb.api("GET", "/v1/contact/requests/" + rid)
    assert st == 200, r
    assert r["customer"] == CUSTOMER, r
    rows = cbtest.wait_for(lambda: [x for x in stored(cb)
                                    if x["id"] == rid] or None,
                           what="the request stored")
    assert rows[0]["source"] == "widget", rows
    assert rows[0]["page_url"] == SHOP + "/cruises/caribbean", rows
    assert rows[0]["note"] == "Cabin for two?", rows


def test_closed_business_wants_a_desired_time(cb):
    today = datetime.datetime.now(datetime.timezone.utc).weekday()
    other = ("mon", "tue")[today == 0]
    biz = set_business(cb, hours=[{"days": other, "open": "09:00",
                                   "close": "10:00"}])
    st, body, h = post(cb, biz, message(biz))
    assert st == 409 and body["error"]["code"] == "closed", body
    assert "open at" in body["error"]["message"], body
    assert_cors(h)

    when = (datetime.datetime.now(datetime.timezone.utc) +
            datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    st, res, _ = post(cb, biz, message(biz, desired_time=when))
    assert st == 201 and res["status"] == "scheduled", res
    st, body, _ = post(cb, biz, message(biz, desired_time="tomorrow"))
    assert st == 400 and body["error"]["field"] == "desired_time", body
    assert cb.calls() == []


def test_widget_script_and_demo_shop_are_served(cb):
    st, js, h = cb.api("GET", "/web/widget.js", key=None, full=True)
    assert st == 200 and "javascript" in h["Content-Type"], h
    assert "/v1/widget/requests" in js and "attachShadow" in js
    st, page, h = cb.api("GET", "/web/shop.html", key=None, full=True)
    assert st == 200 and "text/html" in h["Content-Type"]
    assert 'src="/web/widget.js"' in page and 'data-skill="cruises"' in page
    if shutil.which("node"):
        subprocess.run(["node", "--check",
                        os.path.join(cbtest.ROOT, "web", "widget.js")],
                       check=True)
    else:
        pytest.skip("node not installed")
