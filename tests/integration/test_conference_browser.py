"""The conference page end to end (issue 6, seed 004) in headless Chromium
(playwright-core + Debian chromium, tests/browser/conference.test.mjs):
an operator of the tenant signs in to web/conference.html, fills the
set-up rows with simulated numbers of each kind (the owner +15550110 and
+15550100 answer, +15550102 is busy, +15550103 rings forever -- a 3 s
ring time -- and +15550104 is invalid), prices them with Rate (the rate
table's per-minute price on every row and in all), begins: the
conference exists with everyone on-hook and nothing dialed.  Payment
(prepaid or a test card; a declined card is explained) when the server
has the conference money routes, else a clear "not available".  On the
control page it dials in its own order and sees each card's icon and
words as they happen (invalid number, busy, connected, ringing then
connected, ringing then no answer), mutes one, hangs up one, corrects
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
from test_browser import (ARTIFACTS, BROWSER_DIR, CHROMIUM, WEB_DIR, Lines,
                          _playwright_ready)
from test_manage import Session
from test_meter import Rate, micro, money_setup, summary

OWNER = "+15550110"       # answers after 500 ms, echoes
ANSWERS = "+15550100"     # 180, answers after 1 s, echoes
BUSY = "+15550102"
NEVER = "+15550103"       # rings forever
INVALID = "+15550104"
FIXED = "+15550111"       # Erin's corrected number
RATE = Rate("0.30", "0.00", "0.00", 1, 1)
LOGIN, PASSWORD = "olga", "olga conference pw 1"


@pytest.fixture
def cbc(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.web_dir %s" % WEB_DIR])
    procs.append(c)
    return c


def conference(cb, cid):
    st, c = cb.api("GET", "/v1/conferences/" + cid)
    assert st == 200, c
    return {p["id"]: p for p in c["participants"]}, c


def test_conference_page(tmp_path, cbc, simnet):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    if not shutil.which("node"):
        pytest.skip("node is needed (scripts/setup)")
    _playwright_ready()
    cb = cbc
    money_setup(cb, RATE, accounts={"olga": "50.00"})
    st, u = cb.api("POST", "/v1/users", {"login": LOGIN, "role": "operator",
                                         "password": PASSWORD})
    assert st == 201, u

    os.makedirs(ARTIFACTS, exist_ok=True)
    shots = ("conference-control.png", "conference-payment.png",
             "conference-wrapup.png")
    for n in shots:
        if os.path.exists(os.path.join(ARTIFACTS, n)):
            os.remove(os.path.join(ARTIFACTS, n))
    api = "http://127.0.0.1:%d" % cb.http_port
    env = dict(os.environ, CB_URL=api, LOGIN=LOGIN, PASSWORD=PASSWORD,
               OWNER=OWNER, ANSWERS=ANSWERS, BUSY=BUSY, NEVER=NEVER,
               INVALID=INVALID, FIXED=FIXED, RING_S="3",
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
        # the rate table's price, per row and for the five
        assert all("0.30" in r for r in rated["rates"]), rated
        assert "1.50" in rated["total"], rated
        mode = page.expect(lambda l: l.startswith("PAYMENT "), deadline,
                           "PAYMENT").split()[1]
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
                                 ("Erin", INVALID, "on-hook")], ps
        assert c["options"]["ring_timeout_s"] == 3, c
        assert cb.calls() == []
        # a state change without the session's CSRF token is refused
        s = Session(cb, LOGIN, PASSWORD)
        st, b = s.api("PATCH", "/v1/conferences/%s/participants/p2" % cid,
                      {"action": "dial"}, csrf=False)
        assert st == 403, (st, b)
        assert conference(cb, cid)[0]["p2"]["status"] == "on-hook"
        tell("GO")

        page.expect(lambda l: l.startswith("DIALED "), deadline, "DIALED")
        ps, c = conference(cb, cid)
        assert ps["p5"]["status"] == "invalid-number", ps["p5"]
        assert ps["p3"]["status"] == "busy", ps["p3"]
        assert ps["p4"]["status"] == "no-answer", ps["p4"]
        assert ps["p1"]["status"] == ps["p2"]["status"] == "connected", ps
        page.expect(lambda l: l == "MUTED", deadline, "MUTED")
        assert conference(cb, cid)[0]["p2"]["muted"] is True

        page.expect(lambda l: l == "CHANGED", deadline, "CHANGED")
        ps, c = conference(cb, cid)
        assert ps["p2"]["status"] == "left" and \
            ps["p2"]["cause"] == "hangup", ps["p2"]
        assert ps["p5"]["number"] == FIXED and \
            ps["p5"]["status"] == "connected", ps["p5"]
        assert (ps["p6"]["name"], ps["p6"]["number"], ps["p6"]["status"]) \
            == ("Frank", ANSWERS, "on-hook"), ps["p6"]
        assert c["in_conference"] == 2, c
        tell("END")

        wrap = page.expect(lambda l: l.startswith("WRAPUP "), deadline,
                           "WRAPUP")
        trouble = None
        if mode == "money":
            trouble = payload(page.expect(lambda l: l.startswith(
                "TROUBLE "), deadline, "TROUBLE"))
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
    # dialed: Erin twice, Carol, Alice, Bob, Dave; every leg ended
    cbtest.wait_for(lambda: (lambda cs: len(cs) == 6 and all(
        l["state"] == "ended" for c in cs for l in c["legs"]) or None)(
        cb.calls()), what="the six calls of the conference ended")
    has_summary = wrap.split()[1] == "yes"
    if mode == "money":
        # the page's wrap-up is the API's summary, which follows the rate
        # table; the trouble report credited Alice's leg once
        assert has_summary, wrap
        shown = json.loads(wrap.split(" ", 2)[2])
        st, s = cb.api("GET", "/v1/conferences/%s/summary" % cid)
        assert st == 200, s
        legs = [l for l in s["legs"] if l["duration_ms"] > 0]
        assert len(legs) == 3, s             # Alice, Bob, Erin (fixed)
        for l in legs:
            assert micro(l["charge"]) == RATE.cost(l["duration_ms"]), l
        want = summary([RATE.cost(l["duration_ms"]) for l in legs])
        assert micro(s["total"]) == want["total"], (s, want)
        total = [r for r in shown["foot"] if r[0] == "Total"]
        assert total and total[0][1].replace("$", "") == \
            "%.2f" % (want["total"] / 1e6), (shown, want)
        assert len(shown["sum"]) == len(s["legs"]), shown
        leg = [l for l in s["legs"] if l["leg_id"] == trouble["leg"]][0]
        assert leg["peer"].endswith(OWNER[1:]) and \
            leg["trouble"] == "noise" and micro(leg["credited"]) > 0, leg
        st, b = cb.api("POST", "/v1/conferences/%s/legs/%s/trouble" %
                       (cid, trouble["leg"]), {"kind": "noise"})
        assert st == 409, (st, b)            # credited once
    for n in shots:
        assert os.path.getsize(os.path.join(ARTIFACTS, n)) > 10000, n
