"""Calls through the telephony core, black box: SIPp callers (scenarios in
tests/sipp/calls/) -> callbridge -> the trunk (cb-simnet, or a SIPp UAS
when the far side's view of the signalling matters).  Each test asserts
what a user would notice: the SIP status a caller gets, the BYE or
re-INVITE the far side gets, the causes and RTP counters the HTTP API
shows, and what the simulated network heard (its stats file)."""

import re
import time

import pytest

import cbtest


def scen(name):
    return cbtest.sipp_scenario("calls", name + ".xml")


def caller(tmp_path, cb, name, number, args=None, host="127.0.0.1"):
    """Start a SIPp caller with scenario `name` dialling `number`."""
    h = "[%s]" % host if ":" in host else host
    return cbtest.Sipp(str(tmp_path), scen(name),
                       target="%s:%d" % (h, cb.sip_port),
                       args=["-s", number, "-m", "1"] + (args or []),
                       name=name)


def sipp_ok(s, timeout=40):
    rc = s.wait(timeout)
    assert rc == 0, "SIPp exit %d\n%s\n%s" % (rc, s.errors()[-3000:],
                                              s.messages()[-5000:])


def received(s):
    """(first line, whole text) of every message SIPp received, in order."""
    out = []
    for block in re.split(r"\n-{20,}[^\n]*\n", "\n" + s.messages()):
        m = re.match(r"\s*(?:UDP|TCP) message received \[\d+\] bytes :"
                     r"\s*\n\s*(.*)", block, re.S)
        if m:
            text = m.group(1)
            out.append((text.split("\n", 1)[0].strip(), text))
    return out


def final_status(s):
    """Status code of the final response SIPp got to its INVITE."""
    for first, text in received(s):
        m = re.match(r"SIP/2\.0 (\d{3})", first)
        if m and int(m.group(1)) >= 200 and \
                re.search(r"^\s*CSeq:\s*1 INVITE", text, re.M | re.I):
            return int(m.group(1))
    return None


def ended_calls(cb, n=1, timeout=15):
    """Wait until `n` calls exist and every leg of each has ended."""
    def done():
        calls = cb.calls()
        if len(calls) == n and all(l["state"] == "ended"
                                   for c in calls for l in c["legs"]):
            return calls
        return None
    return cbtest.wait_for(done, timeout=timeout, what="%d ended calls" % n)


def legs(call):
    """(inbound leg, outbound leg) of a bridged call."""
    a = [l for l in call["legs"] if l["direction"] == "inbound"]
    b = [l for l in call["legs"] if l["direction"] == "outbound"]
    assert len(a) == 1 and len(b) == 1, call
    return a[0], b[0]


def one_call(cb, timeout=10):
    return cbtest.wait_for(lambda: (lambda c: c[0] if len(c) == 1 else None)(
        cb.calls()), timeout=timeout, what="one call")


def leg_now(cb, call_id, direction):
    c = cb.call(call_id)
    return [l for l in c["legs"] if l["direction"] == direction][0]


def records(simnet, n=1, timeout=10):
    return cbtest.wait_for(lambda: (lambda r: r if len(r) >= n else None)(
        simnet.finished()), timeout=timeout,
        what="%d simnet records" % n)


def assert_rtp_both_ways(leg, least=20):
    assert leg["rtp"]["rx"] >= least and leg["rtp"]["tx"] >= least, leg


# --- 1. a call with media -------------------------------------------------

def test_call_connects_and_rtp_flows_both_ways(tmp_path, cb, simnet):
    """+15550100 answers after 1 s and echoes: the caller's voice goes out
    through the trunk leg and comes back through the inbound leg."""
    s = caller(tmp_path, cb, "uac_media", "+15550100", ["-d", "2500"])
    sipp_ok(s)
    call = ended_calls(cb)[0]
    a, b = legs(call)
    for leg in (a, b):
        assert leg["cause"] == "normal", call
        assert leg["answered_ms"] > 0, call
        assert_rtp_both_ways(leg)
    assert b["peer"] == "+15550100" and b["sip_status"] == 200, b
    rec = records(simnet)[0]
    assert rec["number"] == "+15550100" and rec["cause"] == "bye", rec
    assert rec["rtp_rx"] >= 20 and rec["rtp_tx"] >= 20, rec


# --- 2. refusals ----------------------------------------------------------

REFUSALS = [
    # number, status the caller gets, cause of both legs, simnet record
    ("+15550102", 486, "busy", True),
    ("+15550104", 404, "invalid-number", True),
    ("+15550107", 503, "unavailable", True),
    ("+15550108", 603, "rejected", True),
    ("+12", 404, "invalid-number", False),     # not E.164: never dialled
]


