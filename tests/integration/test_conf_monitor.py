"""The conference monitor (seed 004): when a conference's pre-authorized
hold nears its end, the tenant's limit policy applies.  One test per
policy, black box on the simulated network with SIPp phones:

- extend, the account rich enough: the hold is re-authorized by itself
  and the conference goes on past the first amount;
- extend, the account unable to cover more: the re-authorization is
  refused and the conference ends when the authorized amount is used,
  everyone in the bridge hearing the closing announcement first;
- ask, confirmed by DTMF: the question is played on the bridge -- a
  participant who is not the owner hears it instead of the mix, then the
  mix again -- and a SIPp participant pressing 1 (RFC 4733) re-authorizes:
  the conference goes on and the hold grows;
- ask, unanswered: the conference ends at the limit, with the
  announcement;
- cut: test_conf_money.py (test_policy_cut_ends_conference_within_the_
  hold).

What a participant hears is recorded by a UDP socket of this test that
stands for its audio (tests/sipp/calls/uas_conf.xml, as in
test_conf_audio.py): the owner, +15550101 on the simulated network,
plays a 440 Hz tone, so the mix is a pure 440 Hz tone and an
announcement is 100 ms windows that are loud but have (almost) no
440 Hz.  The money is checked against the rate table as in
test_conf_money.py."""

import time

import pytest

import cbtest
from test_conf_audio import Phone, goertzel, media_dest
from test_conf_money import conf, dial, authorize, summary_final
from test_meter import Rate, micro, money_setup, balance, ledger_ok

OWNER = "+15550101"            # answers at once, plays a 440 Hz tone
BOB = "+15550110"              # answers after 500 ms, echoes
RATE01 = Rate("0.60", "0", "0", 1, 1)      # 0.01 a second
WIN = 800                      # 100 ms at 8 kHz: 440 Hz is bin 44

pytestmark = pytest.mark.skipif(not cbtest.have("sipp"),
                                reason="needs SIPp")


def daemon(tmp_path, procs, simnet, lead):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port, extra=[
        "money.limit_lead_s %d" % lead, "money.cost_event_ms 200",
        "money.meter_persist_ms 200"])
    procs.append(cb)
    return cb


def create(cb, numbers, owner=OWNER):
    st, b = cb.api("POST", "/v1/conferences", {
        "owner": {"name": "Alice", "number": owner},
        "participants": [{"number": n} for n in numbers],
        "options": {"billing_required": True}})
    assert st == 201, b
    return b["conference"]


def kinds(samples):
    """Each 100 ms window: 'tone' (the mix: 440 Hz), 'speech' (loud
    without 440 Hz: an announcement) or '-' (quiet)"""
    out = []
    for i in range(0, len(samples) - WIN + 1, WIN):
        w = samples[i:i + WIN]
        e = sum(x * x for x in w) / WIN
        p = goertzel(w, 440.0)
        out.append("-" if e < 1e5 else "tone" if p > 0.25 * e
                   else "speech" if p < 0.05 * e else "?")
    return out


def heard(phone, since, what, n=3, timeout=15):
    """Wait until the phone has received n windows of `what` since t"""
    return cbtest.wait_for(
        lambda: kinds(phone.received_since(since)).count(what) >= n,
        timeout=timeout, what="%s heard by the participant" % what)


class SocketPhone:
    """A participant dialed at its SIP URI (SIPp) whose audio is a
    socket of the test sending 900 Hz and keeping what it receives"""

    def __init__(self, tmp_path, name):
        self.audio = Phone(900.0)
        self.sipp = cbtest.Sipp(str(tmp_path), cbtest.sipp_scenario(
            "calls", "uas_conf.xml"), args=["-key", "rtp_port",
                                           str(self.audio.port), "-m", "1"],
            name=name)
        self.uri = "sip:phone@127.0.0.1:%d" % self.sipp.port

    def start(self):
        self.audio.dest = cbtest.wait_for(lambda: media_dest(self.sipp),
                                          what="the INVITE's SDP")
        self.audio.thread.start()

    def close(self):
        self.audio.close()
        self.sipp.stop()


