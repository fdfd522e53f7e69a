"""Click-to-call end to end (issue 5, seed 003), as the README's demo does
it: a shopper on a shop page served from another origin clicks the
widget's "Talk to a representative" button in headless Chromium
(playwright-core + Debian chromium, tests/browser/click_to_call.test.mjs)
and leaves the number of a simulated phone that answers and echoes
(+15550100).  callbridge calls the shopper first, plays the announcement
("Please hold while we connect you to Acme Cruises customer
representative", espeak-ng) and hold music, and rings the agent: baresip,
a real softphone registered as `olivia`, whose user is signed into the
agent console in a second browser page.  The console shows the screen-pop
(number, page viewed, note) while the phone rings; the test then picks
up the phone (baresip's ctrl_tcp `accept`), the two are bridged and audio
flows both ways; the agent hangs up and files wrap-up notes with an order
form, which reaches the business's web server as a signed webhook.  The
call's CDR and the money taken from the business's account match the
rate table.  The business's manager watches it all on the console's
Contact centre page.  Screenshots in tests/artifacts/: shop-widget.png,
agent-screenpop.png, agent-wrapup.png, contact-centre.png."""

import json
import os
import threading
import http.server

import pytest

import browserlib
import cbtest
from test_baresip import Baresip
from browserlib import WEB_DIR
from test_events import SECRET, Receiver, verify
from test_manage import admin_session
from test_meter import Rate, balance, ledger_ok, micro, money_setup, summary

CUSTOMER = "+15550100"
RATE = Rate("0.60", "0.00", "0.00", 1, 1)       # 1 cent a second


class ShopServer:
    """The shop's own web server, on another origin (127.0.0.2): serves
    one page that embeds callbridge's widget.js."""

    def __init__(self, cb_url, business):
        page = (open(os.path.join(WEB_DIR, "shop.html")).read()
                .replace('"/web/', '"' + cb_url + "/web/")
                .replace('data-business="default"',
                         'data-business="%s"' % business))
        assert cb_url + "/web/widget.js" in page, "shop.html embeds widget"
        body = page.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.2", 0),
                                                   Handler)
        self.origin = "http://127.0.0.2:%d" % self.srv.server_port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def shop_cb(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          users={"olivia": "olivia-sip-pw"},
                          extra=["api.web_dir %s" % WEB_DIR,
                                 "api.webhook_secret " + SECRET,
                                 "api.webhook_retry_ms 50",
                                 "money.cost_event_ms 200"])
    procs.append(c)
    return c


def tenant_id(cb):
    st, me = cb.api("GET", "/v1/me")
    assert st == 200, me
    return me["tenant"]["id"] if isinstance(me.get("tenant"), dict) \
        else me["tenant_id"]


def setup_business(cb, shop, hook_url):
    money_setup(cb, RATE, accounts={"acme": "50.00"})
    st, t = admin_session(cb).api("PATCH", "/v1/tenants/" + tenant_id(cb),
                                  {"webhook_url": hook_url})
    assert st == 200, t
    st, b = cb.api("PUT", "/v1/contact/business", {
        "name": "Acme Cruises", "origins": [shop.origin],
        "ring_s": 30, "position_s": 0, "billing_account": "acme"})
    assert st == 200, b
    st, u = cb.api("POST", "/v1/users", {"login": "olivia-web",
                                         "role": "agent",
                                         "password": "olivia web pw 1"})
    assert st == 201, u
    st, m = cb.api("POST", "/v1/users", {"login": "manager",
                                         "role": "operator",
                                         "password": "acme manager pw 1"})
    assert st == 201, m
    st, a = cb.api("POST", "/v1/contact/agents", {
        "name": "Olivia", "endpoint": "olivia", "skills": {"cruises": 5},
        "user_id": u["user"]["id"]})
    assert st == 201, a
    return a["agent"]