@pytest.mark.parametrize("number,status,cause,dialled", REFUSALS)
def test_refused_call(tmp_path, cb, simnet, number, status, cause, dialled):
    s = caller(tmp_path, cb, "uac_fail", number, ["-set", "expect",
                                                  str(status)])
    sipp_ok(s)
    assert final_status(s) == status
    call = ended_calls(cb)[0]
    a, b = legs(call)
    assert a["cause"] == cause and b["cause"] == cause, call
    assert a["answered_ms"] == 0 and b["answered_ms"] == 0, call
    if dialled:
        assert b["sip_status"] == status, b
        rec = records(simnet)[0]
        assert rec["number"] == number and rec["code"] == status, rec
    else:
        assert simnet.finished() == [] and "INVITE" not in simnet.log()


# --- 3. nobody answers ------------------------------------------------------

def test_ring_timeout_cancels_and_caller_gets_480(tmp_path, procs, simnet):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["sip.ring_timeout 2"])
    procs.append(cb)
    t0 = time.monotonic()
    s = caller(tmp_path, cb, "uac_fail", "+15550103", ["-set", "expect",
                                                       "480"])
    sipp_ok(s)
    assert 1.8 <= time.monotonic() - t0 < 10
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "no-answer" and b["cause"] == "no-answer", (a, b)
    assert 1800 <= b["ended_ms"] - b["created_ms"] < 4000, b
    rec = records(simnet)[0]
    assert rec["cause"] == "cancel" and rec["code"] == 487, rec


# --- 4. the caller gives up ------------------------------------------------

def test_caller_cancel_is_passed_on(tmp_path, cb, simnet):
    s = caller(tmp_path, cb, "uac_cancel", "+15550103", ["-d", "500"])
    sipp_ok(s)
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "canceled" and b["cause"] == "canceled", (a, b)
    rec = records(simnet)[0]
    assert rec["cause"] == "cancel" and rec["code"] == 487, rec


# --- 5. hang-up from either side -------------------------------------------

def test_caller_hangs_up(tmp_path, cb, simnet):
    """+15550101 answers at once with a tone; the caller talks 1 s and
    sends BYE, which reaches the far side."""
    s = caller(tmp_path, cb, "uac_media", "+15550101", ["-d", "1000"])
    sipp_ok(s)
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)
    assert_rtp_both_ways(a, 10)
    assert_rtp_both_ways(b, 10)
    rec = records(simnet)[0]
    assert rec["cause"] == "bye" and rec["duration_ms"] >= 900, rec


def test_callee_hangs_up_caller_gets_bye(tmp_path, cb, simnet):
    """+15550105 hangs up 3 s after answering; uac_wait_bye fails unless a
    BYE reaches the caller."""
    s = caller(tmp_path, cb, "uac_wait_bye", "+15550105")
    sipp_ok(s)
    assert any(f.startswith("BYE ") for f, _ in received(s))
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)
    assert 2500 <= a["ended_ms"] - a["answered_ms"] < 6000, a
    rec = records(simnet)[0]
    assert rec["cause"] == "hangup", rec


# --- 6. hold and resume ----------------------------------------------------

def test_hold_is_passed_to_the_far_side(tmp_path, procs):
    """The caller holds (sendonly) and resumes (sendrecv); the trunk, a
    SIPp UAS, must get both re-INVITEs with the same directions."""
    trunk = cbtest.Sipp(str(tmp_path), scen("uas_hold"), name="trunk",
                        args=["-m", "1"])
    procs.append(trunk)
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=trunk.port)
    procs.append(cb)
    s = caller(tmp_path, cb, "uac_hold", "+15550100", ["-d", "1500"])
    procs.append(s)
    call = one_call(cb)
    cbtest.wait_for(lambda: leg_now(cb, call["id"], "inbound")["state"]
                    == "answered", what="answered")
    cbtest.wait_for(lambda: leg_now(cb, call["id"], "inbound")["state"]
                    == "held", what="held")
    cbtest.wait_for(lambda: leg_now(cb, call["id"], "inbound")["state"]
                    == "answered", what="answered again")
    sipp_ok(s)
    sipp_ok(trunk)
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)


# --- 7. early media --------------------------------------------------------

