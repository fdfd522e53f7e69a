"""Hostile input against the real daemon: every message of the malformed
SIP corpus (tests/corpus/sip/, also the fuzzer's seeds) is sent over UDP
and over TCP, and the reply a peer would see is checked -- the right error
status where one is due (400, 483, 488, 501, ...), or nothing at all where
the message cannot even be answered.  TCP also gets a slowloris-style
partial message and a megabyte of garbage.  After each barrage the daemon
must still answer OPTIONS, still complete a real call (SIPp -> callbridge
-> simulated network +15550100) and leave no sanitizer report in its log
(Callbridge.stop() checks that).  The HTTP API gets its own hostile
requests: oversized, mistyped, malformed and nested bodies, unknown paths,
wrong methods and path traversal in prompt names.

Matching is done per socket: each case is sent from its own UDP socket or
TCP connection, so every response that comes back belongs to it.  Where
nothing is expected, an OPTIONS probe follows the case on the same UDP
socket (the daemon handles datagrams in order, so the probe's 200 proves
that any reply to the case would already be there); on TCP the sender
half-closes and reads to the end of the stream.  Nothing sleeps."""

import json
import os
import random
import re
import socket
import time

import pytest

import cbtest

CORPUS = os.path.join(cbtest.ROOT, "tests", "corpus", "sip")

DROP = None   # no response at all

# case -> (expected final status over UDP, over TCP).  A number is the
# final status the peer must get; DROP means no response.  The two differ
# where the transports frame messages differently: libre reads at most
# 8 KiB from a datagram (bigger ones are cut and cannot be parsed), a TCP
# stream is framed by Content-Length and holds up to 64 KiB, and on TCP a
# framing error closes the connection.
EXPECT = {
    # valid baselines: the busy number +15550102 gives 486 via the trunk
    "options-valid": (200, 200),
    "invite-valid-busy": (486, 486),
    "invite-valid-nosdp": (486, 486),
    # truncated
    "trunc-request-line": (DROP, DROP),
    "trunc-mid-header": (DROP, DROP),
    "trunc-no-blank-line": (DROP, DROP),
    "trunc-body": (400, DROP),
    "trunc-only-crlf": (DROP, DROP),
    "trunc-empty-lines": (DROP, DROP),
    # oversized
    "huge-header-70k": (DROP, DROP),
    "via-1000": (DROP, 200),
    "headers-3000": (DROP, 200),
    "long-callid-8k": (DROP, 200),
    "long-uri-user-4k": (DROP, 200),
    "long-line-no-spaces": (DROP, DROP),   # refused before libre's regex
    "invite-long-number": (404, 404),
    # Content-Length
    "clen-bigger": (400, DROP),
    "clen-smaller": (400, 400),
    "clen-negative": (400, 400),
    "clen-nonnumeric": (400, 400),
    "clen-huge": (400, DROP),
    "clen-missing": (486, DROP),
    "clen-twice": (400, 400),
    # missing mandatory headers
    "missing-via-options": (DROP, 400),
    "missing-via-invite": (DROP, 400),
    "missing-callid-options": (400, 400),
    "missing-callid-invite": (400, 400),
    "missing-cseq-options": (400, 400),
    "missing-cseq-invite": (400, 400),
    "missing-from-options": (400, 400),
    "missing-from-invite": (400, 400),
    "missing-to-options": (400, 400),
    "missing-to-invite": (400, 400),
    "missing-contact-invite": (400, 400),
    "missing-maxfwd-options": (200, 200),
    # methods, URIs, versions
    "method-unknown-foo": (501, 501),
    "method-lowercase": (501, 501),
    "method-garbage": (501, 501),
    "cseq-method-mismatch": (400, 400),
    "cseq-nonnumeric": (DROP, DROP),    # libre: CSeq does not parse
    "cseq-huge": (400, 400),
    "ruri-no-scheme": (DROP, DROP),     # libre: no URI at all
    "ruri-http-scheme": (DROP, DROP),
    "invite-ruri-empty-host": (404, 404),
    "invite-ruri-tel": (416, 416),
    "invite-ruri-bad-ip": (486, 486),
    "version-sip3": (DROP, DROP),
    "version-http": (DROP, DROP),
    "version-missing": (DROP, DROP),
    "maxfwd-zero": (483, 483),
    "maxfwd-nonnumeric": (400, 400),
    "response-unsolicited": (DROP, DROP),
    "response-bad-code": (DROP, DROP),
    "bye-no-dialog": (481, 481),
    "cancel-no-transaction": (481, 481),
    "ack-no-transaction": (DROP, DROP),
    "info-no-dialog": (481, 481),
    # binary
    "binary-random": (DROP, DROP),
    "binary-nul-in-header": (200, 200),
    "binary-nul-first": (DROP, 400),
    "binary-high-bytes": (200, 200),
    "binary-stun-like": (DROP, DROP),
    # SDP
    "sdp-no-m-line": (488, 488),
    "sdp-video-only": (488, 488),
    "sdp-port-zero": (488, 488),
    "sdp-no-common-codec": (488, 488),
    "sdp-only-dtmf": (488, 488),
    "sdp-2000-formats": (400, 486),     # UDP: cut at 8 KiB
    "sdp-no-c-line": (400, 400),
    "sdp-bad-ip": (400, 400),
    "sdp-ip6-garbage": (400, 400),
    "sdp-hostname": (400, 400),
    "sdp-10k-attributes": (400, DROP),  # TCP: over 64 KiB
    "sdp-garbage": (400, 400),
    "sdp-port-huge": (400, 400),
    "sdp-two-audio": (486, 486),
    "sdp-rtpmap-pt-out-of-range": (486, 486),
    "sdp-wrong-ctype": (415, 415),
    "sdp-empty-body-ctype": (486, 486),
    "sdp-crlf-missing": (486, 486),
    "sdp-hold-zero-addr": (486, 486),
    "sdp-ipv6": (488, 488),         # our media is IPv4
    "sdp-media-level-c": (486, 486),
    # in-dialog requests without a dialog
    "info-dtmf-relay": (481, 481),
    "info-dtmf": (481, 481),
    "info-dtmf-garbage": (481, 481),
    "reinvite-hold": (481, 481),
    # seeds for the fuzzer's HTTP, config and dial-string readers
    "http-post-calls": (DROP, DROP),
    "http-leg-play-traversal": (DROP, DROP),
    "http-leg-dtmf": (DROP, DROP),
    "http-deep-json": (DROP, DROP),
    "http-trailing-garbage": (DROP, DROP),
    "http-get-healthz": (DROP, DROP),
    "http-delete-call": (DROP, DROP),
    "config-lines": (DROP, DROP),
    "dial-strings": (DROP, DROP),
}