def in_conference(cb, cid, pid):
    cbtest.wait_for(lambda: {p["id"]: p for p in conf(cb, cid)
                             ["participants"]}[pid]["in_conference"],
                    timeout=15, what=pid + " in the conference")


def state(cb, cid, want, timeout=30):
    return cbtest.wait_for(
        lambda: (lambda c: c if c["billing"].get("state") == want
                 else None)(conf(cb, cid)), timeout=timeout,
        what="billing state " + want)


def ended(cb, cid, timeout=30):
    return cbtest.wait_for(
        lambda: (lambda c: c if c["status"] == "ended" else None)(
            conf(cb, cid)), timeout=timeout, what="the conference to end")


def start_owner_and_phone(cb, tmp_path, limit):
    """A billed conference of the owner and a socket phone (p2), both in
    the mixer and the phone hearing the owner's tone"""
    ph = SocketPhone(tmp_path, "listener")
    cid = create(cb, [ph.uri])["id"]
    b = authorize(cb, cid, {"account": "alice", "limit": limit})
    dial(cb, cid, "p2")
    in_conference(cb, cid, "p2")
    ph.start()
    dial(cb, cid, "p1")
    in_conference(cb, cid, "p1")
    heard(ph.audio, time.monotonic(), "tone")       # the mix
    return cid, ph, micro(b["billing"]["held"])


def test_extend_reauthorizes_and_goes_on(tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet, lead=2)
    money_setup(cb, RATE01, ["hold_max=0.04", "conf_min=0"])
    before = balance(cb, "alice")
    cid = create(cb, [BOB], owner=BOB)["id"]
    b = authorize(cb, cid, {"account": "alice"})
    assert b["billing"]["policy"] == "extend"
    assert micro(b["billing"]["held"]) == micro("0.04")
    dial(cb, cid, "p1")
    dial(cb, cid, "p2")
    # the owner alone is billed beyond 4 s = 0.04: the hold grew first
    c = cbtest.wait_for(lambda: (lambda c: c if c["participants"][0]
                                 ["billed_s"] >= 6 else None)(
        conf(cb, cid)), timeout=20, what="the owner billed 6 s")
    assert c["status"] == "active"
    assert c["billing"]["state"] == "open"
    assert micro(c["billing"]["held"]) >= micro("0.08"), c["billing"]
    assert all(p["status"] == "connected" for p in c["participants"])
    assert cb.api("POST", "/v1/conferences/%s/end" % cid)[0] == 200
    body = summary_final(cb, cid)
    assert micro(body["total"]) > micro("0.04")
    assert before - balance(cb, "alice") == micro(body["total"])
    ledger_ok(cb)


def test_extend_refused_ends_at_the_limit_with_announcement(
        tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet, lead=2)
    money_setup(cb, RATE01, ["hold_max=0.06", "conf_min=0"],
                {"alice": "0.06"})                 # cannot cover more
    ph = None
    try:
        cid, ph, held = start_owner_and_phone(cb, tmp_path, "extend")
        assert held == micro("0.06")
        c = cbtest.wait_for(lambda: (lambda c: c if c["billing"].get(
            "state") not in ("open", "extending") else None)(
                conf(cb, cid)), timeout=20, what="the limit")
        t = time.monotonic()
        assert c["billing"]["state"] == "final", c["billing"]
        assert c["status"] == "active"      # not yet: at the limit
        c = ended(cb, cid)
        causes = {p["id"]: p["cause"] for p in c["participants"]}
        assert causes == {"p1": "credit-exhausted",
                          "p2": "credit-exhausted"}, causes
        # the closing announcement went to the bridge before the end
        got = kinds(ph.audio.received_since(t))
        assert got.count("speech") >= 5, got
        assert ph.sipp.wait(20) == 0, ph.sipp.errors()
    finally:
        if ph:
            ph.close()
    body = summary_final(cb, cid)
    total = micro(body["total"])
    assert 0 < total <= micro("0.06"), body
    assert micro("0.06") - balance(cb, "alice") == total
    ledger_ok(cb)