def test_early_media_reaches_the_caller_before_answer(tmp_path, procs, cb,
                                                     simnet):
    """+15550106 sends 183 with SDP and ringback for 2 s, then answers."""
    s = caller(tmp_path, cb, "uac_media", "+15550106", ["-d", "1000"])
    procs.append(s)
    call = one_call(cb)
    early = cbtest.wait_for(
        lambda: (lambda l: l if l["state"] == "early" and
                 l["rtp"]["tx"] > 0 else None)(
            leg_now(cb, call["id"], "inbound")),
        timeout=5, what="RTP to the caller during early media")
    assert early["answered_ms"] == 0
    sipp_ok(s)
    firsts = [f for f, _ in received(s)]
    sdp183 = [i for i, (f, t) in enumerate(received(s))
              if f.startswith("SIP/2.0 183") and "m=audio" in t]
    ok200 = [i for i, f in enumerate(firsts) if f.startswith("SIP/2.0 200")]
    assert sdp183 and ok200 and sdp183[0] < ok200[0], firsts
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)


# --- 8. trunk digest authentication ---------------------------------------

@pytest.mark.parametrize("password,works", [("s3cret", True),
                                            ("wrong", False)])
def test_trunk_digest(tmp_path, procs, password, works):
    sim = cbtest.Simnet(str(tmp_path), args=["--auth", "carrier:s3cret"])
    procs.append(sim)
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=sim.port, extra=[
        "trunk.username carrier", "trunk.password " + password])
    procs.append(cb)
    if works:
        s = caller(tmp_path, cb, "uac_media", "+15550100", ["-d", "500"])
    else:
        s = caller(tmp_path, cb, "uac_fail", "+15550100",
                   ["-set", "expect", "603"])
    sipp_ok(s)
    a, b = legs(ended_calls(cb)[0])
    if works:
        assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)
        rec = records(sim)[0]
        assert rec["code"] == 200 and rec["cause"] == "bye", rec
    else:
        # the carrier refuses the wrong answer with 403: cause rejected,
        # and the caller gets the status of that cause (603)
        assert b["sip_status"] == 403 and b["cause"] == "rejected", b
        assert a["cause"] == "rejected", a
        rec = records(sim)[0]
        assert rec["cause"] == "auth" and rec["code"] == 403, rec


# --- 9. concurrency --------------------------------------------------------

def test_twenty_concurrent_calls(tmp_path, procs, cb, simnet):
    s = cbtest.Sipp(str(tmp_path), scen("uac_media"),
                    target="127.0.0.1:%d" % cb.sip_port, name="load",
                    args=["-s", "+15550100", "-l", "20", "-m", "20",
                          "-r", "20", "-d", "3000"])
    procs.append(s)

    def all_talking():
        calls = cb.calls()
        return len(calls) == 20 and all(l["state"] == "answered"
                                        for c in calls for l in c["legs"])
    cbtest.wait_for(all_talking, timeout=15, interval=0.1,
                    what="20 calls talking at once")
    sipp_ok(s, 60)
    st = s.stats()
    assert st.get("SuccessfulCall(C)") == "20", st
    assert st.get("FailedCall(C)") == "0", st
    calls = ended_calls(cb, 20)
    causes = {l["cause"] for c in calls for l in c["legs"]}
    assert causes == {"normal"}, causes
    for c in calls:
        for leg in legs(c):
            assert_rtp_both_ways(leg, 10)
    recs = records(simnet, 20)
    assert {r["cause"] for r in recs} == {"bye"}, recs


# --- 10. transports ---------------------------------------------------------

def test_call_over_tcp(tmp_path, cb, simnet):
    s = caller(tmp_path, cb, "uac_media", "+15550100",
               ["-t", "t1", "-d", "500"])
    sipp_ok(s)
    assert final_status(s) == 200
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)
    assert_rtp_both_ways(a, 5)


def test_call_over_ipv6(tmp_path, procs):
    """Everything on ::1: the caller, callbridge, the trunk and the RTP."""
    p6 = cbtest.free_port()
    sim = cbtest.Simnet(str(tmp_path), args=[
        "--listen", "udp:[::1]:%d" % p6, "--rtp-addr", "::1"])
    procs.append(sim)
    cb = cbtest.Callbridge(str(tmp_path), ipv6=True, extra=[
        "trunk.host [::1]", "trunk.port %d" % p6])
    procs.append(cb)
    assert cbtest.sip_options(cb.sip_port, "::1") == 200
    s = caller(tmp_path, cb, "uac_media", "+15550100",
               ["-i", "::1", "-mi", "::1", "-d", "500"], host="::1")
    sipp_ok(s)
    assert "IN IP6 ::1" in s.messages()
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)
    assert_rtp_both_ways(a, 5)
    assert records(sim)[0]["code"] == 200