def corpus():
    """Case names: the corpus file names without their extension (.sip;
    .http, .conf and .txt seed the fuzzer's other readers and are sent
    here too, as garbage)."""
    return sorted(os.path.splitext(f)[0] for f in os.listdir(CORPUS))


def load(name):
    for f in os.listdir(CORPUS):
        if os.path.splitext(f)[0] == name:
            with open(os.path.join(CORPUS, f), "rb") as fh:
                return fh.read()
    raise FileNotFoundError(name)


_uniq = [0]


def uniquify(data, tcp=False):
    """Fresh branch and Call-ID per send, so that no case is taken for a
    retransmission of an earlier one; the transport named in Via."""
    _uniq[0] += 1
    tag = ("%d-%d" % (os.getpid(), _uniq[0])).encode()
    data = data.replace(b"z9hG4bK", b"z9hG4bK" + tag + b"-")
    data = data.replace(b"cid-", b"cid-" + tag + b"-")
    if tcp:
        data = data.replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP")
    return data


# --- parsing what comes back ---------------------------------------------

class Resp:
    """One SIP response: status, headers (lower-case names), raw bytes."""

    def __init__(self, raw):
        self.raw = raw
        head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        self.code = int(parts[1]) if parts[0] == "SIP/2.0" and \
            len(parts) > 1 and parts[1].isdigit() else None
        self.hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            self.hdrs.setdefault(k.strip().lower(), []).append(v.strip())

    def hdr(self, name):
        v = self.hdrs.get(name.lower())
        return v[0] if v else None


def split_stream(buf):
    """Split a TCP byte stream into whole messages; return (msgs, rest)."""
    out = []
    while True:
        while buf.startswith(b"\r\n"):
            buf = buf[2:]
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf
        m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)",
                      buf[:end])
        clen = int(m.group(1)) if m else 0
        if len(buf) < end + 4 + clen:
            return out, buf
        out.append(buf[:end + 4 + clen])
        buf = buf[end + 4 + clen:]


