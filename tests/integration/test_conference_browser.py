"""The conference page end to end (issue 6, seed 004) in headless Chromium
(playwright-core + Debian chromium, tests/browser/conference.test.mjs):
an operator of the tenant signs in to web/conference.html, fills the
set-up rows with simulated numbers of each kind (the owner +15550110 and
+15550100 answer, +15550102 is busy, +15550103 rings forever -- a 3 s
ring time -- and +15550104 is invalid) and a real softphone (baresip,
registered to callbridge as olivia, answering on its own, dialed at its
sip: URI), prices them with Rate (the rate table's per-minute price on
every number's row and in all; the softphone is free), begins: the
conference exists with everyone on-hook and nothing dialed.  Payment
(a declined test card is explained, nothing dialed, then the valid test
card pays: the hold is on the card).  On the control page it dials in its own
order and sees each card's icon and words as they happen (invalid
number, busy, connected, ringing then connected, the softphone ringing
then connected with audio both ways, ringing then no answer), mutes
one, hangs up one, corrects
the invalid number and adds a participant (Change participants), dials
the corrected one, and ends the conference.  The API agrees at each
step.  Screenshots in tests/artifacts/: conference-control.png,
conference-payment.png, conference-wrapup.png."""

import json
import os
import shutil
import subprocess
import time

import pytest

import cbtest
from browserlib import (ARTIFACTS, BROWSER_DIR, CHROMIUM, WEB_DIR, Lines,
                        playwright_ready)
from test_baresip import Baresip
from test_manage import Session
from test_meter import Rate, micro, money_setup, summary

OWNER = "+15550110"       # answers after 500 ms, echoes
ANSWERS = "+15550100"     # 180, answers after 1 s, echoes
BUSY = "+15550102"
NEVER = "+15550103"       # rings forever
INVALID = "+15550104"
FIXED = "+15550111"       # Erin's corrected number
CARD = "4242424242424242"  # the valid test card (Luhn)
RATE = Rate("0.30", "0.00", "0.00", 1, 1)
LOGIN, PASSWORD = "olga", "olga conference pw 1"


@pytest.fixture
def cbc(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          users={"olivia": "olivia-sip-pw"},
                          extra=["api.web_dir %s" % WEB_DIR])
    procs.append(c)
    return c


def conference(cb, cid):
    st, c = cb.api("GET", "/v1/conferences/" + cid)
    assert st == 200, c
    return {p["id"]: p for p in c["participants"]}, c


