"""The contact-centre runtime (src/cc/) end to end on the simulated
network, through the business's routes: the customer is called first,
hears the announcement and hold music (RTP sent to the customer's leg)
while no agent is free, is put through to the agent who becomes
available (bridged, RTP both ways, status connected), and the hang-up
completes the request and puts the agent into wrap-up.  A customer who
does not answer or is busy ends the request with no agent call placed;
an agent who lets it ring out is skipped for the next one (and counted),
and a single agent who did is rung again a little later;
a customer who hangs up while queued abandons; pressing 1 while queued
asks for a callback, which keeps its place and rings the agent first.
While no agent is free, the position is spoken every position_s.
Scheduled and callback requests survive a kill -9 (callbacks keep their
order and their skill level; those being placed are failed); an agent
who answers a callback and hangs up before the customer answers puts it
back at its place.  A billed business's hold comes before any dialing,
and an agent reached by number is rated and charged to the business.
The screen-pop's desired time is null when the customer gave none."""

import time

import pytest

import cbtest
from test_manage import Session, admin_session

AGENT_PW = "agent-pass-phrase"
CUSTOMER = "+15550100"       # answers after 1 s, echoes
BUSY = "+15550102"
NEVER = "+15550103"          # rings forever
AGENT_OK = "+15550110"       # answers after 500 ms, echoes
AGENT_OK2 = "+15550111"
AGENT_TONE = "+15550101"     # answers at once, plays a tone (so audio
                             # flows through two echoing phones)