def probe_options(tag):
    return ("OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKprobe%s;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p%s\r\n"
            "To: <sip:probe@127.0.0.1>\r\nCall-ID: probe-%s\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            % (tag, tag, tag)).encode()


def ack_for(resp):
    """ACK for a non-2xx final response to an INVITE (same branch)."""
    need = ("via", "from", "to", "call-id", "cseq")
    if any(resp.hdr(h) is None for h in need):
        return None
    num = resp.hdr("cseq").split()[0]
    return ("ACK sip:x@127.0.0.1 SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
            "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s ACK\r\n"
            "Content-Length: 0\r\n\r\n"
            % (resp.hdr("via"), resp.hdr("from"), resp.hdr("to"),
               resp.hdr("call-id"), num)).encode()


def is_invite(data):
    return data.startswith(b"INVITE ")


# --- one case over each transport ----------------------------------------

def udp_case(port, data, expect, timeout=10):
    """Send one datagram; return the list of response codes it got."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    codes = []
    try:
        # a datagram holds at most 65507 bytes: bigger cases go cut
        s.sendto(data[:65507], ("127.0.0.1", port))
        probe = None
        if expect is DROP:
            probe = "%d" % time.monotonic_ns()
            s.sendto(probe_options(probe), ("127.0.0.1", port))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                raw, _ = s.recvfrom(70000)
            except socket.timeout:
                break
            r = Resp(raw)
            if probe and ("probe-" + probe) == r.hdr("call-id"):
                break
            codes.append(r.code)
            if r.code and r.code >= 200:
                if is_invite(data) and r.code >= 300 and ack_for(r):
                    s.sendto(ack_for(r), ("127.0.0.1", port))
                if probe is None:
                    break
        return codes
    finally:
        s.close()


def tcp_case(port, data, expect, timeout=10):
    """Send on a fresh connection; return the response codes it got.
    Where nothing is expected, half-close and read to the end."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    codes = []
    buf = b""
    try:
        try:
            s.sendall(data)
            if expect is DROP:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass    # the daemon closed on us: read what it said before
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError, BrokenPipeError):
                break
            if not chunk:
                break
            msgs, buf = split_stream(buf + chunk)
            done = False
            for raw in msgs:
                r = Resp(raw)
                codes.append(r.code)
                if r.code and r.code >= 200:
                    if is_invite(data) and r.code >= 300 and ack_for(r):
                        try:
                            s.sendall(ack_for(r))
                        except OSError:
                            pass
                    done = expect is not DROP
            if done:
                break
        return codes
    finally:
        s.close()


def final(codes):
    for c in codes:
        if c is None or c >= 200:
            return c
    return DROP if not codes else ("only " + ",".join(map(str, codes)))


def run_corpus(cb, transport):
    """Every corpus case; return a list of mismatch descriptions."""
    bad = []
    for name in corpus():
        exp = EXPECT[name][0 if transport == "udp" else 1]
        data = uniquify(load(name), tcp=transport == "tcp")
        fn = udp_case if transport == "udp" else tcp_case
        codes = fn(cb.sip_port, data, exp)
        got = final(codes)
        if got != exp:
            bad.append("%s: expected %s, got %s (all: %s)"
                       % (name, exp, got, codes))
        if not cb.alive():
            bad.append("%s: daemon died" % name)
            break
    return bad


def normal_call(tmp_path, cb):
    """SIPp's built-in caller -> callbridge -> simnet +15550100 (answers
    and echoes): one successful call."""
    s = cbtest.Sipp(str(tmp_path), "uac",
                    target="127.0.0.1:%d" % cb.sip_port,
                    args=["-s", "+15550100", "-m", "1", "-d", "500"],
                    name="uac")
    rc = s.wait(60)
    st = s.stats()
    assert rc == 0 and st.get("SuccessfulCall(C)") == "1", \
        "normal call failed after the barrage: rc=%s %s\n%s" % (
            rc, s.errors(), s.messages()[-3000:])


def assert_healthy(tmp_path, cb):
    assert cb.alive(), cb.log()[-4000:]
    assert cbtest.sip_options(cb.sip_port) == 200
    normal_call(tmp_path, cb)


# --- the tests -------------------------------------------------------------

def test_corpus_has_expectations():
    """Every corpus file has an expected outcome, and vice versa."""
    names = corpus()
    assert len(names) == len(set(names)), "two files share a name"
    assert set(names) == set(EXPECT), set(names) ^ set(EXPECT)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_corpus(tmp_path, cb, transport):
    bad = run_corpus(cb, transport)
    assert not bad, "\n".join(bad)
    assert_healthy(tmp_path, cb)


def options_bytes(tag, transport="TCP"):
    return probe_options(tag).replace(b"SIP/2.0/UDP",
                                      b"SIP/2.0/" + transport.encode())