def test_conference_page(tmp_path, procs, cbc, simnet):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    if not shutil.which("node"):
        pytest.skip("node is needed (scripts/setup)")
    if not cbtest.have("baresip"):
        pytest.skip("baresip is needed (scripts/setup)")
    playwright_ready()
    cb = cbc
    phone = Baresip(str(tmp_path), cb.sip_port, "olivia", "olivia-sip-pw",
                    answermode="auto")
    procs.append(phone)
    soft = "sip:olivia@127.0.0.1:%d" % phone.sip_port
    money_setup(cb, RATE, accounts={"olga": "50.00"})
    st, u = cb.api("POST", "/v1/users", {"login": LOGIN, "role": "operator",
                                         "password": PASSWORD})
    assert st == 201, u

    # the softphone registered: callbridge knows olivia's contact
    cbtest.wait_for(lambda: "registered uri=sip:olivia" in cb.log(),
                    timeout=20, what="olivia's softphone registered")

    os.makedirs(ARTIFACTS, exist_ok=True)
    shots = ("conference-control.png", "conference-payment.png",
             "conference-wrapup.png")
    for n in shots:
        if os.path.exists(os.path.join(ARTIFACTS, n)):
            os.remove(os.path.join(ARTIFACTS, n))
    api = "http://127.0.0.1:%d" % cb.http_port
    env = dict(os.environ, CB_URL=api, LOGIN=LOGIN, PASSWORD=PASSWORD,
               OWNER=OWNER, ANSWERS=ANSWERS, BUSY=BUSY, NEVER=NEVER,
               INVALID=INVALID, FIXED=FIXED, SOFT=soft, RING_S="3",
               CB_ARTIFACTS=ARTIFACTS, CHROMIUM=CHROMIUM)
    errf = open(os.path.join(str(tmp_path), "browser.err"), "w+b")
    page = Lines(["node", os.path.join(BROWSER_DIR,
                                       "conference.test.mjs")],
                 cwd=BROWSER_DIR, env=env, stdin=subprocess.PIPE,
                 errf=errf)
    deadline = time.monotonic() + 180

    def tell(word):
        page.p.stdin.write((word + "\n").encode())
        page.p.stdin.flush()

    def payload(line):
        return json.loads(line.split(" ", 1)[1])

    try:
        rated = payload(page.expect(lambda l: l.startswith("RATED "),
                                    deadline, "RATED"))
        # the rate table's price, per number and for the five; the
        # softphone (a sip: URI) is free
        assert len(rated["rates"]) == 6, rated
        assert all("0.30" in r for r in rated["rates"][:5]), rated
        assert rated["rates"][5] == "SIP: no charge", rated
        assert "1.50" in rated["total"] and \
            "6 participants" in rated["total"], rated
        mode = page.expect(lambda l: l.startswith("PAYMENT "), deadline,
                           "PAYMENT").split()[1]
        assert mode == "money", "no payment page: the money routes are gone"
        cid = page.expect(lambda l: l.startswith("CONTROL "), deadline,
                          "CONTROL").split()[1]
        # created from the page: everyone on-hook, nothing dialed
        ps, c = conference(cb, cid)
        assert c["name"] == "Budget review" and c["status"] == "active", c
        assert [(p["name"], p["number"], p["status"]) for p in
                ps.values()] == [("Alice", OWNER, "on-hook"),
                                 ("Bob", ANSWERS, "on-hook"),
                                 ("Carol", BUSY, "on-hook"),
                                 ("Dave", NEVER, "on-hook"),
                                 ("Erin", INVALID, "on-hook"),
                                 ("Olivia", soft, "on-hook")], ps
        assert c["options"]["ring_timeout_s"] == 3, c
        assert cb.calls() == []
        # a state change without the session's CSRF token is refused
        s = Session(cb, LOGIN, PASSWORD)
        st, b = s.api("PATCH", "/v1/conferences/%s/participants/p2" % cid,
                      {"action": "dial"}, csrf=False)
        assert st == 403, (st, b)
        assert conference(cb, cid)[0]["p2"]["status"] == "on-hook"
        # paid by the valid test card: the hold is on that card
        b = c["billing"]
        assert b["authorized"] is True and b["hold_id"], b
        st, h = cb.api("GET", "/v1/holds/" + b["hold_id"])
        assert st == 200, h
        assert h["method"] and h["method"] != "prepaid", h
        st, cards = cb.api("GET", "/v1/accounts/%s/cards" %
                           b["account"])
        assert st == 200, cards
        card = [x for x in cards["cards"] if x["id"] == h["method"]]
        assert card and card[0]["last4"] == CARD[-4:], (h, cards)
        tell("GO")

        page.expect(lambda l: l.startswith("DIALED "), deadline, "DIALED")
        ps, c = conference(cb, cid)
        assert ps["p5"]["status"] == "invalid-number", ps["p5"]
        assert ps["p3"]["status"] == "busy", ps["p3"]
        assert ps["p4"]["status"] == "no-answer", ps["p4"]
        assert ps["p1"]["status"] == ps["p2"]["status"] == "connected", ps
        assert ps["p6"]["status"] == "connected", ps["p6"]
        # the softphone's leg carries RTP both ways
        leg = cbtest.wait_for(lambda: (lambda l: l if l["rtp"]["rx"] > 10
                                       and l["rtp"]["tx"] > 10 else None)(
            cb.call(ps["p6"]["call_id"])["legs"][0]), timeout=20,
            what="RTP both ways with the softphone")
        assert leg["answered_ms"] > 0, leg
        page.expect(lambda l: l == "MUTED", deadline, "MUTED")
        assert conference(cb, cid)[0]["p2"]["muted"] is True

        page.expect(lambda l: l == "CHANGED", deadline, "CHANGED")
        ps, c = conference(cb, cid)
        assert ps["p2"]["status"] == "left" and \
            ps["p2"]["cause"] == "hangup", ps["p2"]
        assert ps["p5"]["number"] == FIXED and \
            ps["p5"]["status"] == "connected", ps["p5"]
        assert (ps["p7"]["name"], ps["p7"]["number"], ps["p7"]["status"]) \
            == ("Frank", ANSWERS, "on-hook"), ps["p7"]
        assert ps["p6"]["status"] == "connected", ps["p6"]
        assert c["in_conference"] == 3, c    # Alice, Erin, Olivia
        tell("END")

        wrap = page.expect(lambda l: l.startswith("WRAPUP "), deadline,
                           "WRAPUP")
        trouble = payload(page.expect(lambda l: l.startswith("TROUBLE "),
                                      deadline, "TROUBLE"))
        rc = page.p.wait(max(1, deadline - time.monotonic()))
    except BaseException:
        page.stop()
        errf.seek(0)
        print(errf.read().decode("utf-8", "replace"))
        print("\n".join(page.seen))
        raise
    finally:
        page.p.stdin.close()
    errf.seek(0)
    err = errf.read().decode("utf-8", "replace")
    errf.close()
    assert rc == 0, err
    ps, c = conference(cb, cid)
    assert c["status"] == "ended", c
    assert not [p for p in ps.values()
                if p["status"] in ("dialing", "ringing", "connected")], ps
    # dialed: Erin twice, Carol, Alice, Bob, Olivia, Dave; every leg
    # ended
    cbtest.wait_for(lambda: (lambda cs: len(cs) == 7 and all(
        l["state"] == "ended" for c in cs for l in c["legs"]) or None)(
        cb.calls()), what="the seven calls of the conference ended")
    has_summary = wrap.split()[1] == "yes"
    # the page's wrap-up is the API's summary, which follows the rate
    # table; the trouble report credited Alice's leg once
    assert has_summary, wrap
    shown = json.loads(wrap.split(" ", 2)[2])
    st, s = cb.api("GET", "/v1/conferences/%s/summary" % cid)
    assert st == 200, s
    talked = [l for l in s["legs"] if l["duration_ms"] > 0]
    # Alice, Bob, Erin (fixed) by the rate table; Olivia free
    free = [l for l in talked if l["peer"] == soft]
    assert len(free) == 1 and micro(free[0]["charge"]) == 0, s
    legs = [l for l in talked if l not in free]
    assert len(legs) == 3, s
    for l in legs:
        assert micro(l["charge"]) == RATE.cost(l["duration_ms"]), l
    want = summary([RATE.cost(l["duration_ms"]) for l in legs])
    assert micro(s["total"]) == want["total"], (s, want)
    total = [r for r in shown["foot"] if r[0] == "Total"]
    assert total and total[0][1].replace("$", "") == \
        "%.2f" % (want["total"] / 1e6), (shown, want)
    assert len(shown["sum"]) == len(s["legs"]), shown
    # one row per leg in dial order: who, which number, what it cost
    assert [r[:2] for r in shown["sum"]] == [
        ["Erin", INVALID], ["Carol", BUSY], ["Alice", OWNER],
        ["Bob", ANSWERS], ["Olivia", soft], ["Dave", NEVER],
        ["Erin", FIXED]], shown
    for r, l in zip(shown["sum"], s["legs"]):
        assert micro(r[3].replace("$", "")) == micro(l["charge"]), (r, l)
    leg = [l for l in s["legs"] if l["leg_id"] == trouble["leg"]][0]
    assert leg["peer"].endswith(OWNER[1:]) and \
        leg["trouble"] == "noise" and micro(leg["credited"]) > 0, leg
    st, b = cb.api("POST", "/v1/conferences/%s/legs/%s/trouble" %
                   (cid, trouble["leg"]), {"kind": "noise"})
    assert st == 409, (st, b)            # credited once
    for n in shots:
        assert os.path.getsize(os.path.join(ARTIFACTS, n)) > 10000, n