@pytest.fixture
def cb(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(c)
    return c


def business(cb, **kw):
    body = {"name": "Acme Cruises", "ring_s": 5, "position_s": 0,
            "wrap_s": 60, "max_noanswer": 3}
    body.update(kw)
    st, b = cb.api("PUT", "/v1/contact/business", body)
    assert st == 200, b


def agent(cb, login, endpoint, skills=None):
    """An agent linked to a console login, signed in; returns
    (agent id, session)."""
    st, u = cb.api("POST", "/v1/users", {"login": login, "role": "agent",
                                         "password": AGENT_PW})
    assert st == 201, u
    uid = u["user"]["id"] if "user" in u else u["id"]
    st, a = cb.api("POST", "/v1/contact/agents", {
        "name": login.title(), "endpoint": endpoint,
        "skills": skills or {}, "user_id": uid})
    assert st == 201, a
    a = a.get("agent", a)
    return a["id"], Session(cb, login, AGENT_PW)


def set_status(s, status):
    st, a = s.api("POST", "/v1/agent/status", {"status": status})
    assert st == 200, a
    return a


def me(s):
    st, a = s.api("GET", "/v1/agent")
    assert st == 200, a
    return a


def request(cb, number, **kw):
    body = {"number": number}
    body.update(kw)
    st, r = cb.api("POST", "/v1/contact/requests", body)
    assert st == 201, r
    return r["id"]


def get(cb, rid):
    st, r = cb.api("GET", "/v1/contact/requests/" + rid)
    assert st == 200, r
    return r.get("request", r)


def wait_status(cb, rid, want, timeout=20):
    want = (want,) if isinstance(want, str) else want
    return cbtest.wait_for(lambda: (lambda r: r if r["status"] in want
                                    else None)(get(cb, rid)),
                           timeout=timeout, what="request " + "/".join(want))


def legs(cb, call_id):
    c = cb.call(call_id)
    return c["legs"] if c else []


def test_customer_first_announcement_then_agent(cb):
    business(cb)
    aid, s = agent(cb, "olivia", AGENT_TONE)
    assert me(s)["status"] == "logged-out"

    rid = request(cb, CUSTOMER, name="Carol", note="balcony?")
    r = wait_status(cb, rid, "queued")
    assert r["position"] == 1 and r["answered_ms"] > 0, r
    assert r["due_ms"] is None, r        # no desired time given
    cid = r["call_id"]
    # the announcement then hold music reach the customer; no agent leg
    cbtest.wait_for(lambda: len(legs(cb, cid)) == 1 and
                    legs(cb, cid)[0]["rtp"]["tx"] > 100,
                    timeout=10, what="announcement RTP to the customer")
    st, q = cb.api("GET", "/v1/contact/status")
    assert st == 200, q
    q = q.get("status", q)
    assert q["queue_length"] == 1 and q["waiting"][0]["id"] == rid, q

    # the agent becomes available: offered, rung, bridged
    set_status(s, "available")
    r = wait_status(cb, rid, "connected")
    assert r["agent_id"] == aid and r["wait_ms"] > 0, r
    a = me(s)
    assert a["status"] == "on-call", a
    assert a["request"]["request_id"] == rid, a
    assert a["request"]["customer"] == CUSTOMER, a
    assert a["request"]["note"] == "balcony?", a
    assert a["request"]["due_ms"] is None, a     # the screen-pop: ASAP
    ls = cbtest.wait_for(lambda: (lambda l: l if len(l) == 2 and all(
        x["rtp"]["rx"] > 20 and x["rtp"]["tx"] > 20 for x in l) else None)(
            legs(cb, cid)), timeout=10, what="RTP both ways, bridged")
    assert ls[1]["peer"].endswith(AGENT_TONE), ls

    # hang-up: completed, the agent in wrap-up
    st, _ = s.api("POST", "/v1/agent/hangup")
    assert st == 200
    r = wait_status(cb, rid, "completed")
    assert r["ended_ms"] >= r["connected_ms"] > 0, r
    a = cbtest.wait_for(lambda: (lambda a: a if a["status"] == "wrap-up"
                                 else None)(me(s)), what="wrap-up")
    assert 0 < a["wrap_remaining_ms"] <= 60000, a
    assert a["last_request_id"] == rid, a
    # the stored row has the live request's shape (but what only the
    # runtime knows: place, callback, announcements)
    row = cbtest.wait_for(lambda: (lambda w: w if w and w["status"] ==
                                   "completed" else None)(stored(cb, rid)),
                          what="completed stored")
    live_only = {"position", "callback", "announcements",
                 "announced_position"}
    assert set(row) == set(r) - live_only, (sorted(row), sorted(r))
    assert row["due_ms"] is None and row["level"] == 0, row
    assert row["skill"] == "" and row["wait_ms"] == r["wait_ms"], row


@pytest.mark.parametrize("number,status", [(BUSY, "busy"),
                                           ("+15550104", "invalid-number")])
def test_customer_not_reached_disturbs_no_agent(cb, number, status):
    business(cb)
    _, s = agent(cb, "olivia", AGENT_OK)
    set_status(s, "available")
    rid = request(cb, number)
    r = wait_status(cb, rid, status)
    assert r["agent_id"] == "" and r["answered_ms"] == 0, r
    c = cb.call(r["call_id"])
    assert c is None or len(c["legs"]) == 1, c
    a = me(s)
    assert a["status"] == "available" and a["noanswers"] == 0, a


def test_agent_noanswer_next_agent(cb):
    business(cb, ring_s=5)
    a1, s1 = agent(cb, "nora", NEVER)
    a2, s2 = agent(cb, "olivia", AGENT_OK2)
    set_status(s1, "available")       # the longest idle: offered first
    set_status(s2, "available")
    rid = request(cb, CUSTOMER)
    r = wait_status(cb, rid, "offered")
    assert r["agent_id"] == a1, r
    r = wait_status(cb, rid, "connected", timeout=20)
    assert r["agent_id"] == a2, r
    a = me(s1)
    assert a["status"] == "available" and a["noanswers"] == 1, a
    peers = [l["peer"] for l in legs(cb, r["call_id"])]
    assert any(p.endswith(NEVER) for p in peers), peers
    st, _ = cb.api("DELETE", "/v1/calls/" + r["call_id"])
    assert st in (200, 204)
    wait_status(cb, rid, "completed")


def test_single_agent_rung_again_after_ring_out(cb):
    """A business's only agent lets the request ring out: after a short
    wait (CC_RETRY_MS) the same agent is rung again, the customer still
    holding, rather than the customer waiting forever."""
    business(cb, ring_s=5)
    aid, s = agent(cb, "nora", NEVER)
    set_status(s, "available")
    rid = request(cb, CUSTOMER)
    r = wait_status(cb, rid, "offered")
    assert r["agent_id"] == aid and me(s)["noanswers"] == 0, r
    r = wait_status(cb, rid, "queued", timeout=15)   # rang out
    assert r["agent_id"] == "", r
    assert me(s)["noanswers"] == 1
    r = wait_status(cb, rid, "offered", timeout=15)  # and again
    assert r["agent_id"] == aid, r
    a = me(s)
    assert a["status"] == "offered" and a["noanswers"] == 1, a
    assert a["request"]["request_id"] == rid, a


def test_position_spoken_while_no_agent(cb):
    """Two customers wait, no agent: every 10 s each hears its place
    ("You are number 2 in the queue"), and the hold music goes on."""
    business(cb, position_s=10)
    first = request(cb, CUSTOMER)
    wait_status(cb, first, "queued")
    second = request(cb, CUSTOMER)
    r = wait_status(cb, second, "queued")
    assert r["position"] == 2 and r["announcements"] == 0, r
    cid = r["call_id"]
    r = cbtest.wait_for(lambda: (lambda r: r if r["announcements"] >= 1
                                 else None)(get(cb, second)),
                        timeout=18, what="the position spoken")
    assert r["announced_position"] == 2 and r["status"] == "queued", r
    r1 = get(cb, first)
    assert r1["announcements"] >= 1 and r1["announced_position"] == 1, r1
    # the customer keeps hearing audio: the prompt, then hold music
    tx = legs(cb, cid)[0]["rtp"]["tx"]
    cbtest.wait_for(lambda: legs(cb, cid)[0]["rtp"]["tx"] > tx + 100,
                    timeout=5, what="RTP to the customer goes on")
    assert get(cb, second)["status"] == "queued"


def test_abandoned_while_queued(cb):
    business(cb)
    rid = request(cb, CUSTOMER)
    r = wait_status(cb, rid, "queued")
    st, _ = cb.api("DELETE", "/v1/calls/" + r["call_id"])
    assert st in (200, 204)
    r = wait_status(cb, rid, "abandoned")
    assert r["cause"] == "customer-hangup", r
    st, q = cb.api("GET", "/v1/contact/status")
    q = q.get("status", q)
    assert q["queue_length"] == 0, q


def test_callback_keeps_place_rings_agent_first(tmp_path, procs, simnet):
    """The customer is a SIPp phone behind the trunk that presses 1 as
    RFC 4733 events 2.5 s after answering (both calls: on the callback
    call the digit changes nothing); the agent is the simulated network
    reached by SIP URI, so the trunk only carries the customer."""
    phone = cbtest.Sipp(str(tmp_path),
                        cbtest.sipp_scenario("calls", "uas_dtmf1.xml"),
                        args=["-d", "2500", "-m", "2"], name="customer")
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=phone.port)
    procs.append(cb)
    try:
        business(cb)
        aid, s = agent(cb, "olivia", "sip:%s@127.0.0.1:%d" % (
            AGENT_OK, simnet.port))
        rid = request(cb, CUSTOMER)
        r = wait_status(cb, rid, "queued")
        cid = r["call_id"]
        r = wait_status(cb, rid, "callback", timeout=15)
        assert r["callback"] is True and r["position"] == 1, r
        # the goodbye, then the customer's leg goes; the request stays
        cbtest.wait_for(lambda: cb.call(cid) is None or all(
            l["state"] == "ended" for l in legs(cb, cid)),
            timeout=15, what="the customer's leg hung up")
        r = get(cb, rid)
        assert r["status"] == "callback" and r["position"] == 1, r

        set_status(s, "available")
        r = wait_status(cb, rid, "connected", timeout=20)
        assert r["call_id"] != cid and r["agent_id"] == aid, r
        ls = legs(cb, r["call_id"])
        assert AGENT_OK in ls[0]["peer"], ls      # the agent first
        assert ls[1]["peer"].endswith(CUSTOMER), ls
        # the phone presses 1 again on this call: nothing changes
        cbtest.wait_for(lambda: legs(cb, r["call_id"])[1]["rtp"]["rx"] > 0,
                        timeout=10, what="the customer's digit")
        assert get(cb, rid)["status"] == "connected"
        st, _ = s.api("POST", "/v1/agent/hangup")
        assert st == 200
        wait_status(cb, rid, "completed")
        assert phone.wait(20) == 0, phone.errors()
    finally:
        phone.stop()


