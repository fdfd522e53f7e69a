"""A conference's audio: three participants, each a SIPp phone
(tests/sipp/calls/uas_conf.xml) that callbridge dials and that answers
with an SDP whose audio port is a UDP socket of this test.  Each socket
sends its own tone (G.711 u-law, 20 ms frames) and records what
callbridge sends it; after all three have joined, each must receive the
tones of the two others, loud, and its own not at all (Goertzel power
over one second: the mixer subtracts each member's own frame).  Muting
one removes its tone from what the others hear; a deaf one hears
nothing."""

import math
import os
import re
import socket
import struct
import threading
import time

import pytest

import cbtest

FREQS = (500.0, 900.0, 1400.0)
RATE = 8000
FRAME = 160


# --- G.711 u-law, enough for a test ---------------------------------------

def ulaw_encode(s):
    s = max(-32635, min(32635, int(s)))
    sign = 0x80 if s < 0 else 0
    s = abs(s) + 0x84
    exp = 7
    mask = 0x4000
    while exp > 0 and not s & mask:
        exp -= 1
        mask >>= 1
    mant = (s >> (exp + 3)) & 0x0F
    return ~(sign | exp << 4 | mant) & 0xFF


def ulaw_decode(u):
    u = ~u & 0xFF
    t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return (0x84 - t) if u & 0x80 else (t - 0x84)


ULAW_DEC = [ulaw_decode(i) for i in range(256)]


def goertzel(samples, freq):
    """Power of one frequency in the samples (normalised per sample)."""
    k = 2.0 * math.cos(2.0 * math.pi * freq / RATE)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / (len(samples) ** 2)


class Phone:
    """The audio side of one participant: a UDP socket sending a tone to
    callbridge and keeping what it receives."""

    def __init__(self, freq):
        self.freq = freq
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", cbtest.free_media_port()))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.dest = None
        self.rx = []             # (monotonic time, [pcm samples])
        self.lock = threading.Lock()
        self.sending = threading.Event()
        self.sending.set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        pcm = [int(8000 * math.sin(2 * math.pi * freq * n / RATE))
               for n in range(RATE)]
        self.tone = bytes(ulaw_encode(x) for x in pcm)

    def run(self):
        seq, ts, n = 0, 0, 0
        ssrc = int(self.freq)
        t0 = time.monotonic()
        while not self.stop.is_set():
            if self.dest and self.sending.is_set():
                off = (n * FRAME) % RATE
                payload = self.tone[off:off + FRAME]
                hdr = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF,
                                  ts & 0xFFFFFFFF, ssrc)
                try:
                    self.sock.sendto(hdr + payload, self.dest)
                except OSError:
                    pass
                seq += 1
                ts += FRAME
            n += 1
            while True:
                try:
                    data = self.sock.recv(2048)
                except (BlockingIOError, OSError):
                    break
                if len(data) > 12 and data[1] & 0x7F == 0:
                    with self.lock:
                        self.rx.append((time.monotonic(),
                                        [ULAW_DEC[b] for b in data[12:]]))
            # pacing of a real phone: one frame every 20 ms
            delay = t0 + n * 0.020 - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)

    def received_since(self, t):
        with self.lock:
            out = []
            for when, pcm in self.rx:
                if when >= t:
                    out += pcm
        return out

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def media_dest(sipp):
    """callbridge's RTP address from the INVITE's SDP (SIPp's log)."""
    txt = sipp.messages()
    m = re.search(r"m=audio (\d+) ", txt)
    c = re.search(r"c=IN IP4 ([0-9.]+)", txt)
    return (c.group(1), int(m.group(1))) if m and c else None


def powers(samples):
    return [goertzel(samples, f) for f in FREQS]


@pytest.fixture
def cb(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(c)
    return c


@pytest.mark.skipif(not cbtest.have("sipp"), reason="needs SIPp")
def test_each_hears_the_others_not_itself(cb, tmp_path):
    phones = [Phone(f) for f in FREQS]
    sipps = []
    try:
        for i, ph in enumerate(phones):
            sipps.append(cbtest.Sipp(
                str(tmp_path), cbtest.sipp_scenario("calls",
                                                    "uas_conf.xml"),
                args=["-key", "rtp_port", str(ph.port), "-m", "1"],
                name="phone%d" % i))
        uris = ["sip:phone@127.0.0.1:%d" % s.port for s in sipps]
        st, b = cb.api("POST", "/v1/conferences", {
            "owner": {"name": "Owner", "number": uris[0]},
            "participants": [{"name": "Two", "number": uris[1]},
                             {"name": "Three", "number": uris[2]}]})
        assert st == 201, b
        cid = b["conference"]["id"]
        for pid in ("p1", "p2", "p3"):
            st, b = cb.api("PATCH", "/v1/conferences/%s/participants/%s"
                           % (cid, pid), {"action": "dial"})
            assert st == 200, b
        cbtest.wait_for(lambda: cb.api("GET", "/v1/conferences/" + cid)[1]
                        ["in_conference"] == 3, what="all three joined")
        for ph, sp in zip(phones, sipps):
            ph.dest = cbtest.wait_for(lambda: media_dest(sp),
                                      what="the INVITE's SDP in SIPp's log")
            ph.thread.start()

        def window(what):
            """One second of what each phone receives, after a settling
            half second; the powers of the three tones for each."""
            start = time.monotonic() + 0.5
            cbtest.wait_for(lambda: all(
                len(ph.received_since(start)) >= RATE for ph in phones),
                timeout=10, what=what)
            r = [powers(ph.received_since(start)[:RATE])
                 for ph in phones]
            print(what, ["%.3g %.3g %.3g" % tuple(x) for x in r])
            return r

        res = window("a second of mixed audio at every phone")
        for i, pw in enumerate(res):
            others = [pw[j] for j in range(3) if j != i]
            # the others' tones: loud (amplitude 8000 -> power ~1.6e7)
            assert min(others) > 1e6, (i, pw)
            # its own: absent (well under 1/1000 of the others)
            assert pw[i] < min(others) / 1000, (i, pw)

        # mute the third: the others no longer hear 1400 Hz
        st, b = cb.api("PATCH", "/v1/conferences/%s/participants/p3" % cid,
                       {"mute": True})
        assert st == 200 and b["muted"], b
        res = window("audio after muting p3")
        assert res[0][2] < res[0][1] / 1000, res
        assert res[1][2] < res[1][0] / 1000, res
        assert res[0][1] > 1e6 and res[1][0] > 1e6, res

        # deaf: the second hears nothing at all
        st, b = cb.api("PATCH", "/v1/conferences/%s/participants/p2" % cid,
                       {"deaf": True, "mute": False})
        assert st == 200 and b["deaf"], b
        res = window("audio after making p2 deaf")
        assert max(res[1]) < 1e3, res
        assert res[0][1] > 1e6, res     # p1 still hears p2

        st, b = cb.api("DELETE", "/v1/conferences/" + cid)
        assert st == 200, b
        for s in sipps:
            assert s.wait(20) == 0, s.errors()
    finally:
        for ph in phones:
            ph.close()
        for s in sipps:
            s.stop()
