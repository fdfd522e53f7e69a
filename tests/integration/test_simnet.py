"""The simulated phone network (cb-simnet) on its own, driven by SIPp
(tests/sipp/simnet/*.xml) and by a minimal SIP/RTP caller written here for
what SIPp cannot check: that the echo returns the caller's own audio, that
the tone is 440 Hz, that hold stops the echo, which codec is answered.

Outcomes are read where a user of simnet reads them: the SIP responses a
caller gets, the RTP it receives, and simnet's stats file / log lines.
Every wait polls with a deadline; nothing sleeps to synchronise."""

import json
import math
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import time

import pytest

import cbtest

SIMNET = os.path.join(cbtest.BUILD, "cb-simnet")


def scenario(name):
    return cbtest.sipp_scenario("simnet", name + ".xml")


def run_sipp(tmp_path, target, name, args, wait=True):
    """cbtest.Sipp with a checked media port, retried if SIPp still
    finds it taken (a race with other processes)."""
    for _ in range(3):
        s = cbtest.Sipp(str(tmp_path), scenario(name), target=target,
                        args=args, name=name, mport=cbtest.free_media_port())
        if not wait:
            return s
        s.rc = s.wait(60)
        if s.rc == 0 or "Unable to bind" not in s.errors():
            return s
    return s


def sipp(tmp_path, sim, name, number, *args, transport="u1", wait=True):
    return run_sipp(tmp_path, "127.0.0.1:%d" % sim.port, name,
                    ["-t", transport, "-s", number, "-m", "1",
                     "-trace_logs"] + list(args), wait)


def sipp_logs(s):
    txt = ""
    for fn in os.listdir(s.dir):
        if fn.endswith("_logs.log"):
            with open(os.path.join(s.dir, fn)) as f:
                txt += f.read()
    return txt


def record(sim, number, timeout=10):
    """The stats-file record of the (last) finished call to number."""
    def find():
        recs = [r for r in sim.finished() if r["number"] == number]
        return recs[-1] if recs else None
    return cbtest.wait_for(find, timeout=timeout,
                           what="stats record for " + number)


def log_lines(sim, msg):
    return [l for l in sim.log().splitlines() if 'msg="%s"' % msg in l]


def logfmt(line):
    """Parse one logfmt line into a dict (quoted values unescaped)."""
    out = {}
    for m in re.finditer(r'(\w+)=("((?:[^"\\]|\\.)*)"|\S*)', line):
        out[m.group(1)] = (re.sub(r"\\(.)", r"\1", m.group(3))
                           if m.group(3) is not None else m.group(2))
    return out


# --- a minimal caller: SIP over UDP plus one RTP socket ------------------

def alaw_to_lin(a):
    a ^= 0x55
    t = (a & 0x0f) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


def ulaw_to_lin(u):
    u = ~u & 0xff
    t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)
    return 0x84 - t if u & 0x80 else t - 0x84


def goertzel(samples, freq, rate=8000):
    w = 2 * math.pi * freq / rate
    c = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2


class Msg:
    def __init__(self, data):
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        self.first = lines[0]
        self.hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            self.hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        parts = self.first.split(" ", 2)
        self.code = int(parts[1]) if parts[0] == "SIP/2.0" else None
        self.method = parts[0] if self.code is None else None
        self.t = time.monotonic()

    def hdr(self, name):
        v = self.hdrs.get(name.lower())
        return v[0] if v else None

    def cseq(self):
        n, m = self.hdr("CSeq").split()
        return int(n), m

    def sdp_media(self):
        """(ip, port, [payload types], direction) of the audio line."""
        body = self.body.decode()
        ip = re.search(r"c=IN IP[46] (\S+)", body).group(1)
        m = re.search(r"m=audio (\d+) RTP/AVP ([\d ]+)", body)
        d = re.search(r"a=(sendrecv|sendonly|recvonly|inactive)", body)
        return (ip, int(m.group(1)), [int(x) for x in m.group(2).split()],
                d.group(1) if d else "sendrecv")