def stored(cb, rid):
    """the request's row as the store has it"""
    st, body = cb.api("GET", "/v1/contact/requests")
    assert st == 200, body
    rows = body if isinstance(body, list) else next(
        v for v in body.values() if isinstance(v, list))
    return next((r for r in rows if r["id"] == rid), None)


def test_callbacks_survive_kill_9_in_order(tmp_path, procs, simnet):
    """Two customers press 1 (a SIPp phone behind the first daemon's
    trunk); the daemon is killed; the second daemon (trunk: the simulated
    network, where the first number rings forever) has both callbacks in
    their original order, the first with its skill level.  The agent
    answers the first, then hangs up while the customer's phone still
    rings: it waits again at its place, and the second is put through."""
    phone = cbtest.Sipp(str(tmp_path),
                        cbtest.sipp_scenario("calls", "uas_dtmf1.xml"),
                        args=["-d", "2500", "-m", "2"], name="customer")
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=phone.port)
    try:
        business(cb)
        aid, s = agent(cb, "olivia", "sip:%s@127.0.0.1:%d" % (
            AGENT_OK, simnet.port), skills={"cruises": 8})
        first = request(cb, NEVER, skill="cruises", level=7)
        assert get(cb, first)["level"] == 7
        wait_status(cb, first, "queued")
        second = request(cb, CUSTOMER)
        wait_status(cb, second, "queued")
        for rid in (first, second):
            wait_status(cb, rid, "callback", timeout=15)
            cbtest.wait_for(lambda: (stored(cb, rid) or {}).get(
                "status") == "callback", what="callback stored")
        w = stored(cb, first)
        assert (w["skill"], w["level"], w["due_ms"]) == ("cruises", 7,
                                                         None), w
        assert phone.wait(20) == 0, phone.errors()
    finally:
        phone.stop()
        cb.p.kill()               # kill -9: nothing is written at exit
        cb.p.wait()
        cb.logf.close()
    assert "ERROR: AddressSanitizer" not in cb.log(), cb.log()[-4000:]

    cb2 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                            name="callbridge2")
    procs.append(cb2)
    r1, r2 = get(cb2, first), get(cb2, second)
    assert r1["status"] == "callback" and r1["callback"] is True, r1
    assert (r1["position"], r2["position"]) == (1, 2), (r1, r2)
    assert (r1["skill"], r1["level"]) == ("cruises", 7), r1
    assert r2["status"] == "callback" and r2["level"] == 0, r2

    # the agent is rung first, answers; the customer's phone rings on
    s2 = Session(cb2, "olivia", AGENT_PW)
    set_status(s2, "available")
    r = wait_status(cb2, first, "offered")
    cid = r["call_id"]
    cbtest.wait_for(lambda: (lambda l: len(l) == 2 and
                             l[0]["state"] == "answered")(legs(cb2, cid)),
                    timeout=10, what="agent answered, customer rung")
    assert get(cb2, first)["status"] == "offered"
    # ... and hangs up before the customer answers: back at its place
    st, _ = s2.api("POST", "/v1/agent/hangup")
    assert st == 200
    r = wait_status(cb2, first, "callback")
    assert r["position"] == 1 and r["agent_id"] == "", r
    assert r["cause"] == "", r
    # the agent (now tried for it) takes the second one
    r = wait_status(cb2, second, "connected", timeout=15)
    assert r["agent_id"] == aid, r
    assert get(cb2, first)["status"] == "callback"
    st, _ = s2.api("POST", "/v1/agent/hangup")
    assert st == 200
    wait_status(cb2, second, "completed")


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def test_scheduled_placed_at_its_time_and_across_restart(tmp_path, procs,
                                                         simnet):
    """The daemon's clock is moved (api.debug_clock, POST /v1/debug/clock
    as an admin): a request due in an hour stays scheduled, nothing
    dialed, half an hour on; just past its time it is placed at once.
    After a restart the later one is back scheduled and the one that was
    being placed has failed."""
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["api.debug_clock yes"])
    procs.append(cb)
    adm = admin_session(cb)
    business(cb)
    soon = request(cb, CUSTOMER, desired_time=rfc3339(time.time() + 3600))
    later = request(cb, CUSTOMER, desired_time=rfc3339(time.time() + 7200))
    assert get(cb, soon)["status"] == "scheduled"

    st, body = adm.api("POST", "/v1/debug/clock", {"advance_s": 1800})
    assert st == 200, body
    assert get(cb, soon)["status"] == "scheduled"
    assert get(cb, soon)["call_id"] == "", get(cb, soon)
    assert cb.calls() == [] and simnet.finished() == []

    st, body = adm.api("POST", "/v1/debug/clock", {"advance_s": 1801})
    assert st == 200, body
    # placed at once (no agent: the customer waits in the queue)
    wait_status(cb, soon, ("calling", "queued"), timeout=5)
    r = wait_status(cb, soon, "queued", timeout=10)
    assert r["call_id"] and r["due_ms"] is not None, r
    assert cb.call(r["call_id"]) is not None, r
    assert get(cb, later)["status"] == "scheduled"
    ringing = request(cb, NEVER)
    wait_status(cb, ringing, "calling")

    # a restart: the scheduled one is back, the one being placed failed
    cb.stop()
    cb2 = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                            name="callbridge2")
    procs.append(cb2)
    r = get(cb2, later)
    assert r["status"] == "scheduled" and "position" in r, r   # live
    r = get(cb2, ringing)
    assert r["status"] == "failed" and r["cause"] == "restart", r
    st, body = cb2.api("DELETE", "/v1/contact/requests/" + later)
    assert st == 200, body
    assert get(cb2, later)["status"] == "canceled"
    st, body = cb2.api("DELETE", "/v1/contact/requests/" + soon)
    assert st == 409, body


