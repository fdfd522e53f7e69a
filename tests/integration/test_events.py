"""Live events, black box: a WebSocket client on /v1/events sees every leg
transition of an API call in order and within milliseconds; `?call=`
filters; a local HTTP receiver gets the signed status callbacks in order,
with unique event ids, retried after failures, and the final outcome of
every leg (completed, busy, no-answer, invalid-number); deliveries still
pending when the daemon is killed with SIGKILL go after a restart.

The WebSocket client is a minimal RFC 6455 client on the standard library
(handshake, masked client frames, text/ping/close frames)."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import socket
import sqlite3
import struct
import threading
import time

import pytest

import cbtest

SECRET = "test-webhook-secret"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


# --- a minimal WebSocket client -------------------------------------------

class WsClosed(Exception):
    def __init__(self, code, reason):
        super().__init__("closed %s %r" % (code, reason))
        self.code = code


class WsClient:
    def __init__(self, port, path, timeout=5.0, headers=None):
        self.s = socket.create_connection(("127.0.0.1", port),
                                          timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join("%s: %s\r\n" % kv for kv in
                        (headers or {}).items())
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n%s\r\n"
                        % (path, port, key, extra)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ConnectionError("closed during handshake: %r"
                                      % self.buf)
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {l.split(":", 1)[0].strip().lower():
                        l.split(":", 1)[1].strip() for l in lines[1:]}
        self.body = self.buf
        if self.status == 101:
            want = base64.b64encode(hashlib.sha1(
                (key + WS_GUID).encode()).digest()).decode()
            assert self.headers.get("sec-websocket-accept") == want

    def _exact(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("websocket read deadline")
            self.s.settimeout(left)
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload=b""):
        mkey = os.urandom(4)
        n = len(payload)
        hdr = bytes([0x80 | opcode])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mkey[i % 4] for i, b in enumerate(payload))
        self.s.sendall(hdr + mkey + masked)

    def recv_frame(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        b0, b1 = self._exact(2, deadline)
        assert not b1 & 0x80, "server frames are never masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._exact(2, deadline))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._exact(8, deadline))[0]
        return b0 & 0x0F, self._exact(n, deadline)

    def recv_event(self, timeout=5.0):
        """The next text frame as JSON; answers pings; WsClosed on close."""
        deadline = time.monotonic() + timeout
        while True:
            op, payload = self.recv_frame(max(0.0, deadline -
                                              time.monotonic()))
            if op == 0x1:
                return json.loads(payload.decode())
            if op == 0x9:
                self.send_frame(0xA, payload)
            elif op == 0x8:
                code = struct.unpack("!H", payload[:2])[0] \
                    if len(payload) >= 2 else None
                raise WsClosed(code, payload[2:])

    def events_until(self, pred, timeout=15.0):
        """Collect events until pred(event) is true; return them all."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            ev = self.recv_event(max(0.01, deadline - time.monotonic()))
            ev["_rx_ms"] = time.time() * 1000
            out.append(ev)
            if pred(ev):
                return out

    def close(self):
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.s.close()


def connect_ws(cb, path="/v1/events", key=True, headers=None):
    """A WebSocket to cb with its API key (key=True), another key, or
    none (key=None)."""
    h = dict(headers or {})
    key = cb.key if key is True else key
    if key:
        h["Authorization"] = "Bearer " + key
    return WsClient(cb.http_port, path, headers=h)


# --- a local webhook receiver ---------------------------------------------

class Receiver:
    """http.server in a thread recording every POST; the first `fail`
    requests (only those whose event type is `fail_type`, if set) are
    answered 500."""

    def __init__(self, fail=0, fail_type=None):
        self.lock = threading.Lock()
        self.hits = []          # (status answered, headers, body)
        self.fail = fail
        self.fail_type = fail_type
        rcv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with rcv.lock:
                    status = 200
                    if rcv.fail > 0 and rcv.matches(body):
                        status = 500
                        rcv.fail -= 1
                    rcv.hits.append((status, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                   Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_port
        self.t = threading.Thread(target=self.srv.serve_forever,
                                  daemon=True)
        self.t.start()

    def matches(self, body):
        """Whether a delivery counts towards `fail`."""
        if self.fail_type is None:
            return True
        try:
            return json.loads(body).get("type") == self.fail_type
        except (ValueError, AttributeError):
            return False

    def delivered(self):
        """Bodies answered 200, parsed, in arrival order."""
        with self.lock:
            return [json.loads(b) for s, _, b in self.hits if s == 200]

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def cbw(tmp_path, procs, simnet):
    """callbridge with a known webhook secret and quick retries."""
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.webhook_secret " + SECRET,
                                 "api.webhook_retries 3",
                                 "api.webhook_retry_ms 50",
                                 "api.ws_ping_s 1"])
    procs.append(c)
    return c