def test_tcp_slowloris(tmp_path, cb):
    """100 connections each hold a half-sent request, trickled in 7-byte
    pieces round-robin.  While all are pending the daemon serves others
    (OPTIONS over UDP and a fresh TCP connection, a whole call); then each
    connection sends its rest and gets its 200: partial input was kept per
    connection and reassembled, not mixed up or dropped."""
    conns = []
    try:
        msgs = [options_bytes("slow%d-%d" % (os.getpid(), i))
                for i in range(100)]
        for _ in msgs:
            conns.append(socket.create_connection(("127.0.0.1",
                                                   cb.sip_port), timeout=10))
        cut = [len(m) - 9 for m in msgs]   # all but the final CRLFs
        for off in range(0, max(cut), 7):
            for c, m, n in zip(conns, msgs, cut):
                if off < n:
                    c.sendall(m[off:min(off + 7, n)])

        assert_healthy(tmp_path, cb)
        codes = tcp_case(cb.sip_port, options_bytes("fresh"), 200)
        assert final(codes) == 200, codes

        for c, m, n in zip(conns, msgs, cut):
            c.sendall(m[n:])
        for i, c in enumerate(conns):
            buf = b""
            while True:
                chunk = c.recv(4096)
                assert chunk, "connection %d closed without a reply" % i
                got, buf = split_stream(buf + chunk)
                if got:
                    r = Resp(got[0])
                    assert r.code == 200, got[0]
                    assert r.hdr("call-id") == "probe-slow%d-%d" % (
                        os.getpid(), i), got[0]
                    break
    finally:
        for c in conns:
            c.close()
    assert cb.alive()


def test_tcp_megabyte_of_garbage(tmp_path, cb):
    """1 MB of random bytes on one connection: the daemon gives up on it
    (libre holds at most 64 KiB of an unframed stream) and closes it,
    answering nothing; everything else keeps working."""
    rnd = random.Random(1234)
    garbage = rnd.randbytes(1 << 20)
    s = socket.create_connection(("127.0.0.1", cb.sip_port), timeout=10)
    got = b""
    closed = False
    try:
        try:
            s.sendall(garbage)
        except OSError:
            closed = True     # reset while we were still sending
        while not closed:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        closed = True
    finally:
        s.close()
    assert closed
    assert b"SIP/2.0" not in got, got[:200]
    assert_healthy(tmp_path, cb)


def test_udp_garbage_flood(tmp_path, cb):
    """1 MB of random datagrams of every size up to 64 KiB, from many
    sockets: nothing is answered and the daemon keeps working."""
    rnd = random.Random(4321)
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
             for _ in range(8)]
    try:
        sent = 0
        i = 0
        while sent < (1 << 20):
            n = rnd.choice((1, 5, 100, 1400, 8192, 9000, 65000))
            data = rnd.randbytes(n)
            socks[i % len(socks)].sendto(data, ("127.0.0.1", cb.sip_port))
            sent += n
            i += 1
        # in-order handling: the probe's 200 comes after any reply to the
        # garbage from the same socket
        for s in socks:
            s.sendto(probe_options("flood%d" % id(s)),
                     ("127.0.0.1", cb.sip_port))
            s.settimeout(10)
            while True:
                raw, _ = s.recvfrom(70000)
                r = Resp(raw)
                assert r.hdr("call-id") == "probe-flood%d" % id(s), raw[:200]
                assert r.code == 200
                break
    finally:
        for s in socks:
            s.close()
    assert_healthy(tmp_path, cb)


# --- the HTTP API ------------------------------------------------------------

