"""Conferences (src/conf/, /v1/conferences) on the simulated network:
nothing is dialed at creation; each participant is dialed when told and
its status follows the call as it happens (dialing, ringing, connected,
busy, no-answer, invalid-number, left); every change is a
"conference.participant" event on the tenant's WebSocket; hang-up of
one and end of all; mute/deaf flags; the owner leaving ends the
conference when asked; confirm_dtmf joins a SIPp phone that presses 1
and hangs up one that does not; bad input changes nothing."""

import pytest

import cbtest
from test_events import connect_ws

ANSWERS = "+15550100"     # 180, answers after 1 s, echoes
BUSY = "+15550102"
NEVER = "+15550103"       # rings forever
INVALID = "+15550104"
QUICK = "+15550110"       # answers after 500 ms, echoes
QUICK2 = "+15550111"


@pytest.fixture
def cb(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(c)
    return c


def create(cb, participants, **opts):
    st, b = cb.api("POST", "/v1/conferences", {
        "name": "Weekly", "owner": {"name": "Alice", "number": QUICK},
        "participants": [{"name": n, "number": num}
                         for n, num in participants],
        "options": opts})
    assert st == 201, b
    return b


def conf(cb, cid):
    st, b = cb.api("GET", "/v1/conferences/" + cid)
    assert st == 200, b
    return b


def party(cb, cid, pid):
    return next(p for p in conf(cb, cid)["participants"] if p["id"] == pid)


def patch(cb, cid, pid, body, want=200):
    st, b = cb.api("PATCH", "/v1/conferences/%s/participants/%s"
                   % (cid, pid), body)
    assert st == want, b
    return b


def wait_status(cb, cid, pid, status, timeout=15):
    return cbtest.wait_for(
        lambda: (lambda p: p if p["status"] == status else None)(
            party(cb, cid, pid)), timeout=timeout,
        what="%s to be %s" % (pid, status))


def test_created_on_hook_nothing_dialed(cb, simnet):
    b = create(cb, [("Bob", ANSWERS), ("Carol", "sip:carol@127.0.0.1:9")])
    assert len(b["token"]) == 44
    c = b["conference"]
    assert c["status"] == "active" and c["owner"] == "p1"
    assert [p["status"] for p in c["participants"]] == ["on-hook"] * 3
    assert c["participants"][0]["owner"] is True
    assert c["participants"][1]["number"] == ANSWERS
    assert c["participants"][2]["number"] == "sip:carol@127.0.0.1:9"
    assert c["options"]["max_participants"] == 50
    assert c["participants"][0]["talking"] is False
    assert cb.calls() == []
    # two creations, two tokens
    assert create(cb, [])["token"] != b["token"]


def test_statuses_as_they_happen(cb, simnet):
    c = create(cb, [("Bob", ANSWERS), ("Busy", BUSY), ("Never", NEVER),
                    ("Bad", INVALID)], ring_timeout_s=2)
    cid = c["conference"]["id"]
    ws = connect_ws(cb)
    try:
        patch(cb, cid, "p2", {"action": "dial"})
        p = wait_status(cb, cid, "p2", "ringing")
        assert p["call_id"]
        wait_status(cb, cid, "p2", "connected")
        patch(cb, cid, "p3", {"action": "dial"})
        p = wait_status(cb, cid, "p3", "busy")
        assert p["cause"] == "busy"
        patch(cb, cid, "p4", {"action": "dial"})
        wait_status(cb, cid, "p4", "ringing")
        p = wait_status(cb, cid, "p4", "no-answer", timeout=10)
        assert p["cause"] == "no-answer"
        patch(cb, cid, "p5", {"action": "dial"})
        wait_status(cb, cid, "p5", "invalid-number")
        # Bob is in the mixer (alone: no one else answered)
        p = party(cb, cid, "p2")
        assert p["in_conference"] is True and p["joined_ms"]
        # hang up one: Bob left
        st, b = cb.api("DELETE", "/v1/conferences/%s/participants/p2"
                       % cid)
        assert st == 200, b
        p = wait_status(cb, cid, "p2", "left")
        assert p["left_ms"] >= p["joined_ms"] and p["cause"] == "hangup"
        # a busy participant can be dialed again (a new call)
        old = party(cb, cid, "p3")["call_id"]
        patch(cb, cid, "p3", {"action": "dial"})
        p = wait_status(cb, cid, "p3", "busy")
        assert p["call_id"] != old

        evs = ws.events_until(
            lambda e: e.get("type") == "conference.participant" and
            e.get("participant", {}).get("id") == "p3" and
            e["participant"]["call_id"] != old and
            e["participant"]["status"] == "busy")
    finally:
        ws.close()
    seen = {}
    for e in evs:
        if e.get("type") == "conference.participant":
            assert e["conference_id"] == cid
            v = seen.setdefault(e["participant"]["id"], [])
            if not v or v[-1] != e["participant"]["status"]:
                v.append(e["participant"]["status"])
    # the join into the mixer is news too (in_conference)
    joins = [e for e in evs if e.get("type") == "conference.participant"
             and e["participant"]["id"] == "p2" and
             e["participant"]["in_conference"]]
    assert len(joins) == 1, joins
    assert seen["p2"][:3] == ["dialing", "ringing", "connected"], seen
    assert seen["p2"][-1] == "left", seen
    assert seen["p3"][0] == "dialing" and seen["p3"][-1] == "busy", seen
    assert "ringing" in seen["p4"] and seen["p4"][-1] == "no-answer", seen
    assert seen["p5"][-1] == "invalid-number", seen


def test_end_hangs_up_everyone(cb, simnet):
    c = create(cb, [("Bob", QUICK2), ("Never", NEVER)])
    cid = c["conference"]["id"]
    patch(cb, cid, "p1", {"action": "dial"})
    patch(cb, cid, "p2", {"action": "dial"})
    patch(cb, cid, "p3", {"action": "dial"})
    wait_status(cb, cid, "p1", "connected")
    wait_status(cb, cid, "p2", "connected")
    wait_status(cb, cid, "p3", "ringing")
    assert conf(cb, cid)["in_conference"] == 2
    # mute and deaf are shown and announced
    b = patch(cb, cid, "p2", {"mute": True, "deaf": True})
    assert b["muted"] is True and b["deaf"] is True
    st, b = cb.api("POST", "/v1/conferences/%s/end" % cid)
    assert st == 200, b
    assert b["status"] == "ended"
    wait_status(cb, cid, "p1", "left")
    wait_status(cb, cid, "p2", "left")
    p = wait_status(cb, cid, "p3", "on-hook")
    assert p["cause"] == "conference-ended"
    cbtest.wait_for(lambda: len(simnet.finished()) == 3,
                    what="simnet to see three calls end")
    # an ended conference dials no one
    patch(cb, cid, "p2", {"action": "dial"}, want=409)
    st, b = cb.api("DELETE", "/v1/conferences/" + cid)
    assert st == 200 and b["status"] == "ended"


def test_owner_leaving_ends_it(cb, simnet):
    c = create(cb, [("Bob", QUICK2)], end_when_owner_leaves=True)
    cid = c["conference"]["id"]
    patch(cb, cid, "p1", {"action": "dial"})
    patch(cb, cid, "p2", {"action": "dial"})
    wait_status(cb, cid, "p1", "connected")
    wait_status(cb, cid, "p2", "connected")
    patch(cb, cid, "p1", {"action": "hangup"})
    cbtest.wait_for(lambda: conf(cb, cid)["status"] == "ended",
                    what="the conference to end")
    wait_status(cb, cid, "p2", "left")


def test_confirm_dtmf(cb, simnet, tmp_path):
    """A SIPp phone that presses 1 joins; a simnet phone that never
    presses anything is hung up after confirm_s."""
    sipp = cbtest.Sipp(str(tmp_path),
                       cbtest.sipp_scenario("calls", "uas_dtmf1.xml"),
                       args=["-d", "1000", "-m", "1"], name="presses1")
    try:
        c = create(cb, [("Phone", "sip:phone@127.0.0.1:%d" % sipp.port),
                        ("Silent", QUICK2)], confirm_dtmf=True,
                   confirm_s=3)
        cid = c["conference"]["id"]
        patch(cb, cid, "p2", {"action": "dial"})
        patch(cb, cid, "p3", {"action": "dial"})
        p = wait_status(cb, cid, "p2", "connected")
        cbtest.wait_for(lambda: party(cb, cid, "p2")["in_conference"],
                        what="the phone to join after pressing 1")
        p = wait_status(cb, cid, "p3", "connected")
        assert p["stage"] == "confirm" and not p["in_conference"]
        p = wait_status(cb, cid, "p3", "left", timeout=10)
        assert p["cause"] == "not-confirmed" and not p["joined_ms"]
        assert party(cb, cid, "p2")["status"] == "connected"
    finally:
        sipp.stop()


def test_bad_input_changes_nothing(cb, simnet):
    bad = [
        ({}, 400),
        ({"owner": {"number": "not a number"}}, 400),
        ({"owner": {"number": ANSWERS, "name": "a\x01b"}}, 400),
        ({"owner": {"number": ANSWERS}, "participants": {}}, 400),
        ({"owner": {"number": ANSWERS},
          "participants": [{"number": "12ab"}]}, 400),
        ({"owner": {"number": ANSWERS},
          "options": {"max_participants": 1}}, 400),
        ({"owner": {"number": ANSWERS},
          "options": {"confirm_dtmf": "yes"}}, 400),
        ({"owner": {"number": ANSWERS}, "options": {"max_participants": 2},
          "participants": [{"number": QUICK}, {"number": QUICK2}]}, 422),
    ]
    for body, want in bad:
        st, b = cb.api("POST", "/v1/conferences", body)
        assert st == want, (body, st, b)
    st, b = cb.api("GET", "/v1/conferences")
    assert st == 200 and b["conferences"] == []

    c = create(cb, [("Bob", QUICK2)], max_participants=2)
    cid = c["conference"]["id"]
    # full: the owner and Bob
    st, b = cb.api("POST", "/v1/conferences/%s/participants" % cid,
                   {"number": ANSWERS})
    assert st == 422, b
    patch(cb, cid, "p2", {"action": "explode"}, want=400)
    patch(cb, cid, "p2", {"number": "x y"}, want=400)
    patch(cb, cid, "p9", {"action": "dial"}, want=404)
    st, _ = cb.api("GET", "/v1/conferences/nope")
    assert st == 404
    st, _ = cb.api("GET", "/v1/conferences/" + cid, key=None)
    assert st == 401
    # hang up / hold refused while on-hook; number change allowed
    patch(cb, cid, "p2", {"action": "hangup"}, want=409)
    patch(cb, cid, "p2", {"hold": True}, want=409)
    assert patch(cb, cid, "p2", {"number": QUICK})["number"] == QUICK
    # number change refused while on a call
    patch(cb, cid, "p2", {"action": "dial"})
    wait_status(cb, cid, "p2", "connected")
    patch(cb, cid, "p2", {"number": ANSWERS}, want=409)
    patch(cb, cid, "p2", {"action": "dial"}, want=409)
    assert party(cb, cid, "p2")["number"] == QUICK
    assert len(cb.calls()) == 1


def test_other_tenant_sees_nothing(cb, simnet):
    c = create(cb, [("Bob", QUICK2)])
    cid = c["conference"]["id"]
    cb.admin_ok("tenant", "create", "other")
    key = cb.admin_ok("key", "create", "other", "k")
    st, _ = cb.api("GET", "/v1/conferences/" + cid, key=key)
    assert st == 404
    st, _ = cb.api("PATCH", "/v1/conferences/%s/participants/p2" % cid,
                   {"action": "dial"}, key=key)
    assert st == 404
    st, _ = cb.api("DELETE", "/v1/conferences/" + cid, key=key)
    assert st == 404
    st, b = cb.api("GET", "/v1/conferences", key=key)
    assert st == 200 and b["conferences"] == []
    assert conf(cb, cid)["status"] == "active"
    assert cb.calls() == []


@pytest.mark.skipif(not cbtest.have("espeak-ng"), reason="needs espeak-ng")
def test_announce_then_join(cb, simnet):
    """With announce_join the participant hears the invitation first
    (stage announcement, RTP sent to it) and joins when it ends; the
    owner joins at once, without it."""
    c = create(cb, [("Bob", QUICK2)], announce_join=True)
    cid = c["conference"]["id"]
    ws = connect_ws(cb)
    try:
        patch(cb, cid, "p1", {"action": "dial"})
        p = wait_status(cb, cid, "p1", "connected")
        cbtest.wait_for(lambda: party(cb, cid, "p1")["in_conference"],
                        what="the owner to join at once")
        patch(cb, cid, "p2", {"action": "dial"})
        evs = ws.events_until(
            lambda e: e.get("type") == "conference.participant" and
            e["participant"]["id"] == "p2" and
            e["participant"]["in_conference"], timeout=30)
    finally:
        ws.close()
    stages = [e["participant"]["stage"] for e in evs
              if e.get("type") == "conference.participant" and
              e["participant"]["id"] == "p2"]
    assert "announcement" in stages and stages[-1] == "in", stages
    p = party(cb, cid, "p2")
    # the invitation is a few seconds of speech
    assert p["joined_ms"] - p["answered_ms"] >= 2000, p
    owner = party(cb, cid, "p1")
    assert owner["joined_ms"] - owner["answered_ms"] < 1000, owner


def test_softphone_user_by_name(cb, simnet):
    """A participant may be a softphone user's name, like POST /v1/calls'
    `to`: its registered devices ring, and it costs nothing.  A name
    nobody registered ends invalid-number and nothing reaches the
    trunk."""
    st, b = cb.api("POST", "/v1/conferences", {
        "owner": {"name": "Alice", "number": QUICK},
        "participants": [{"name": "Bad", "number": "bad user!"}]})
    assert st == 400 and b["error"]["code"] == "invalid_number", b
    b = create(cb, [("Olivia", "olivia")])
    cid = b["conference"]["id"]
    assert party(cb, cid, "p2")["number"] == "olivia"
    patch(cb, cid, "p2", {"action": "dial"})
    p = wait_status(cb, cid, "p2", "invalid-number")
    assert p["cause"] == "invalid-number", p
    assert simnet.finished() == []