def verify(headers, body):
    sig = headers.get("X-Callbridge-Signature", "")
    parts = dict(p.split("=", 1) for p in sig.split(",") if "=" in p)
    want = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body,
                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts.get("v1", ""), want), sig
    assert abs(int(parts["t"]) - time.time()) < 60


def leg_states(events, leg_id):
    return [e for e in events
            if e["type"] == "leg.state" and e["leg_id"] == leg_id]


def assert_chain(states):
    """Each transition starts where the previous one ended."""
    for a, b in zip(states, states[1:]):
        assert b["old"] == a["new"], states
        assert b["ts_ms"] >= a["ts_ms"], states


def originate(cb, body):
    st, call = cb.api("POST", "/v1/calls", body)
    assert st == 201, call
    return call["id"]


# --- WebSocket --------------------------------------------------------------

def test_ws_streams_leg_states_in_order(cbw):
    ws = connect_ws(cbw)
    assert ws.status == 101
    cid = originate(cbw, {"to": "+15550100", "bridge_to": "+15550101"})

    evs = ws.events_until(lambda e: e["type"] == "call.bridged" and
                          e["call_id"] == cid)
    st, body = cbw.api("DELETE", "/v1/calls/" + cid)
    assert st == 200, body
    evs += ws.events_until(lambda e: e["type"] == "call.ended" and
                           e["call_id"] == cid)
    mine = [e for e in evs if e["call_id"] == cid]

    call = cbw.call(cid)
    a = [l for l in call["legs"] if l["peer"].endswith("15550100")][0]
    b = [l for l in call["legs"] if l["peer"].endswith("15550101")][0]

    sa = leg_states(mine, a["id"])
    assert [e["new"] for e in sa][:3] == ["calling", "ringing", "answered"]
    assert sa[-1]["new"] == "ended" and sa[-1]["cause"] == "normal"
    assert sa[-1]["outcome"] == "completed"
    assert_chain(sa)
    sb = leg_states(mine, b["id"])
    assert sb[0]["new"] == "calling" and "answered" in \
        [e["new"] for e in sb]
    assert sb[-1]["new"] == "ended" and sb[-1]["cause"] == "normal"
    assert_chain(sb)
    # the bridge comes after B answered, the end after both legs ended
    names = [(e["type"], e.get("leg_id"), e.get("new")) for e in mine]
    assert names.index(("call.bridged", a["id"], None)) > \
        names.index(("leg.state", b["id"], "answered")) \
        if ("call.bridged", a["id"], None) in names else True
    assert mine[-1]["type"] == "call.ended"
    assert mine[-1]["ts_ms"] >= sa[-1]["ts_ms"]
    # within milliseconds of the transition (same host clock)
    lag = [e["_rx_ms"] - e["ts_ms"] for e in mine]
    assert max(lag) < 500, lag

    # a daemon shutting down says goodbye (1001) to its clients
    cbw.stop()
    with pytest.raises(WsClosed) as closed:
        ws.events_until(lambda e: False, timeout=5)
    assert closed.value.code == 1001
    ws.s.close()


def test_ws_call_filter(cbw):
    c1 = originate(cbw, {"to": "+15550103"})
    only1 = connect_ws(cbw, "/v1/events?call=" + c1)
    assert only1.status == 101
    c2 = originate(cbw, {"to": "+15550103"})
    both = connect_ws(cbw, "/v1/events?call=%s,%s" % (c1, c2))
    also = connect_ws(cbw, "/v1/events?call=%s&call=%s" % (c1, c2))
    for c in (c2, c1):
        assert cbw.api("DELETE", "/v1/calls/" + c)[0] == 200

    got = only1.events_until(lambda e: e["type"] == "call.ended")
    assert got and all(e["call_id"] == c1 for e in got)
    for w in (both, also):
        ended = set()
        seen = w.events_until(lambda e: e["type"] == "call.ended" and
                               (ended.add(e["call_id"]) or
                                ended == {c1, c2}))
        assert {e["call_id"] for e in seen} == {c1, c2}
    # nothing of call 2 trails behind on the filtered stream
    with pytest.raises(socket.timeout):
        only1.recv_event(timeout=0.5)
    for w in (only1, both, also):
        w.close()