class Caller:
    """Places one call to simnet over UDP and exchanges RTP with it."""

    RTPMAP = {0: "PCMU/8000", 8: "PCMA/8000", 18: "G729/8000",
              101: "telephone-event/8000"}

    def __init__(self, port):
        self.dst = ("127.0.0.1", port)
        self.sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sip.bind(("127.0.0.1", 0))
        self.lport = self.sip.getsockname()[1]
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.rtp_port = self.rtp.getsockname()[1]
        self.callid = "%016x@pytest" % random.getrandbits(64)
        self.tag = "%08x" % random.getrandbits(32)
        self.to_tag = None
        self.cseq = 0
        self.number = None
        self.contact = None
        self.remote = None          # (ip, port) of simnet's RTP
        self.seq = random.getrandbits(16)
        self.ts = random.getrandbits(32)
        self.ssrc = random.getrandbits(32)
        self.seen = set()

    def close(self):
        self.sip.close()
        self.rtp.close()

    def sdp(self, pts=(8, 0, 101), direction=None):
        lines = ["v=0", "o=pytest 1 %d IN IP4 127.0.0.1" % self.cseq, "s=-",
                 "c=IN IP4 127.0.0.1", "t=0 0",
                 "m=audio %d RTP/AVP %s" % (self.rtp_port,
                                            " ".join(map(str, pts)))]
        lines += ["a=rtpmap:%d %s" % (pt, self.RTPMAP[pt]) for pt in pts]
        if direction:
            lines.append("a=" + direction)
        return ("\r\n".join(lines) + "\r\n").encode()

    def send(self, method, cseq, branch, body=b"", ctype=None, uri=None):
        uri = uri or "sip:%s@127.0.0.1:%d" % (self.number, self.dst[1])
        to = "<sip:%s@127.0.0.1:%d>" % (self.number, self.dst[1])
        if self.to_tag and method != "CANCEL":
            to += ";tag=" + self.to_tag
        lines = ["%s %s SIP/2.0" % (method, uri),
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport"
                 % (self.lport, branch),
                 "From: <sip:pytest@127.0.0.1:%d>;tag=%s" % (self.lport,
                                                            self.tag),
                 "To: " + to, "Call-ID: " + self.callid,
                 "CSeq: %d %s" % (cseq, method),
                 "Contact: <sip:pytest@127.0.0.1:%d>" % self.lport,
                 "Max-Forwards: 70"]
        if ctype:
            lines.append("Content-Type: " + ctype)
        lines.append("Content-Length: %d" % len(body))
        self.sip.sendto(("\r\n".join(lines) + "\r\n\r\n").encode() + body,
                        self.dst)

    def recv(self, timeout):
        """Next new SIP response (requests from simnet are answered)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no SIP response from simnet")
            r, _, _ = select.select([self.sip], [], [], left)
            if not r:
                continue
            m = Msg(self.sip.recv(65535))
            if m.method:
                self.answer_request(m)
                continue
            key = (m.cseq(), m.code)
            if key in self.seen:
                continue            # retransmission
            self.seen.add(key)
            return m

    def poll_request(self):
        """A request simnet sent us (answered 200), or None for now."""
        r, _, _ = select.select([self.sip], [], [], 0.05)
        if r:
            m = Msg(self.sip.recv(65535))
            if m.method:
                self.answer_request(m)
                return m
        return None

    def answer_request(self, m):
        vias = "\r\n".join("Via: " + v for v in m.hdrs["via"])
        resp = ("SIP/2.0 200 OK\r\n%s\r\nFrom: %s\r\nTo: %s\r\n"
                "Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n"
                % (vias, m.hdr("From"), m.hdr("To"), m.hdr("Call-ID"),
                   m.hdr("CSeq")))
        self.sip.sendto(resp.encode(), self.dst)
        self.last_request = m

    def invite(self, number=None, body=None, timeout=10, ack_body=None):
        """INVITE (or re-INVITE); returns the responses up to the final
        one, which is ACKed (with ack_body: the answer to a late offer)."""
        if number:
            self.number = number
        self.cseq += 1
        cseq = self.cseq
        branch = "z9hG4bK%x" % random.getrandbits(48)
        self.send("INVITE", cseq, branch, body or b"",
                  "application/sdp" if body else None)
        resps = []
        while True:
            m = self.recv(timeout)
            if m.cseq() != (cseq, "INVITE"):
                continue
            resps.append(m)
            if m.code >= 200:
                break
        final = resps[-1]
        if not self.to_tag:
            tag = re.search(r";tag=([^;>\s]+)", final.hdr("To"))
            self.to_tag = tag.group(1) if tag else None
        if final.code < 300:
            self.contact = re.search(r"<([^>]+)>",
                                     final.hdr("Contact")).group(1)
            ip, port, _, _ = final.sdp_media()
            self.remote = (ip, port)
            self.send("ACK", cseq, "z9hG4bK%x" % random.getrandbits(48),
                      ack_body or b"",
                      "application/sdp" if ack_body else None,
                      uri=self.contact)
        else:
            self.send("ACK", cseq, branch)
        return resps

    def bye(self):
        self.cseq += 1
        self.send("BYE", self.cseq, "z9hG4bK%x" % random.getrandbits(48),
                  uri=self.contact)
        while self.recv(5).cseq() != (self.cseq, "BYE"):
            pass

    def rtp_send(self, payload, pt=8):
        self.seq = (self.seq + 1) & 0xffff
        self.ts = (self.ts + len(payload)) & 0xffffffff
        hdr = struct.pack("!BBHII", 0x80, pt, self.seq, self.ts, self.ssrc)
        self.rtp.sendto(hdr + payload, self.remote)

    def rtp_recv(self, count, timeout):
        """Up to count RTP packets: (pt, seq, ts, ssrc, payload)."""
        pkts = []
        deadline = time.monotonic() + timeout
        while len(pkts) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.rtp], [], [], left)
            if not r:
                break
            data = self.rtp.recv(2048)
            b0, b1, seq, ts, ssrc = struct.unpack("!BBHII", data[:12])
            pkts.append((b1 & 0x7f, seq, ts, ssrc, data[12:]))
        return pkts

    def rtp_drain(self):
        self.rtp.setblocking(False)
        try:
            while True:
                self.rtp.recv(2048)
        except BlockingIOError:
            pass
        finally:
            self.rtp.setblocking(True)


@pytest.fixture
def caller(simnet):
    c = Caller(simnet.port)
    yield c
    c.close()


# --- SIPp: the dial plan --------------------------------------------------

@pytest.mark.parametrize("number,code,cause", [
    ("+15550102", 486, "busy"),
    ("+15550104", 404, "reject"),
    ("+15550107", 503, "reject"),
    ("+15550108", 603, "reject"),
    ("+4930123456", 404, "reject"),
    ("15550102", 486, "busy"),          # without '+'
])
def test_refused_numbers(tmp_path, simnet, number, code, cause):
    s = sipp(tmp_path, simnet, "call_reject", number)
    assert s.rc == 0, s.errors()
    assert "final=%d" % code in sipp_logs(s)
    r = record(simnet, number)
    assert (r["code"], r["cause"], r["duration_ms"]) == (code, cause, 0)


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_echo_call_audio_reaches_far_end(tmp_path, simnet, transport):
    """+15550100 rings 1 s, answers, echoes; SIPp plays audio and the RFC
    4733 digits 1 # 1."""
    s = sipp(tmp_path, simnet, "call_echo", "+15550100", "-d", "1500",
             transport=transport)
    assert s.rc == 0, s.errors()
    r = record(simnet, "+15550100")
    assert r["cause"] == "bye" and r["code"] == 200
    assert r["transport"] == {"u1": "udp", "t1": "tcp"}[transport]
    assert r["codec"] == "PCMA"
    assert r["rtp_rx"] > 20 and r["rtp_tx"] > 20, r
    assert r["dtmf"] == "1#1"
    assert r["duration_ms"] >= 1500
    line = [l for l in log_lines(simnet, "call-end")
            if "number=+15550100" in l][-1]
    assert logfmt(line)["dtmf"] == "1#1"
    assert len([l for l in log_lines(simnet, "dtmf")
                if "digit=1" in l]) == 2


