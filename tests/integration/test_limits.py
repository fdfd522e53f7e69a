"""HTTP hardening, black box, on raw sockets: a client that trickles its
headers or its body (slowloris), or sends nothing, is cut off after
api.http_timeout_ms with 408 while everyone else is served; idle
keep-alive connections are closed after api.http_idle_ms; connections
are capped per client address and in total; rate limits per address and
per API key answer 429 with Retry-After to the greedy client only;
pipelined requests are answered in the order they were sent, even when
the first one waits for the store; oversized heads and bodies, chunked
bodies and ambiguous lengths are refused; bodies with invalid UTF-8 or
escaped NULs create nothing.

Timing: the daemons under test use short limits (about a second); a
slow client is paced with select() on its own socket, and the bounds
checked are wide enough for the sanitizer build."""

import json
import select
import socket
import time

import pytest

import cbtest


# --- a raw HTTP/1.1 client -------------------------------------------------

def req_bytes(method, path, key=None, body=None, headers=None):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    if key:
        lines.append("Authorization: Bearer " + key)
    if body is not None:
        lines += ["Content-Type: application/json",
                  "Content-Length: %d" % len(body)]
    lines += ["%s: %s" % kv for kv in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Conn:
    """One keep-alive connection from `source` (any 127.x address)."""

    def __init__(self, port, source="127.0.0.1", timeout=5.0):
        self.s = socket.create_connection(("127.0.0.1", port),
                                          timeout=timeout,
                                          source_address=(source, 0))
        self.t0 = time.monotonic()
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no reply in time")
        self.s.settimeout(left)
        try:
            chunk = self.s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        self.buf += chunk
        return chunk

    def response(self, timeout=5.0):
        """(status, headers, body) of the next reply; None if the
        connection closed first."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                return None
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1]
                .strip() for l in lines[1:] if ":" in l}
        n = int(hdrs.get("content-length", "0"))
        while len(rest) < n:
            if not self._fill(deadline):
                return None
            rest = self.buf.split(b"\r\n\r\n", 1)[1]
        self.buf = rest[n:]
        return status, hdrs, rest[:n]

    def request(self, method, path, key=None, body=None, headers=None):
        self.send(req_bytes(method, path, key, body, headers))
        return self.response()

    def wait_closed(self, timeout=10.0):
        """Read until the server closes; return (seconds since connect,
        everything received)."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        return time.monotonic() - self.t0, self.buf

    def close(self):
        self.s.close()


def error_code(body):
    return json.loads(body)["error"]["code"]


def dribble(conn, data, interval, each=None, timeout=10.0):
    """Send data one byte every `interval` s (then keep the connection
    open, silent) until the server closes it; each() runs between two
    bytes.  Return (seconds since connect, bytes received)."""
    deadline = time.monotonic() + timeout
    i = 0
    while time.monotonic() < deadline:
        r, _, _ = select.select([conn.s], [], [], interval)
        if r:
            try:
                chunk = conn.s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return time.monotonic() - conn.t0, conn.buf
            conn.buf += chunk
            continue
        if i < len(data):
            try:
                conn.s.sendall(data[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                pass
            i += 1
        if each:
            each()
    raise AssertionError("the server never closed the slow connection")


def start(tmp_path, procs, extra):
    c = cbtest.Callbridge(str(tmp_path), extra=extra)
    procs.append(c)
    return c


# --- slow clients ------------------------------------------------------------

def test_slow_clients_are_cut_off(tmp_path, procs):
    cb = start(tmp_path, procs, ["api.http_timeout_ms 1000",
                                 "api.http_idle_ms 1500"])
    port = cb.http_port
    fast = Conn(port)
    served = []

    def others():
        """a fast client is served meanwhile, on a kept-alive conn"""
        st, _, body = fast.request("GET", "/v1/calls", key=cb.key)
        assert st == 200, body
        served.append(st)

    # headers trickled in, one byte every 100 ms: 408 after ~1 s
    slow = Conn(port)
    took, got = dribble(slow, b"GET /v1/calls HTTP/1.1\r\nHost: x\r\n" +
                        b"X-Slow: " + b"a" * 200, 0.1, others)
    assert 0.9 <= took < 4, took
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert error_code(got.split(b"\r\n\r\n", 1)[1]) == "request_timeout"
    assert len(served) >= 5
    slow.close()

    # a body trickled in: the same deadline, and nothing is created
    slow = Conn(port)
    head = ("POST /v1/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            "%s\r\nContent-Type: application/json\r\nContent-Length: 60"
            "\r\n\r\n" % cb.key).encode()
    slow.send(head)
    took, got = dribble(slow, b'{"to": "+15550102", "play": "welcome.wav"'
                        b', "ring_timeout": 5}', 0.1, others)
    assert 0.9 <= took < 4, took
    assert got.startswith(b"HTTP/1.1 408 "), got
    slow.close()
    assert cb.calls() == []

    # nothing sent at all: closed, silently
    silent = Conn(port)
    took, got = silent.wait_closed()
    assert 0.9 <= took < 4 and got == b"", (took, got)
    silent.close()

    # a kept-alive connection that goes quiet is closed after the idle
    # timeout, one that keeps talking is not (the deadline is per request)
    idle = Conn(port)
    assert idle.request("GET", "/healthz")[0] == 200
    busy = Conn(port)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2.5:
        assert busy.request("GET", "/healthz")[0] == 200
        select.select([], [], [], 0.1)      # pace: 10 requests a second
    took, got = idle.wait_closed()
    assert 1.3 <= took < 5 and got == b"", (took, got)
    assert busy.request("GET", "/healthz")[0] == 200
    for c in (idle, busy, fast):
        c.close()
    assert cb.alive()


# --- request order, framing -----------------------------------------------

def test_pipelined_replies_in_request_order(cb):
    """The first request waits for the store (its key is checked on a
    worker thread), the second is answered at once by libre's loop: the
    replies must still come back in request order."""
    calls = req_bytes("GET", "/v1/calls", key=cb.key)
    batch = (calls + req_bytes("GET", "/healthz") +
             req_bytes("POST", "/v1/calls", key=cb.key, body=b"{nope") +
             req_bytes("GET", "/v1/me", key=cb.key) +
             req_bytes("GET", "/v1/nothing-here") +
             req_bytes("GET", "/v1/calls", key="cbk_wrong_key"))

    def check(c):
        got = [c.response() for _ in range(6)]
        assert [g[0] for g in got] == [200, 200, 400, 200, 404, 401], got
        assert json.loads(got[0][2]) == {"calls": []}
        assert json.loads(got[1][2])["status"] == "ok"
        assert error_code(got[2][2]) == "invalid_json"
        assert "tenant_id" in json.loads(got[3][2])
        assert error_code(got[4][2]) == "not_found"

    c = Conn(cb.http_port)
    for _ in range(10):            # all at once
        c.send(batch)
        check(c)
    for cut in (1, 7, 50):         # and in odd pieces
        for i in range(0, len(batch), cut):
            c.send(batch[i:i + cut])
        check(c)
    c.close()


def test_oversized_and_ambiguous_requests(cb):
    port = cb.http_port

    # a body over 64 KiB: 413 as soon as the head is in; the body is
    # read and dropped, and the connection goes on
    c = Conn(port)
    big = b'{"to":"' + b"9" * 100000 + b'"}'
    st, _, body = c.request("POST", "/v1/calls", key=cb.key, body=big)
    assert st == 413 and error_code(body) == "body_too_large", body
    assert c.request("GET", "/healthz")[0] == 200
    c.close()

    # heads over 16 KiB: 431, closed
    c = Conn(port)
    st, hdrs, body = c.request("GET", "/healthz",
                               headers={"X-Big": "a" * 20000})
    assert st == 431 and error_code(body) == "headers_too_large", body
    assert hdrs.get("connection") == "close"
    assert c.wait_closed()[1] == b""
    c.close()

    # bodies whose end could be read two ways are refused, connection
    # closed: chunked, two lengths, a length that is not a number
    for extra, code, status in (
            ({"Transfer-Encoding": "chunked"}, "length_required", 411),
            ({"Content-Length": "2"}, "bad_request", 400)):
        c = Conn(port)
        st, _, body = c.request("POST", "/v1/calls", key=cb.key,
                                body=b"{}", headers=extra)
        assert st == status and error_code(body) == code, body
        assert c.wait_closed()[1] == b""
        c.close()
    c = Conn(port)
    c.send(b"POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 2x\r\n"
           b"\r\n{}")
    st, _, body = c.response()
    assert st == 400 and error_code(body) == "bad_request", body
    c.close()
    assert cb.calls() == []
    assert cb.api("GET", "/healthz")[0] == 200


def test_invalid_text_in_json_creates_nothing(cb):
    """Invalid UTF-8, an escaped NUL (libre would cut the string there),
    a lone surrogate, a raw control character: 400 invalid_json with a
    message that says what is wrong, and no call is placed."""
    for raw, why in ((b'{"to": "+1555\xff0102"}', "UTF-8"),
                     (b'{"to": "+15550102", "play": "w\xc0\xafav"}',
                      "UTF-8"),
                     (b'{"to": "+15550102", "play": "a\xed\xa0\x80"}',
                      "UTF-8"),
                     (b'{"to": "+15550102\\u0000junk", "play": "x.wav"}',
                      "\\u0000"),
                     (b'{"to": "+15550102", "play": "\\ud800.wav"}',
                      "surrogate"),
                     (b'{"to": "+15550102", "play": "a\tb.wav"}',
                      "control")):
        st, body = cb.api("POST", "/v1/calls", raw=raw)
        assert st == 400, (raw, st, body)
        assert body["error"]["code"] == "invalid_json", (raw, body)
        assert why in body["error"]["message"], (raw, body)
    assert cb.calls() == []
    # valid text beyond ASCII is fine (unknown fields are ignored)
    st, body = cb.api("POST", "/v1/calls",
                      raw='{"to": "+15550102", "play": "welcome.wav", '
                      '"note": "caf\u00e9 \u20ac \U0001f600"}'.encode())
    assert st == 201, body
    assert [c["id"] for c in cb.calls()] == [body["id"]]


# --- caps and rate limits --------------------------------------------------

def test_connection_caps(tmp_path, procs):
    cb = start(tmp_path, procs, ["api.http_conn_per_ip 4",
                                 "api.http_conn_max 6"])
    port = cb.http_port

    def refused(source):
        """a connection from source is not served (503 or closed)"""
        c = Conn(port, source)
        try:
            c.send(req_bytes("GET", "/healthz"))
        except (BrokenPipeError, ConnectionResetError):
            c.close()
            return True
        r = c.response()
        c.close()
        if r is None:
            return True
        assert r[0] == 503, r
        assert error_code(r[2]) == "too_many_connections"
        return True

    mine = [Conn(port) for _ in range(4)]
    for c in mine:
        assert c.request("GET", "/healthz")[0] == 200
    assert refused("127.0.0.1")

    # another address still gets its own, up to the total of 6
    other = [Conn(port, "127.0.0.2") for _ in range(2)]
    for c in other:
        assert c.request("GET", "/healthz")[0] == 200
    assert refused("127.0.0.3")

    # the kept connections still work; a freed slot is usable again
    for c in mine + other:
        assert c.request("GET", "/healthz")[0] == 200
    mine.pop().close()

    def fresh_ok():
        c = Conn(port)
        try:
            return c.request("GET", "/healthz")[0] == 200
        except (OSError, TypeError):
            return False
        finally:
            c.close()
    cbtest.wait_for(fresh_ok, what="a connection after one was closed")
    for c in mine + other:
        c.close()
    assert cb.alive()


def test_rate_limit_per_key(tmp_path, procs):
    cb = start(tmp_path, procs, ["api.rate_ip 0", "api.rate_key 2",
                                 "api.rate_key_burst 4"])
    other = cb.admin_ok("key", "create", "default", "other")
    c = Conn(cb.http_port)
    statuses = []
    for _ in range(8):
        st, hdrs, body = c.request("GET", "/v1/calls", key=cb.key)
        statuses.append(st)
        if st == 429:
            break
    assert statuses[:4] == [200] * 4 and statuses[-1] == 429, statuses
    assert error_code(body) == "rate_limited", body
    assert int(hdrs["retry-after"]) >= 1, hdrs

    # another key of the same tenant, same connection: not affected
    assert c.request("GET", "/v1/calls", key=other)[0] == 200
    # the greedy key gets tokens back at its rate
    cbtest.wait_for(lambda: c.request("GET", "/v1/calls",
                                      key=cb.key)[0] == 200,
                    timeout=5, interval=0.25, what="tokens back")
    c.close()


def test_rate_limit_per_address(tmp_path, procs):
    cb = start(tmp_path, procs, ["api.rate_ip 2", "api.rate_ip_burst 4",
                                 "api.rate_key 0"])
    c = Conn(cb.http_port)
    statuses = []
    for _ in range(8):           # unauthenticated requests count too
        st, hdrs, body = c.request("GET", "/v1/calls")
        statuses.append(st)
        if st == 429:
            break
    assert statuses[:4] == [401] * 4 and statuses[-1] == 429, statuses
    assert error_code(body) == "rate_limited", body
    assert int(hdrs["retry-after"]) >= 1, hdrs

    # probes are never limited; other addresses are not affected
    assert c.request("GET", "/healthz")[0] == 200
    assert c.request("GET", "/readyz")[0] in (200, 503)
    o = Conn(cb.http_port, "127.0.0.2")
    assert o.request("GET", "/v1/calls", key=cb.key)[0] == 200
    assert c.request("GET", "/v1/calls", key=cb.key)[0] == 429
    o.close()
    c.close()