def test_widget_to_agent_console(tmp_path, procs, shop_cb, simnet):
    if not cbtest.have("baresip"):
        pytest.skip("baresip is needed (scripts/setup)")
    if not cbtest.have("espeak-ng"):
        pytest.skip("espeak-ng is needed for the announcement")
    node = browserlib.need_browser()
    cb = shop_cb
    api = "http://127.0.0.1:%d" % cb.http_port
    hooks = Receiver()
    shop = ShopServer(api, tenant_id(cb))
    agent = setup_business(cb, shop, hooks.url)

    phone = Baresip(str(tmp_path), cb.sip_port, "olivia", "olivia-sip-pw",
                    answermode="manual", ctrl_port=cbtest.free_port())
    procs.append(phone)
    cbtest.wait_for(lambda: "200 OK" in phone.log() or None, timeout=20,
                    what="the agent's softphone to register")

    shots = browserlib.fresh_shots("shop-widget.png", "agent-screenpop.png",
                                   "agent-wrapup.png", "contact-centre.png")
    before = balance(cb, "acme")
    env = dict(CB_URL=api, SHOP_URL=shop.origin + "/",
               AGENT_LOGIN="olivia-web", AGENT_PASSWORD="olivia web pw 1",
               MANAGER_LOGIN="manager", MANAGER_PASSWORD="acme manager pw 1",
               CUSTOMER=CUSTOMER)
    with browserlib.Browser(tmp_path, node, "click_to_call.test.mjs", env,
                            150) as page:
        page.on_exit(shop.stop)
        deadline, tell = page.deadline, page.tell
        page.expect(lambda l: l == "AGENT_READY", deadline, "AGENT_READY")
        st, status = cb.api("GET", "/v1/contact/status")
        assert st == 200 and [a["status"] for a in status["agents"]
                              if a["id"] == agent["id"]] == ["available"], \
            status
        line = page.expect(lambda l: l.startswith("REQUESTED "), deadline,
                           "the widget's request")
        rid = line.split(" ", 1)[1]

        # the console popped the customer up while the phone rings
        page.expect(lambda l: l == "SCREENPOP", deadline, "SCREENPOP")
        st, req = cb.api("GET", "/v1/contact/requests/" + rid)
        assert st == 200 and req["status"] == "offered", req
        assert req["customer"] == CUSTOMER and req["agent_id"] == \
            agent["id"], req
        cid = req["call_id"]
        # the customer answered and hears the announcement, then hold
        # music, while the agent's phone rings: 3 s of audio sent to them
        cust = cbtest.wait_for(lambda: (lambda l: l if l["rtp"]["tx"] > 150
                                        else None)(cb.call(cid)["legs"][0]),
                               what="the announcement streamed")
        assert cust["answered_ms"] > 0 and cust["state"] == "answered", cust
        assert req["status"] == "offered", req
        assert "Incoming call" in phone.log()

        phone.accept()                           # the agent picks up

        def both_ways():
            c = cb.call(cid)
            legs = c["legs"] if c else []
            if len(legs) < 2:
                return None
            a, b = legs[0], legs[1]
            return c if all(x["rtp"]["rx"] > 50 and x["rtp"]["tx"] > 50
                            for x in (a, b)) and b["answered_ms"] else None
        call = cbtest.wait_for(both_ways, timeout=20,
                               what="customer and agent bridged, RTP both "
                               "ways")
        st, req = cb.api("GET", "/v1/contact/requests/" + rid)
        assert req["status"] == "connected", req
        page.expect(lambda l: l == "CONNECTED", deadline, "CONNECTED")
        tell("HANGUP")
        page.expect(lambda l: l == "WRAPPED", deadline, "WRAPPED")
        page.finish()
    page.passed()
    browserlib.shots_taken(shots)

    # the request's story, final
    req = cbtest.wait_for(lambda: (lambda r: r if r["status"] ==
                                   "completed" else None)(
        cb.api("GET", "/v1/contact/requests/" + rid)[1]),
        what="the request to complete")
    assert req["wrap_notes"].startswith("Booked"), req
    assert req["page_title"].startswith("Acme Cruises"), req

    # the business's server got the order form, signed
    def wrapup():
        for s, h, b in list(hooks.hits):
            ev = json.loads(b)
            if ev.get("type") == "acd.wrapup":
                return h, b, ev
        return None
    h, b, ev = cbtest.wait_for(wrapup, what="the acd.wrapup webhook")
    verify(h, b)
    assert ev["request_id"] == rid and ev["form"]["kind"] == "order", ev

    # the CDR and the money: the customer's leg is rated, the agent's
    # registered phone costs nothing; the account paid exactly that
    def charged():
        st, ch = cb.api("GET", "/v1/calls/%s/charges" % cid)
        return ch if st == 200 and ch.get("final") else None
    ch = cbtest.wait_for(charged, what="the call's final charges")
    cust_id = call["legs"][0]["id"]
    rated = [l for l in ch["legs"] if l["leg_id"] == cust_id]
    payer = cb.api("GET", "/v1/contact/business")[1]["billing_account"]
    assert len(rated) == 1 and rated[0]["account"] == payer, ch
    want = summary([RATE.cost(rated[0]["duration_ms"])])
    assert len(ch["charges"]) == 1, ch
    assert micro(ch["charges"][0]["charged"]) == want["total"] > 0, ch
    assert before - balance(cb, "acme") == want["total"]
    st, page = cb.api("GET", "/v1/cdrs")
    assert st == 200 and [r for r in page["cdrs"] if r["call_id"] == cid], \
        page
    ledger_ok(cb)
    hooks.stop()