def test_ringing_time_before_answer(tmp_path, simnet, caller):
    """delay=1000 for +15550100: 180 at once, 200 one second later."""
    resps = caller.invite("+15550100", caller.sdp())
    codes = [m.code for m in resps]
    assert codes[-1] == 200 and 180 in codes, codes
    ringing = [m for m in resps if m.code == 180][0]
    assert 0.9 <= resps[-1].t - ringing.t <= 2.0
    caller.bye()


def test_cancel_while_ringing(tmp_path, simnet):
    s = sipp(tmp_path, simnet, "call_cancel", "+15550103")
    assert s.rc == 0, s.errors()
    r = record(simnet, "+15550103")
    assert (r["cause"], r["code"], r["duration_ms"]) == ("cancel", 487, 0)


def test_network_hangs_up_after_3s(tmp_path, simnet):
    s = sipp(tmp_path, simnet, "call_remote_bye", "+15550105")
    assert s.rc == 0, s.errors()
    r = record(simnet, "+15550105")
    assert r["cause"] == "hangup" and r["code"] == 200
    assert 2900 <= r["duration_ms"] <= 4000, r
    assert r["rtp_rx"] > 0 and r["rtp_tx"] > 0


def test_early_media_sipp(tmp_path, simnet):
    s = sipp(tmp_path, simnet, "call_early", "+15550106", "-d", "500")
    assert s.rc == 0, s.errors()
    r = record(simnet, "+15550106")
    # ringback for 2 s before the answer, then the echo
    assert r["rtp_tx"] >= 90 + r["rtp_rx"] // 2, r