def test_billed_business(tmp_path, procs, simnet):
    """A business with a billing account: a hold before anything is
    dialed (refused: failed, no call); the customer's leg and the leg of
    an agent reached by number (a home agent on the simulated network)
    are both rated and charged to its account, exactly per the rate
    table; the hold settled when the call ends."""
    from test_meter import (Rate, balance, call_ended, charges_final,
                            check_charges, ledger_ok, micro, money_setup,
                            stamps_of)
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(cb)
    money_setup(cb, Rate("0.60", "0", "0", 1, 1),
                accounts={"shop": "50.00", "broke": "0"})
    business(cb, billing_account="broke")
    rid = request(cb, CUSTOMER)
    r = wait_status(cb, rid, "failed")
    assert r["cause"] == "insufficient-funds" and r["answered_ms"] == 0, r
    assert not [c for c in cb.calls() if c["id"] == r["call_id"]]

    business(cb, billing_account="shop")
    _, s = agent(cb, "olivia", AGENT_TONE)
    set_status(s, "available")
    rid = request(cb, CUSTOMER)
    r = wait_status(cb, rid, "connected")
    cid = r["call_id"]
    # both legs metered while they talk: the agent's too
    cbtest.wait_for(lambda: (lambda c: c and len(c["billing"]["legs"]) == 2
                             and all(l["rated"] and l["billed_s"] >= 2
                                     for l in c["billing"]["legs"]))(
                                         cb.call(cid)),
                    timeout=10, what="both legs metered")
    st, _ = s.api("POST", "/v1/agent/hangup")
    assert st == 200
    wait_status(cb, rid, "completed")
    ended = call_ended(cb, cid)
    body = charges_final(cb, cid)
    assert len(body["legs"]) == 2 and all(l["rated"] for l in body["legs"])
    assert {l["peer"][-len(AGENT_TONE):] for l in body["legs"]} == \
        {CUSTOMER, AGENT_TONE}, body["legs"]
    want = check_charges(body, Rate("0.60", "0", "0", 1, 1),
                         stamps=stamps_of(ended))
    assert all(micro(l["charge"]) > 0 for l in body["legs"]), body
    cbtest.wait_for(lambda: micro("50.00") - balance(cb, "shop") ==
                    want["total"], what="the business's account charged")
    cbtest.wait_for(lambda: cb.admin_ok("money", "hold", "list",
                                        "default") == "",
                    what="the hold settled")
    ledger_ok(cb)


def test_billed_agent_number_without_rate(tmp_path, procs, simnet):
    """An agent's number the business's rate table does not cover: the
    agent is not rung, the request fails not-rated, the customer's leg
    is hung up and the hold settles."""
    from test_meter import Rate, ledger_ok, money_setup
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(cb)
    money_setup(cb, Rate("0.60", "0", "0", 1, 1),
                accounts={"shop": "50.00"})
    business(cb, billing_account="shop")
    _, s = agent(cb, "olivia", "+15560100")
    set_status(s, "available")
    rid = request(cb, CUSTOMER)
    r = wait_status(cb, rid, "failed", timeout=15)
    assert r["cause"] == "not-rated" and r["answered_ms"] > 0, r
    ls = cbtest.wait_for(lambda: (lambda l: l if l and all(
        x["state"] == "ended" for x in l) else None)(legs(cb, r["call_id"])),
        timeout=10, what="the customer's leg hung up")
    assert len(ls) == 1 and ls[0]["peer"].endswith(CUSTOMER), ls
    assert me(s)["status"] == "available", me(s)
    cbtest.wait_for(lambda: cb.admin_ok("money", "hold", "list",
                                        "default") == "",
                    what="the hold settled")
    ledger_ok(cb)