def test_ws_refusals(cbw):
    w = connect_ws(cbw, "/v1/events?call=bad%20id")
    assert w.status == 400
    w.s.close()
    for key in (None, "cbk_nope_nope"):
        w = connect_ws(cbw, key=key)
        assert w.status == 401
        w.s.close()
    st, body = cbw.api("GET", "/v1/events")
    assert st == 426 and body["error"]["code"] == "upgrade_required"


def test_ws_tenant_sees_only_its_calls(cbw):
    cbw.admin_ok("tenant", "create", "acme")
    acme = cbw.admin_ok("key", "create", "acme", "ws")
    other = connect_ws(cbw, key=acme)
    mine = connect_ws(cbw)
    assert other.status == 101 and mine.status == 101
    cid = originate(cbw, {"to": "+15550104"})
    got = mine.events_until(lambda e: e["type"] == "call.ended")
    assert got[-1]["call_id"] == cid
    # tenant acme's stream stays silent about the default tenant's call
    with pytest.raises(socket.timeout):
        other.recv_event(timeout=1.0)
    for w in (mine, other):
        w.close()


# --- webhooks ---------------------------------------------------------------

def wait_delivered(rcv, pred, timeout=20, what="webhooks"):
    return cbtest.wait_for(lambda: (lambda d: d if pred(d) else None)(
        rcv.delivered()), timeout=timeout, what=what)


def test_webhooks_signed_in_order(cbw, receiver):
    cid = originate(cbw, {"to": "+15550100", "bridge_to": "+15550101",
                          "status_callback": receiver.url})
    cbtest.wait_for(lambda: any(e["type"] == "call.bridged"
                                for e in receiver.delivered()),
                    what="bridged webhook")
    assert cbw.api("DELETE", "/v1/calls/" + cid)[0] == 200
    got = wait_delivered(receiver, lambda d: d and
                         d[-1]["type"] == "call.ended")

    with receiver.lock:
        hits = list(receiver.hits)
    for _, headers, body in hits:
        verify(headers, body)
        assert headers["Content-Type"] == "application/json"
    assert all(e["call_id"] == cid for e in got)
    ids = [e["event_id"] for e in got]
    assert len(set(ids)) == len(ids)
    ts = [e["ts_ms"] for e in got]
    assert ts == sorted(ts)
    legs = {e["leg_id"] for e in got if e["type"] == "leg.state"}
    assert len(legs) == 2
    for leg in legs:
        st = leg_states(got, leg)
        assert st[0]["new"] == "calling"
        assert st[-1]["new"] == "ended"
        assert st[-1]["outcome"] == "completed"
        assert_chain(st)

    # a forged signature does not verify
    _, headers, body = hits[0]
    with pytest.raises(AssertionError):
        verify(headers, body.replace(b"leg.state", b"leg.stat3"))


def test_webhook_retried_until_delivered(cbw):
    rcv = Receiver(fail=2)
    try:
        cid = originate(cbw, {"to": "+15550102",
                              "status_callback": rcv.url})
        got = wait_delivered(rcv, lambda d: d and
                             d[-1]["type"] == "call.ended")
        with rcv.lock:
            hits = list(rcv.hits)
    finally:
        rcv.stop()
    # the first event was refused twice, then delivered: same id each time
    first = [json.loads(b)["event_id"] for _, _, b in hits[:3]]
    assert [s for s, _, _ in hits[:3]] == [500, 500, 200]
    assert len(set(first)) == 1
    for _, headers, body in hits:
        verify(headers, body)
    # nothing lost or reordered behind the retried one
    assert got[0]["event_id"] == first[0]
    st = [e for e in got if e["type"] == "leg.state"]
    assert st[0]["new"] == "calling" and st[-1]["outcome"] == "busy"
    assert_chain(st)
    assert all(e["call_id"] == cid for e in got)


@pytest.mark.parametrize("number,extra,outcome,cause", [
    ("+15550102", {}, "busy", "busy"),
    ("+15550103", {"ring_timeout": 1}, "no-answer", "no-answer"),
    ("+15550104", {}, "invalid-number", "invalid-number"),
])
def test_webhook_final_outcome(cbw, receiver, number, extra, outcome,
                               cause):
    body = {"to": number, "status_callback": receiver.url}
    body.update(extra)
    cid = originate(cbw, body)
    got = wait_delivered(receiver, lambda d: d and
                         d[-1]["type"] == "call.ended")
    end = [e for e in got if e["type"] == "leg.state" and
           e["new"] == "ended"]
    assert len(end) == 1 and end[0]["call_id"] == cid
    assert end[0]["outcome"] == outcome and end[0]["cause"] == cause