def test_hold_and_resume_sipp(tmp_path, simnet):
    s = sipp(tmp_path, simnet, "call_hold", "+15550142", "-d", "600")
    assert s.rc == 0, s.errors()
    r = record(simnet, "+15550142")
    assert r["cause"] == "bye"
    assert log_lines(simnet, "held") and log_lines(simnet, "resumed")


def test_info_dtmf(tmp_path, simnet):
    s = sipp(tmp_path, simnet, "call_info", "+15550150")
    assert s.rc == 0, s.errors()
    assert record(simnet, "+15550150")["dtmf"] == "42"


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_options(tmp_path, simnet, transport):
    s = sipp(tmp_path, simnet, "options", "ping", transport=transport)
    assert s.rc == 0, s.errors()


def test_many_concurrent_calls(tmp_path, simnet):
    s = run_sipp(tmp_path, "127.0.0.1:%d" % simnet.port, "call_echo",
                 ["-s", "+15550177", "-m", "40", "-r", "20", "-l", "40",
                  "-d", "500"])
    assert s.rc == 0, s.errors()
    recs = cbtest.wait_for(lambda: (lambda r: r if len(r) == 40 else None)(
        [r for r in simnet.finished() if r["number"] == "+15550177"]),
        what="40 records")
    assert all(r["cause"] == "bye" and r["dtmf"] == "1#1" for r in recs)
    assert len({r["callid"] for r in recs}) == 40


# --- SIPp: options ---------------------------------------------------------

def test_auth_challenge_and_credentials(tmp_path, procs):
    sim = cbtest.Simnet(str(tmp_path), ["--auth", "trunk:s3cret"])
    procs.append(sim)
    s = sipp(tmp_path, sim, "call_auth", "+15550100", "-au", "trunk",
             "-ap", "s3cret", "-d", "300")
    assert s.rc == 0, s.errors()
    assert record(sim, "+15550100")["code"] == 200

    s = sipp(tmp_path, sim, "call_auth", "+15550101", "-au", "trunk",
             "-ap", "wrong", "-d", "300")
    assert s.rc != 0
    r = record(sim, "+15550101")
    assert (r["cause"], r["code"]) == ("auth", 403)

    # no credentials at all: challenged, never answered
    s = sipp(tmp_path, sim, "call_reject", "+15550100")
    assert s.rc != 0
    assert "407 Proxy Authentication Required" in s.messages()
    assert 'realm="simnet"' in s.messages()


