"""A conference's remaining behaviours (docs/conference.md):

- the owner hears a beep (MEDIA_TONE_BEEP: 1000 Hz, 200 ms, once) when
  someone joins the mixer and when someone who was in leaves: the owner
  is a SIPp phone (tests/sipp/calls/uas_conf.xml) whose audio goes to a
  UDP socket of this test, analysed frame by frame (Goertzel);
- a dial that finds no free line (trunk.max_calls, or the network's 503)
  shows `no-lines`;
- hold: the participant is shown held (GET), gets a re-INVITE sendonly
  (tests/sipp/calls/uas_conf_hold.xml), hears nothing from the mixer and
  is not heard, then comes back and hears and is heard again."""

import time

import pytest

import cbtest
from test_conf_audio import Phone, goertzel, media_dest, RATE

BEEP_HZ = 1000.0
LOUD = 1e6          # a tone of amplitude 8000: power ~1.6e7
QUIET = 1e3


@pytest.fixture
def cb(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(c)
    return c


def conf_get(cb, cid):
    st, b = cb.api("GET", "/v1/conferences/" + cid)
    assert st == 200, b
    return b


def party(cb, cid, pid):
    for p in conf_get(cb, cid)["participants"]:
        if p["id"] == pid:
            return p
    raise AssertionError("no participant " + pid)


def patch(cb, cid, pid, body):
    return cb.api("PATCH", "/v1/conferences/%s/participants/%s"
                  % (cid, pid), body)


def phone_sipp(tmp_path, phone, scenario, name):
    return cbtest.Sipp(str(tmp_path),
                       cbtest.sipp_scenario("calls", scenario),
                       args=["-key", "rtp_port", str(phone.port), "-m", "1"],
                       name=name)


def frames_since(phone, t0, t1):
    """The 20 ms frames the phone received between t0 and t1."""
    with phone.lock:
        return [pcm for when, pcm in phone.rx if t0 <= when < t1]


def beep_frames(phone, t0, t1):
    """How many of those frames carry the beep, loud."""
    return sum(1 for pcm in frames_since(phone, t0, t1)
               if len(pcm) >= 80 and goertzel(pcm, BEEP_HZ) > LOUD)


def received_until(phone, t):
    """Wait until the phone has audio received after t."""
    cbtest.wait_for(lambda: phone.rx and phone.rx[-1][0] >= t,
                    timeout=10, what="audio at the phone until t")


# --- (a) the owner's beeps ------------------------------------------------

@pytest.mark.skipif(not cbtest.have("sipp"), reason="needs SIPp")
def test_owner_hears_a_beep_on_join_and_leave(cb, tmp_path):
    owner = Phone(400.0)
    sipp = phone_sipp(tmp_path, owner, "uas_conf.xml", "owner")
    try:
        uri = "sip:owner@127.0.0.1:%d" % sipp.port
        st, b = cb.api("POST", "/v1/conferences", {
            "owner": {"name": "Owner", "number": uri},
            "participants": [{"name": "Two", "number": "+15550101"}]})
        assert st == 201, b
        cid = b["conference"]["id"]
        st, b = patch(cb, cid, "p1", {"action": "dial"})
        assert st == 200, b
        cbtest.wait_for(lambda: party(cb, cid, "p1")["in_conference"],
                        what="the owner in the mixer")
        owner.dest = cbtest.wait_for(lambda: media_dest(sipp),
                                     what="the INVITE's SDP in SIPp's log")
        owner.thread.start()

        # alone: a second of audio, no beep (the owner's own join is
        # not beeped to itself)
        t0 = time.monotonic()
        received_until(owner, t0 + 1.0)
        assert len(frames_since(owner, t0, t0 + 1.0)) >= 40
        assert beep_frames(owner, t0, t0 + 1.0) == 0

        # someone joins: one beep of 200 ms (10 frames), then no more
        t_dial = time.monotonic()
        st, b = patch(cb, cid, "p2", {"action": "dial"})
        assert st == 200, b
        cbtest.wait_for(lambda: party(cb, cid, "p2")["in_conference"],
                        what="the second participant in the mixer")
        t_in = time.monotonic()
        received_until(owner, t_in + 1.5)
        n = beep_frames(owner, t_dial, t_in + 1.5)
        print("beep frames on join:", n)
        assert 7 <= n <= 14, n
        t1 = time.monotonic()
        received_until(owner, t1 + 1.0)
        assert beep_frames(owner, t1, t1 + 1.0) == 0

        # it leaves: one beep again
        t_hup = time.monotonic()
        st, b = cb.api("DELETE", "/v1/conferences/%s/participants/p2"
                       % cid)
        assert st == 200, b
        cbtest.wait_for(lambda: party(cb, cid, "p2")["status"] == "left",
                        what="the second participant left")
        t_left = time.monotonic()
        received_until(owner, t_left + 1.5)
        n = beep_frames(owner, t_hup, t_left + 1.5)
        print("beep frames on leave:", n)
        assert 7 <= n <= 14, n

        # a participant who never got in (busy) does not beep
        st, b = cb.api("POST", "/v1/conferences/%s/participants" % cid,
                       {"name": "Busy", "number": "+15550102"})
        assert st in (200, 201), b
        t_busy = time.monotonic()
        st, b = patch(cb, cid, "p3", {"action": "dial"})
        assert st == 200, b
        cbtest.wait_for(lambda: party(cb, cid, "p3")["status"] == "busy",
                        what="the third participant busy")
        t_b = time.monotonic()
        received_until(owner, t_b + 1.0)
        assert beep_frames(owner, t_busy, t_b + 1.0) == 0

        st, b = cb.api("DELETE", "/v1/conferences/" + cid)
        assert st == 200, b
        assert sipp.wait(20) == 0, sipp.errors()
    finally:
        owner.close()
        sipp.stop()


# --- (b) no lines ----------------------------------------------------------

def test_network_503_is_no_lines(cb, simnet):
    st, b = cb.api("POST", "/v1/conferences", {
        "owner": {"name": "Owner", "number": "+15550101"},
        "participants": [{"name": "Full", "number": "+15550107"}]})
    assert st == 201, b
    cid = b["conference"]["id"]
    st, b = patch(cb, cid, "p2", {"action": "dial"})
    assert st == 200, b
    p = cbtest.wait_for(
        lambda: (lambda q: q if q["status"] not in ("dialing", "ringing")
                 else None)(party(cb, cid, "p2")),
        what="the 503 to end the dial")
    assert p["status"] == "no-lines", p
    assert p["cause"] == "unavailable", p
    assert not p["in_conference"]
    # it can be dialed again (to a number that answers)
    st, b = patch(cb, cid, "p2", {"number": "+15550101", "action": "dial"})
    assert st == 200, b
    cbtest.wait_for(lambda: party(cb, cid, "p2")["status"] == "connected",
                    what="the redial to connect")


def test_trunk_limit_is_no_lines(tmp_path, procs, simnet):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["trunk.max_calls 1"])
    procs.append(cb)
    st, b = cb.api("POST", "/v1/conferences", {
        "owner": {"name": "Owner", "number": "+15550103"},
        "participants": [{"name": "Two", "number": "+15550101"}]})
    assert st == 201, b
    cid = b["conference"]["id"]
    # the owner's dial rings forever and holds the only line
    st, b = patch(cb, cid, "p1", {"action": "dial"})
    assert st == 200, b
    cbtest.wait_for(lambda: party(cb, cid, "p1")["status"] == "ringing",
                    what="the owner ringing")
    st, b = patch(cb, cid, "p2", {"action": "dial"})
    assert st == 200, b
    p = cbtest.wait_for(
        lambda: (lambda q: q if q["status"] != "dialing" else None)(
            party(cb, cid, "p2")), what="the dial to end")
    assert p["status"] == "no-lines", p
    assert p["cause"] == "unavailable", p
    assert party(cb, cid, "p1")["status"] == "ringing"
    # nothing reached the network for it: simnet saw one call only
    cbtest.wait_for(lambda: "+15550103" in simnet.log() or
                    "15550103" in simnet.log(), what="simnet log")
    assert "15550101" not in simnet.log()
    # the line comes back when the owner's dial is canceled
    st, b = patch(cb, cid, "p1", {"action": "hangup"})
    assert st == 200, b
    cbtest.wait_for(lambda: party(cb, cid, "p1")["status"] == "on-hook",
                    what="the owner's dial canceled")
    st, b = patch(cb, cid, "p2", {"action": "dial"})
    assert st == 200, b
    cbtest.wait_for(lambda: party(cb, cid, "p2")["status"] == "connected",
                    what="the second to connect on the free line")