def test_status_callback_validated(cbw):
    for bad in ("ftp://127.0.0.1/x", "http://", "http://a b/",
                "http://127.0.0.1/" + "x" * 300, 42):
        st, body = cbw.api("POST", "/v1/calls", {
            "to": "+15550100", "status_callback": bad})
        assert st == 400, body
        assert body["error"]["field"] == "status_callback"
    assert cbw.calls() == []


# --- restart safety -----------------------------------------------------

def outbox_pending(db):
    """Pending deliveries in the daemon's store, in order: (event_id, key,
    body) -- read next to the daemon (SQLite, WAL)."""
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute("SELECT event_id, key, body FROM webhook_outbox"
                           " WHERE done_ms = 0 ORDER BY ord, seq").fetchall()
    finally:
        con.close()


def test_webhooks_pending_survive_kill_9(tmp_path, procs, simnet):
    """kill -9 with deliveries pending (the receiver answers 500): after a
    restart on the same store every one arrives, once per event_id, in
    order per call, with the body and event_id of the first attempt."""
    tmp = str(tmp_path)
    db = os.path.join(tmp, "callbridge.db")
    extra = ["api.webhook_secret " + SECRET, "api.webhook_retries 50",
             "api.webhook_retry_ms 100"]
    rcv = Receiver(fail=10 ** 9)
    first = None
    try:
        first = cbtest.Callbridge(tmp, trunk_port=simnet.port, extra=extra,
                                  name="cb-first")
        cids = [originate(first, {"to": "+15550102",
                                  "status_callback": rcv.url})
                for _ in range(2)]

        def all_queued():
            rows = outbox_pending(db)
            ended = {r[1] for r in rows
                     if json.loads(r[2])["type"] == "call.ended"}
            return rows if ended == set(cids) else None
        cbtest.wait_for(all_queued, what="every event in the outbox")

        def first_refused():
            # each call's oldest event was tried and refused, so the lane
            # is stuck behind it with the rest pending
            heads = {}
            for eid, key, _ in outbox_pending(db):
                heads.setdefault(key, eid)
            with rcv.lock:
                refused = {json.loads(b)["event_id"]
                           for st, _, b in rcv.hits if st == 500}
            return set(heads.values()) <= refused
        cbtest.wait_for(first_refused, what="refused first attempts")
    finally:
        if first is not None:
            first.p.kill()
            first.p.wait()
            first.logf.close()
    log = first.log()
    assert "ERROR: AddressSanitizer" not in log, log[-4000:]
    assert "runtime error:" not in log, log[-4000:]
    with rcv.lock:
        assert all(st == 500 for st, _, _ in rcv.hits)
        rcv.fail = 0
        before = len(rcv.hits)

    want = outbox_pending(db)
    assert {k for _, k, _ in want} == set(cids)
    want_ids = [e for e, _, _ in want]
    try:
        second = cbtest.Callbridge(tmp, trunk_port=simnet.port,
                                   extra=extra, name="cb-second")
        procs.append(second)

        def delivered():
            with rcv.lock:
                hits = [(h, b) for st, h, b in rcv.hits[before:]
                        if st == 200]
            ids = {json.loads(b)["event_id"] for _, b in hits}
            return hits if ids >= set(want_ids) else None
        hits = cbtest.wait_for(delivered, timeout=20,
                               what="pending webhooks after the restart")
        # the store records them done: nothing is left to send again
        cbtest.wait_for(lambda: outbox_pending(db) == [],
                        what="outbox drained")
        with rcv.lock:
            hits = [(h, b) for st, h, b in rcv.hits[before:] if st == 200]
    finally:
        rcv.stop()

    stored = {e: body for e, _, body in want}
    seen = []
    for headers, body in hits:
        verify(headers, body)
        ev = json.loads(body)
        assert ev["event_id"] in stored, ev     # nothing new or invented
        # a repeat (ack lost in the crash) is the same delivery
        assert body.decode() == stored[ev["event_id"]]
        assert headers["X-Callbridge-Event-Id"] == ev["event_id"]
        if ev["event_id"] not in [e["event_id"] for e in seen]:
            seen.append(ev)
    # after dedupe by event_id: every pending event exactly once, and in
    # the order of the call's events
    assert sorted(e["event_id"] for e in seen) == sorted(want_ids)
    for cid in cids:
        mine = [e for e in seen if e["call_id"] == cid]
        assert [e["event_id"] for e in mine] == \
            [e for e, k, _ in want if k == cid]
        assert mine[-1]["type"] == "call.ended"
        st = [e for e in mine if e["type"] == "leg.state"]
        assert st[0]["new"] == "calling" and st[-1]["outcome"] == "busy"
        assert_chain(st)