def test_ask_on_the_bridge_confirmed_by_dtmf_from_sipp(tmp_path, procs,
                                                       simnet):
    cb = daemon(tmp_path, procs, simnet, lead=10)
    money_setup(cb, RATE01, ["hold_max=0.15", "conf_min=0"])
    before = balance(cb, "alice")
    presser = cbtest.Sipp(str(tmp_path), cbtest.sipp_scenario(
        "calls", "uas_dtmf1.xml"), args=["-d", "1000", "-m", "1"],
        name="presser")
    ph = None
    try:
        cid, ph, held = start_owner_and_phone(cb, tmp_path, "ask")
        assert held == micro("0.15")
        st, p = cb.api("POST", "/v1/conferences/%s/participants" % cid,
                       {"name": "Presser", "number":
                        "sip:phone@127.0.0.1:%d" % presser.port})
        assert st == 201, p
        c = state(cb, cid, "asking", timeout=20)
        t_ask = time.monotonic()
        assert micro(c["billing"]["held"]) == micro("0.15")
        # p2 is not the owner: it hears the question instead of the mix,
        # then the mix again
        heard(ph.audio, t_ask - 0.5, "speech", timeout=6)
        assert conf(cb, cid)["billing"]["state"] == "asking"
        t_q = time.monotonic()
        heard(ph.audio, t_q, "tone", timeout=6)
        assert conf(cb, cid)["billing"]["state"] == "asking"
        # a participant who is neither the owner nor the one asked first
        # joins and presses 1 (RFC 4733) a second after answering
        dial(cb, cid, p["id"])
        c = cbtest.wait_for(
            lambda: (lambda c: c if c["billing"]["state"] == "open"
                     else None)(conf(cb, cid)), timeout=8,
            what="the DTMF 1 to re-authorize")
        assert micro(c["billing"]["held"]) == micro("0.30"), c["billing"]
        assert c["status"] == "active"
        # the conference goes on past the first hold (15 s of the owner)
        c = cbtest.wait_for(lambda: (lambda c: c if c["participants"][0]
                                     ["billed_s"] >= 16 else None)(
            conf(cb, cid)), timeout=20, what="the owner billed 16 s")
        assert c["status"] == "active"
        assert all(x["status"] == "connected" for x in c["participants"])
        assert cb.api("POST", "/v1/conferences/%s/end" % cid)[0] == 200
        assert presser.wait(20) == 0, presser.errors()
    finally:
        if ph:
            ph.close()
        presser.stop()
    body = summary_final(cb, cid)
    assert micro(body["total"]) > micro("0.15")
    assert before - balance(cb, "alice") == micro(body["total"])
    ledger_ok(cb)


def test_ask_unanswered_ends_at_the_limit_with_announcement(
        tmp_path, procs, simnet):
    cb = daemon(tmp_path, procs, simnet, lead=5)
    money_setup(cb, RATE01, ["hold_max=0.08", "conf_min=0"])
    before = balance(cb, "alice")
    ph = None
    try:
        cid, ph, held = start_owner_and_phone(cb, tmp_path, "ask")
        state(cb, cid, "asking", timeout=20)
        heard(ph.audio, time.monotonic() - 0.5, "speech")   # the question
        assert conf(cb, cid)["billing"]["state"] == "asking"
        c = cbtest.wait_for(lambda: (lambda c: c if c["billing"].get(
            "state") != "asking" else None)(conf(cb, cid)), timeout=10,
            what="the limit")
        t = time.monotonic()
        assert c["billing"]["state"] == "final", c["billing"]
        c = ended(cb, cid)
        causes = {p["id"]: p["cause"] for p in c["participants"]}
        assert causes == {"p1": "credit-exhausted",
                          "p2": "credit-exhausted"}, causes
        got = kinds(ph.audio.received_since(t))
        assert got.count("speech") >= 5, got       # the announcement
        assert ph.sipp.wait(20) == 0, ph.sipp.errors()
    finally:
        if ph:
            ph.close()
    body = summary_final(cb, cid)
    total = micro(body["total"])
    assert 0 < total <= micro("0.08"), body
    assert before - balance(cb, "alice") == total
    ledger_ok(cb)