# --- (c) hold ---------------------------------------------------------------

@pytest.mark.skipif(not cbtest.have("sipp"), reason="needs SIPp")
def test_hold_and_back(cb, tmp_path):
    owner, two = Phone(400.0), Phone(1400.0)
    s_owner = phone_sipp(tmp_path, owner, "uas_conf.xml", "owner")
    s_two = phone_sipp(tmp_path, two, "uas_conf_hold.xml", "two")
    phones = (owner, two)
    try:
        st, b = cb.api("POST", "/v1/conferences", {
            "owner": {"name": "Owner",
                      "number": "sip:o@127.0.0.1:%d" % s_owner.port},
            "participants": [{"name": "Two", "number":
                              "sip:t@127.0.0.1:%d" % s_two.port},
                             # an echo: the owner gets audio all along
                             {"name": "Echo", "number": "+15550101"}]})
        assert st == 201, b
        cid = b["conference"]["id"]
        # hold only on a call
        st, b = patch(cb, cid, "p2", {"hold": True})
        assert st == 409, b
        assert not party(cb, cid, "p2")["held"]
        for pid in ("p1", "p2", "p3"):
            st, b = patch(cb, cid, pid, {"action": "dial"})
            assert st == 200, b
        cbtest.wait_for(lambda: conf_get(cb, cid)["in_conference"] == 3,
                        what="all three in the mixer")
        for ph, sp in ((owner, s_owner), (two, s_two)):
            ph.dest = cbtest.wait_for(lambda: media_dest(sp),
                                      what="the INVITE's SDP")
            ph.thread.start()

        def window(what, held=False):
            """Powers of the other's tone at each phone over one second,
            after half a second of settling (the owner's audio is the
            clock: the held one may get no RTP at all, which is nothing
            heard as well)."""
            start = time.monotonic() + 0.5
            for ph in phones if not held else (owner,):
                received_until(ph, start + 1.0)
            a = frames_since(owner, start, start + 1.0)
            b_ = frames_since(two, start, start + 1.0)
            assert len(a) >= 40, what
            assert held or len(b_) >= 40, what
            r = (goertzel(sum(a, []), 1400.0),
                 goertzel(sum(b_, []), 400.0) if b_ else 0.0)
            print(what, "owner hears two %.3g, two hears owner %.3g" % r,
                  len(b_))
            return r

        r = window("before hold")
        assert r[0] > LOUD and r[1] > LOUD, r

        st, b = patch(cb, cid, "p2", {"hold": True})
        assert st == 200 and b["held"], b
        p = party(cb, cid, "p2")
        assert p["held"] and p["status"] == "connected", p
        assert not p["muted"] and not p["deaf"], p   # its own flags kept
        r = window("on hold", held=True)
        assert r[1] < QUIET, r      # the held one hears nothing of the mix
        assert r[0] < QUIET, r      # and is not heard

        st, b = patch(cb, cid, "p2", {"hold": False})
        assert st == 200 and not b["held"], b
        p = party(cb, cid, "p2")
        assert not p["held"] and p["status"] == "connected", p
        assert p["in_conference"], p
        r = window("back from hold")
        assert r[0] > LOUD and r[1] > LOUD, r

        st, b = cb.api("DELETE", "/v1/conferences/" + cid)
        assert st == 200, b
        # the hold phone saw sendonly, then a resume (its scenario checks)
        assert s_two.wait(20) == 0, s_two.errors()
        assert s_owner.wait(20) == 0, s_owner.errors()
    finally:
        for ph in phones:
            ph.close()
        s_owner.stop()
        s_two.stop()