def test_max_calls_and_shutdown_ends_calls(tmp_path, procs):
    sim = cbtest.Simnet(str(tmp_path), ["--max-calls", "1", "--rule",
                                        "+15550160", "answer"])
    procs.append(sim)
    # a call that stays up until the network hangs up
    held = sipp(tmp_path, sim, "call_remote_bye", "+15550160", wait=False)

    def established():
        # SIGUSR1 logs one line per live call with its state as cause
        sim.p.send_signal(signal.SIGUSR1)
        return [l for l in log_lines(sim, "call-stat")
                if "state=active" in l and "cause=established" in l]
    line = cbtest.wait_for(established, what="established call")[0]
    assert logfmt(line)["number"] == "+15550160"

    s = sipp(tmp_path, sim, "call_reject", "+15550161")
    assert s.rc == 0 and "final=503" in sipp_logs(s), s.errors()
    assert record(sim, "+15550161")["cause"] == "limit"

    # shutdown: the live call gets a BYE, SIPp answers it and succeeds
    assert sim.stop() == 0
    assert held.wait(30) == 0, held.errors()
    r = [r for r in sim.finished() if r["number"] == "+15550160"][0]
    assert r["cause"] == "shutdown" and r["code"] == 200


def test_rule_overrides(tmp_path, procs):
    sim = cbtest.Simnet(str(tmp_path), [
        "--rule", "+15550104", "busy,code=600",
        "--rule", "+15550109", "busy,delay=300",
        "--rule", "+4930", "answer,audio=none"])
    procs.append(sim)
    s = sipp(tmp_path, sim, "call_reject", "+15550104")
    assert "final=600" in sipp_logs(s), s.errors()
    s = sipp(tmp_path, sim, "call_reject", "+15550109")
    assert "final=486" in sipp_logs(s), s.errors()
    assert "SIP/2.0 180 Ringing" in s.messages()      # rang first
    s = sipp(tmp_path, sim, "call_echo", "+4930123", "-d", "300")
    assert s.rc == 0, s.errors()
    r = record(sim, "+4930123")
    assert r["rtp_rx"] > 0 and r["rtp_tx"] == 0      # audio=none
    s = sipp(tmp_path, sim, "call_reject", "+15550102")
    assert "final=486" in sipp_logs(s)                # built-in kept