# --- 11. API origination ---------------------------------------------------

def test_api_originate_bridge_and_delete(tmp_path, cb, simnet):
    st, call = cb.api("POST", "/v1/calls", {"to": "+15550100",
                                            "bridge_to": "+15550101"})
    assert st == 201, call
    cid = call["id"]

    def bridged():
        c = cb.call(cid)
        if c and len(c["legs"]) == 2 and all(
                l["state"] == "answered" and l["rtp"]["rx"] > 10 and
                l["rtp"]["tx"] > 10 for l in c["legs"]):
            return c
        return None
    c = cbtest.wait_for(bridged, timeout=10, what="both legs talking")
    assert {l["peer"] for l in c["legs"]} == {"+15550100", "+15550101"}
    assert all(l["direction"] == "outbound" for l in c["legs"])

    st, body = cb.api("DELETE", "/v1/calls/" + cid)
    assert st == 200, body
    c = cb.wait_call_state(cid, lambda c: all(l["state"] == "ended"
                                              for l in c["legs"]),
                           what="both legs ended")
    assert [l["cause"] for l in c["legs"]] == ["normal", "normal"], c
    recs = records(simnet, 2)
    assert sorted(r["number"] for r in recs) == ["+15550100", "+15550101"]
    assert {r["cause"] for r in recs} == {"bye"}, recs


def assert_error(st, body, status, code, field=None):
    assert st == status, body
    err = body["error"]
    assert err["code"] == code and err["message"], body
    if field:
        assert err["field"] == field, body


def test_api_errors(cb):
    st, body = cb.api("POST", "/v1/calls", {"to": "nobody-here"})
    assert_error(st, body, 422, "invalid_destination", "to")
    st, body = cb.api("POST", "/v1/calls", {"from": "+15550199"})
    assert_error(st, body, 400, "missing_field", "to")
    st, body = cb.api("POST", "/v1/calls", raw=b'{"to": "+15550100",')
    assert_error(st, body, 400, "invalid_json")
    st, body = cb.api("GET", "/v1/nothing/here")
    assert_error(st, body, 404, "not_found")
    st, body = cb.api("DELETE", "/v1/calls/c-no-such-call")
    assert_error(st, body, 404, "not_found")
    assert cb.calls() == []


# --- 12. DTMF ---------------------------------------------------------------

def test_dtmf_info_and_rfc4733_reach_the_far_side(tmp_path, cb, simnet):
    """INFO Signal=5 is answered 200 and sent on as RFC 4733; the caller's
    in-band telephone-event 1 is relayed: the far side hears "5" then
    "1"."""
    s = caller(tmp_path, cb, "uac_dtmf", "+15550100", ["-d", "1000"])
    sipp_ok(s)
    a, b = legs(ended_calls(cb)[0])
    assert a["cause"] == "normal" and b["cause"] == "normal", (a, b)
    rec = records(simnet)[0]
    assert rec["dtmf"] == "51", rec


# --- the trunk's line limit --------------------------------------------------

def test_trunk_line_limit_gives_unavailable(tmp_path, procs, simnet):
    """trunk.max_calls 1: while one call rings on the trunk, a second is
    refused at once with 503 (cause unavailable) and never sent out."""
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["trunk.max_calls 1"])
    procs.append(cb)
    st, first = cb.api("POST", "/v1/calls", {"to": "+15550103"})
    assert st == 201, first
    cb.wait_call_state(first["id"], lambda c: c["legs"][0]["state"] ==
                       "ringing", what="first call ringing on the trunk")

    s = caller(tmp_path, cb, "uac_fail", "+15550100", ["-set", "expect",
                                                       "503"])
    sipp_ok(s)
    refused = [c for c in cb.ended_calls() if c["id"] != first["id"]]
    assert refused, cb.calls()
    a, b = legs(refused[0])
    assert b["cause"] == "unavailable" and a["cause"] == "unavailable", \
        (a, b)
    assert a["sip_status"] == 503, a
    assert "+15550100" not in simnet.log()

    # the line comes back when the first call ends
    st, _ = cb.api("DELETE", "/v1/calls/" + first["id"])
    assert st == 200
    cb.wait_call_state(first["id"], lambda c: c["legs"][0]["state"] ==
                       "ended", what="first call to end")
    s = caller(tmp_path, cb, "uac_media", "+15550100")
    sipp_ok(s)