def http_raw(port, data, timeout=10):
    """Send raw bytes to the API; return (status, body bytes), or (None,
    b"") if the server closed without a response."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    buf = b""
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                m = re.search(rb"(?im)^content-length:[ \t]*(\d+)",
                              buf[:end])
                clen = int(m.group(1)) if m else 0
                if len(buf) >= end + 4 + clen:
                    status = int(buf.split(b" ", 2)[1])
                    return status, buf[end + 4:end + 4 + clen]
            try:
                chunk = s.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                return None, b""
            buf += chunk
    finally:
        s.close()


def http_req_any(port, method, path, body=b"", ctype="application/json",
                 extra=b"", key=None):
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)).encode()
    if key:
        head += b"Authorization: Bearer " + key.encode() + b"\r\n"
    if body or ctype:
        head += b"Content-Type: " + ctype.encode() + b"\r\n"
    head += b"Content-Length: %d\r\n" % len(body) + extra + b"\r\n"
    return http_raw(port, head + body)


def error_of(body):
    return json.loads(body)["error"]


def test_http_hostile(tmp_path, cb):
    port = cb.http_port

    def http_req(*a, **kw):     # the daemon's API key on every request
        return http_req_any(*a, key=cb.key, **kw)

    ok = b'{"to":"+15550102","play":"welcome.wav"}'

    st, body = http_req(port, "POST", "/v1/calls", b'{"to":"' +
                        b"9" * (100 * 1024) + b'"}')
    assert st == 413 and error_of(body)["code"] == "body_too_large", body
    # past libre's 512 KiB per message: refused or cut off, never taken
    st, body = http_req(port, "POST", "/v1/calls", b'{"to":"' +
                        b"9" * (1 << 20) + b'"}')
    assert st in (413, None), (st, body[:200])

    st, body = http_req(port, "POST", "/v1/calls", ok, ctype="text/plain")
    assert st == 415, body
    st, body = http_req(port, "POST", "/v1/calls", ok,
                        ctype="application/x-www-form-urlencoded")
    assert st == 415, body

    for bad in (b'{"to": "+1555', b"{'to': 1}", b"\x00\xff\xfe",
                b'{"to":"+15550102"}}}', b"nan", b"[" * 3 + b"]" * 2,
                b'{"to":"+15550102"}\x00', b'[{"to":"+15550102"}]',
                b'"+15550102"', b" "):
        st, body = http_req(port, "POST", "/v1/calls", bad)
        assert st == 400 and error_of(body)["code"] == "invalid_json", \
            (bad, st, body)

    for depth in (9, 100, 10000):   # 10000: 60 KB, under the 64 KiB cap
        deep = b'{"a":' * depth + b"1" + b"}" * depth
        st, body = http_req(port, "POST", "/v1/calls", deep)
        assert st == 400, (depth, st, body)
        deep = b"[" * depth + b"]" * depth
        st, body = http_req(port, "POST", "/v1/calls", deep)
        assert st == 400, (depth, st, body)

    # well-formed JSON of the wrong shape: the field is named
    for bad, field in ((b'{"to": 5}', "to"), (b'{"to": ""}', "to"),
                       (b'{"to": "' + b"1" * 300 + b'"}', "to"),
                       (b'{"to": "+15550102", "ring_timeout": -1}',
                        "ring_timeout"),
                       (b'{"to": "+15550102", "ring_timeout": 1e99}',
                        "ring_timeout"),
                       (b'{}', "to")):
        st, body = http_req(port, "POST", "/v1/calls", bad)
        assert st == 400 and error_of(body)["field"] == field, \
            (bad, st, body)

    for path in ("/v2/calls", "/v1/callz", "/v1/calls/x/legs",
                 "/v1/calls/../../etc/passwd", "/v1/calls/%2e%2e%2f",
                 "/" + "a" * 4000, "/v1/calls/" + "x" * 100):
        st, body = http_req(port, "GET", path, ctype=None)
        assert st == 404 and error_of(body)["code"] == "not_found", \
            (path, st, body)

    for method, path in (("PUT", "/v1/calls"), ("DELETE", "/v1/calls"),
                         ("PATCH", "/v1/calls/abc"), ("GET", "/v1/calls/a/"
                                                      "legs/b/play")):
        st, body = http_req(port, method, path, ctype=None)
        assert st == 405, (method, path, st, body)

    # prompt names are plain names in the prompt directory
    for name in ("../../../../etc/passwd", "/etc/passwd", "..",
                 "prompts/../welcome.wav", "..%2fwelcome.wav",
                 "welcome.wav/..", "a\\b.wav", "~root", ""):
        st, body = http_req(port, "POST", "/v1/calls",
                            ('{"to":"+15550102","play":%s}'
                             % json.dumps(name)).encode())
        assert st == 400 and error_of(body)["field"] == "play", \
            (name, st, body)
    assert cb.calls() == [], "a refused request placed a call"

    # the same on a live leg: +15550103 rings and never answers
    st, call = cb.api("POST", "/v1/calls", {"to": "+15550103",
                                            "play": "welcome.wav"})
    assert st == 201, call
    leg = call["legs"][0]["id"]
    for name in ("../../../../etc/passwd", "/etc/passwd", "..%2f.."):
        st, body = cb.api("POST", "/v1/calls/%s/legs/%s/play"
                          % (call["id"], leg), {"file": name})
        assert st == 400 and body["error"]["field"] == "file", (name, body)
    st, _ = cb.api("DELETE", "/v1/calls/" + call["id"])
    assert st == 200

    # a header flood and a request line flood past libre's 512 KiB per
    # message are refused or dropped, never answered with success
    st, _ = http_raw(port, b"GET /healthz HTTP/1.1\r\n" +
                     b"X-A: b\r\n" * 80000 + b"\r\n")
    assert st != 200
    st, _ = http_raw(port, b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
    assert st != 200

    assert cb.api("GET", "/healthz")[0] == 200
    assert_healthy(tmp_path, cb)