@pytest.mark.parametrize("argv", [
    ["--rule", "+1555", "explode"],
    ["--rule", "+1555", "answer,delay=soon"],
    ["--rule", "+1555", "answer,code=404"],
    ["--rule", "12a", "busy"],
    ["--listen", "sctp:127.0.0.1:5080"],
    ["--rtp-ports", "5000-4000"],
    ["--auth", "nopassword"],
    ["stray"],
])
def test_bad_command_line(argv):
    p = subprocess.run([SIMNET] + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    assert p.returncode == 2
    assert b"cb-simnet:" in p.stderr or b"try cb-simnet" in p.stderr


def test_port_in_use(simnet):
    p = subprocess.run([SIMNET, "--listen", "udp:127.0.0.1:%d" %
                        simnet.port], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    assert p.returncode == 1
    assert b"cannot listen on udp:127.0.0.1:%d" % simnet.port in p.stderr


def test_help_lists_the_dial_plan():
    out = subprocess.run([SIMNET, "--help"], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    assert "+15550106     answer,early=2000,audio=echo" in out
    assert "--max-calls" in out


def test_ipv6(tmp_path, procs):
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    port = cbtest.free_port()
    lo, hi = cbtest.rtp_range()
    sim = cbtest.Proc("simnet6", [SIMNET, "--listen", "udp:[::1]:%d" % port,
                                  "--rtp-ports", "%d-%d" % (lo, hi),
                                  "--stats-file",
                                  str(tmp_path / "s6.jsonl")],
                      str(tmp_path))
    procs.append(sim)
    cbtest.wait_for(lambda: "ready" in sim.log(), what="simnet ready")
    s = run_sipp(tmp_path, "[::1]:%d" % port, "call_echo",
                 ["-i", "::1", "-mi", "::1", "-s", "+15550100", "-m", "1",
                  "-d", "500"])
    assert s.rc == 0, s.errors()
    recs = cbtest.wait_for(lambda: [json.loads(l) for l in open(
        tmp_path / "s6.jsonl")] if os.path.exists(tmp_path / "s6.jsonl")
        else None, what="IPv6 record")
    assert recs[0]["rtp_rx"] > 0 and recs[0]["rtp_tx"] > 0
    assert sim.stop() == 0
    assert "Sanitizer" not in open(sim.log_path).read()


# --- the minimal caller: what the audio actually is -----------------------

def test_echo_returns_the_callers_audio(simnet, caller):
    resps = caller.invite("+15550123", caller.sdp())
    assert resps[-1].code == 200
    sent = [bytes([(i * 7 + k) & 0xff for k in range(160)])
            for i in range(30)]
    for p in sent:
        caller.rtp_send(p)
    got = caller.rtp_recv(30, timeout=5)
    assert sorted(p[4] for p in got) == sorted(sent)
    assert {p[0] for p in got} == {8}
    assert len({p[3] for p in got}) == 1            # one SSRC, not ours
    assert got[0][3] != caller.ssrc
    seqs = [p[1] for p in got]
    assert all((b - a) & 0xffff == 1 for a, b in zip(seqs, seqs[1:]))
    stamps = [p[2] for p in got]
    assert all((b - a) & 0xffffffff == 160 for a, b in zip(stamps,
                                                           stamps[1:]))
    caller.bye()
    r = record(simnet, "+15550123")
    assert r["rtp_rx"] == 30 and r["rtp_tx"] == 30


def test_tone_is_440hz(simnet, caller):
    resps = caller.invite("+15550101", caller.sdp(pts=(0, 8)))
    assert resps[-1].code == 200
    assert resps[-1].sdp_media()[2] == [0]          # PCMU, first offered
    pkts = caller.rtp_recv(25, timeout=5)
    caller.bye()
    assert len(pkts) == 25 and {p[0] for p in pkts} == {0}
    samples = [ulaw_to_lin(b) for p in pkts for b in p[4]]
    e440 = goertzel(samples, 440)
    for f in (350, 480, 620, 1000):
        assert e440 > 100 * goertzel(samples, f), f
    peak = max(abs(x) for x in samples)
    assert 4000 < peak < 20000


def test_codec_choice_and_488(simnet, caller):
    resps = caller.invite("+15550124", caller.sdp(pts=(0, 8, 101)))
    assert resps[-1].code == 200
    assert resps[-1].sdp_media()[2] == [0, 101]
    caller.bye()
    c2 = Caller(simnet.port)
    try:
        resps = c2.invite("+15550125", c2.sdp(pts=(18,)))
        assert resps[-1].code == 488
    finally:
        c2.close()
    r = record(simnet, "+15550125")
    assert (r["cause"], r["code"]) == ("codec", 488)
    assert record(simnet, "+15550124")["codec"] == "PCMU"


def test_early_media_ringback(simnet, caller):
    """+15550106: 183 with SDP, ringback (440+480 Hz) for 2 s, then 200."""
    caller.number = "+15550106"
    caller.cseq = 1
    caller.send("INVITE", 1, "z9hG4bKearly", caller.sdp(), "application/sdp")
    m183 = cbtest.wait_for(lambda: (lambda m: m if m.code == 183 else None)(
        caller.recv(5)), what="183")
    ip, port, pts, _ = m183.sdp_media()
    assert pts == [8, 101]
    pkts = caller.rtp_recv(25, timeout=5)           # before any 200
    assert len(pkts) == 25
    samples = [alaw_to_lin(b) for p in pkts for b in p[4]]
    ring = min(goertzel(samples, 440), goertzel(samples, 480))
    assert ring > 50 * goertzel(samples, 1000)
    m200 = cbtest.wait_for(lambda: (lambda m: m if m.code == 200 else None)(
        caller.recv(5)), what="200")
    assert 1.8 <= m200.t - m183.t <= 3.0
    caller.to_tag = re.search(r";tag=([^;>\s]+)", m200.hdr("To")).group(1)
    caller.contact = re.search(r"<([^>]+)>", m200.hdr("Contact")).group(1)
    caller.remote = (ip, port)
    caller.send("ACK", 1, "z9hG4bKack", uri=caller.contact)
    caller.bye()


def test_hold_stops_the_echo(simnet, caller):
    resps = caller.invite("+15550126", caller.sdp())
    assert resps[-1].code == 200

    def echoed(n=5):
        caller.rtp_drain()
        for i in range(n):
            caller.rtp_send(bytes([i]) * 160)
        return len(caller.rtp_recv(n, timeout=0.5))

    assert echoed() == 5
    resps = caller.invite(body=caller.sdp(direction="sendonly"))
    assert resps[-1].code == 200
    assert resps[-1].sdp_media()[3] == "recvonly"
    assert echoed() == 0
    resps = caller.invite(body=caller.sdp(direction="inactive"))
    assert resps[-1].sdp_media()[3] == "inactive"
    assert echoed() == 0
    resps = caller.invite(body=caller.sdp())
    assert resps[-1].sdp_media()[3] == "sendrecv"
    assert echoed() == 5
    # an offer we cannot speak is refused and changes nothing
    resps = caller.invite(body=caller.sdp(pts=(18,)))
    assert resps[-1].code == 488
    assert echoed() == 5
    caller.bye()


def test_late_offer(simnet, caller):
    """An INVITE without SDP: simnet offers in the 200, we answer in the
    ACK with PCMU only, and the echo uses it."""
    resps = caller.invite("+15550127", None, ack_body=caller.sdp(pts=(0,)))
    assert resps[-1].code == 200
    assert resps[-1].sdp_media()[2] == [0, 8, 101]
    for i in range(5):
        caller.rtp_send(bytes([0x55 + i]) * 160, pt=0)
    got = caller.rtp_recv(5, timeout=5)
    assert [p[0] for p in got] == [0] * 5
    caller.bye()
    assert record(simnet, "+15550127")["codec"] == "PCMU"


def test_invite_retransmissions_make_one_call(simnet, caller):
    caller.number = "+15550103"                     # rings forever
    caller.cseq = 2
    body = caller.sdp()
    for branch in ("z9hG4bKa1", "z9hG4bKa1", "z9hG4bKa2"):
        caller.send("INVITE", 1, branch, body, "application/sdp")
    cbtest.wait_for(lambda: caller.recv(5).code == 180, what="180")
    # same Call-ID, new CSeq, outside the dialog: refused
    caller.send("INVITE", 2, "z9hG4bKa3", body, "application/sdp")
    m = cbtest.wait_for(lambda: (lambda m: m if m.cseq()[0] == 2 else None)(
        caller.recv(5)), what="answer to CSeq 2")
    assert m.code == 482

    def live():
        simnet.p.send_signal(signal.SIGUSR1)
        return [l for l in log_lines(simnet, "call-stat")
                if "state=active" in l]
    assert len(cbtest.wait_for(live, what="call-stat")) == 1
    assert simnet.finished() == []


def test_shutdown_refuses_ringing_calls(tmp_path, simnet):
    s = sipp(tmp_path, simnet, "call_reject", "+15550103", wait=False)
    cbtest.wait_for(lambda: "number=+15550103" in simnet.log(),
                    what="ringing call")
    simnet.stop()
    assert s.wait(30) == 0, s.errors()
    assert "final=503" in sipp_logs(s)
    r = record(simnet, "+15550103")
    assert (r["cause"], r["code"]) == ("shutdown", 503)


def test_bye_from_network_reaches_caller(simnet, caller):
    resps = caller.invite("+15550105", caller.sdp())
    assert resps[-1].code == 200
    bye = cbtest.wait_for(caller.poll_request, timeout=8, what="BYE")
    assert bye.method == "BYE"
    assert 2.9 <= bye.t - resps[-1].t <= 4.0
    r = record(simnet, "+15550105")
    assert r["cause"] == "hangup"
