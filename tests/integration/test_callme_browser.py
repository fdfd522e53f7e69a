"""The "Call me" page (web/callme.html, seed 000) in a real browser:
headless Chromium (Debian's `chromium`) driven by playwright-core
(tests/browser/callme.test.mjs) opens the default business's page, picks
the content "welcome" and types the number of a simulated phone that
answers and echoes (+15550100), presses "Call me" and watches the status
live until it says the call is done.  The simulated network's record
shows the call answered and the prompt's audio received; the business's
GET /v1/callbacks lists it completed.  Then the same customer asks again
by login and password as a user of role customer, called on the number on
record (+15550105); a wrong password is refused in words and dials
nothing.  Screenshot: tests/artifacts/callme.png."""

import pytest

import browserlib
import cbtest
from browserlib import WEB_DIR

TYPED = "+15550100"          # answers after 1 s and echoes
ON_RECORD = "+15550105"      # answers after 500 ms and echoes
LOGIN = "carla"
PASSWORD = "carla's callback pass"


@pytest.fixture
def cbm(tmp_path, procs, simnet):
    """callbridge serving the repository's web/ directory."""
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.web_dir %s" % WEB_DIR])
    procs.append(c)
    return c


def callbacks(cb):
    st, body = cb.api("GET", "/v1/callbacks")
    assert st == 200, body
    return {c["id"]: c for c in body["callbacks"]}


def check_completed(cb, simnet, cid, number):
    """The callback completed on `number`, which heard the prompt."""
    c = callbacks(cb)[cid]
    assert c["status"] == "completed" and c["to"] == number, c
    assert c["service"] == "play", c
    rec = cbtest.wait_for(lambda: [r for r in simnet.finished()
                                   if r["number"] == number] or None,
                          what="the simnet record of " + number)
    assert len(rec) == 1, rec
    # the echo phone got the prompt (8 kHz, 20 ms packets: > 1 s of it)
    assert rec[0]["rtp_rx"] > 50, rec


def test_callme_page_in_browser(tmp_path, cbm, simnet):
    node = browserlib.need_browser()
    cb = cbm

    # a customer of the business, with a number on record
    st, u = cb.api("POST", "/v1/users", {"login": LOGIN, "role": "customer",
                                         "password": PASSWORD})
    assert st == 201, u
    st, res = cb.api("PUT", "/v1/client-numbers",
                     {"login": LOGIN, "number": ON_RECORD})
    assert st == 200, res

    shots = browserlib.fresh_shots("callme.png")
    env = dict(CB_URL="http://127.0.0.1:%d" % cb.http_port,
               TENANT="default", ITEM="welcome", NUMBER=TYPED,
               CUSTOMER_LOGIN=LOGIN, CUSTOMER_PASSWORD=PASSWORD)
    with browserlib.Browser(tmp_path, node, "callme.test.mjs", env, 120,
                            stdin=False) as page:
        deadline = page.deadline
        # 1. by the number typed
        line = page.expect(lambda l: l.startswith("CALLED "), deadline,
                           "the first request")
        first = line.split()[1]
        line = page.expect(lambda l: l.startswith("COMPLETED "), deadline,
                           "the first callback done")
        _, cid, seen = line.split()
        assert cid == first
        seen = seen.split(",")
        # shown live: while it dials and plays, then done
        assert seen[-1] == "completed" and "in-progress" in seen, seen
        assert seen[0] in ("scheduled", "dialing", "in-progress"), seen
        check_completed(cb, simnet, first, TYPED)

        # 2. by login and password: the number on record
        line = page.expect(lambda l: l.startswith("CALLED "), deadline,
                           "the second request")
        second = line.split()[1]
        line = page.expect(lambda l: l.startswith("COMPLETED "), deadline,
                           "the second callback done")
        assert line.split()[1] == second != first, line
        assert line.split()[2].split(",")[-1] == "completed", line
        check_completed(cb, simnet, second, ON_RECORD)
        c = callbacks(cb)[second]
        assert c["client"].startswith("user:"), c

        # 3. a wrong password: refused, nothing dialled
        line = page.expect(lambda l: l.startswith("REFUSED "), deadline,
                           "the wrong password refused")
        assert line == "REFUSED Wrong login or password.", line
        page.finish()
    page.passed()
    assert sorted(callbacks(cb)) == sorted([first, second])
    assert len(cb.calls()) == 2 and len(simnet.finished()) == 2
    browserlib.shots_taken(shots)
