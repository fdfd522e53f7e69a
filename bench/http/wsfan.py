"""bench/http/wsfan.py -- event fan-out latency to N WebSocket clients.

N clients subscribe to /v1/events with the API key; then calls are placed
one at a time (POST /v1/calls to a simulated number that ends quickly),
and every event frame each client receives is timed against the event's
own `ts_us` (wall clock in microseconds, taken by callbridge in the same
turn of its loop as the transition).  Two receive times per frame:

    sock   when the frame's TCP segment reached the client's socket (the
           kernel's receive timestamp, SO_TIMESTAMPNS): what callbridge's
           fan-out itself costs, independent of how fast this reader is;
    app    when this single-threaded Python reader had the frame parsed:
           adds the reader's own work (select, recvmsg, JSON) for every
           client served before it.

The next call is placed once every client has seen the previous call's
`call.ended`.  The WebSocket client is the test suite's (tests/integration/
test_events.py), reading with recvmsg so that the kernel's timestamp of
each frame is kept.
"""

import os
import selectors
import socket
import struct
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from test_events import WsClient  # noqa: E402

# SO_TIMESTAMPNS (= SCM_TIMESTAMPNS) on Linux; Python 3.11 does not name it
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


class StampedWs(WsClient):
    """WsClient reading exactly what each frame needs with recvmsg, so
    that `stamp` is the kernel receive time (us) of the frame just read"""

    def __init__(self, port, path, headers):
        super().__init__(port, path, headers=headers)
        self.stamp = None
        if self.status == 101:
            self.s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)

    def _exact(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("websocket read deadline")
            self.s.settimeout(left)
            data, anc, _flags, _addr = self.s.recvmsg(
                n - len(self.buf), socket.CMSG_SPACE(16))
            if not data:
                raise ConnectionError("connection closed")
            for level, kind, val in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS \
                        and len(val) >= 16:
                    sec, ns = struct.unpack("qq", val[:16])
                    self.stamp = sec * 1e6 + ns / 1e3
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def _post(port, key, body):
    """send POST /v1/calls on a fresh connection; read the reply later"""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(("POST /v1/calls HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Authorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n"
               "Connection: close\r\n\r\n%s"
               % (port, key, len(body), body)).encode())
    return s


def _post_status(s):
    """the reply's status, once head and body (Content-Length) are in"""
    data, need = b"", None
    while need is None or len(data) < need:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if need is None and b"\r\n\r\n" in data:
            head = data.split(b"\r\n\r\n", 1)[0]
            need = len(head) + 4
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    need += int(v)
    s.close()
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def pct(vals, q):
    """the q-quantile (0..1) of vals, nearest rank"""
    if not vals:
        return None
    v = sorted(vals)
    return v[min(len(v) - 1, max(0, int(q * len(v) + 0.999999) - 1))]


def measure(port, key, clients, calls, body, timeout=10.0):
    """Latencies (us) of every event at every client: {"sock": [...],
    "app": [...], "events_per_call": E, "post_errors": n}"""
    hdr = {"Authorization": "Bearer " + key}
    ws = []
    sel = selectors.DefaultSelector()
    out = {"sock": [], "app": [], "events": 0, "post_errors": 0}
    try:
        for _ in range(clients):
            c = StampedWs(port, "/v1/events", hdr)
            if c.status != 101:
                raise RuntimeError("/v1/events answered %d: %r" % (
                    c.status, c.body[:200]))
            ws.append(c)
            sel.register(c.s, selectors.EVENT_READ, c)
        for _ in range(calls):
            ps = _post(port, key, body)
            waiting = set(ws)
            deadline = time.monotonic() + timeout
            while waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("%d of %d clients did not see "
                                       "call.ended" % (len(waiting),
                                                       clients))
                for k, _ in sel.select(left):
                    c = k.data
                    ev = c.recv_event(timeout=2.0)
                    now = time.time() * 1e6
                    ts = ev.get("ts_us")
                    if ts is None:
                        raise RuntimeError("events carry no ts_us: %r" % ev)
                    out["app"].append(now - ts)
                    if c.stamp is not None:
                        out["sock"].append(c.stamp - ts)
                    out["events"] += 1
                    if ev.get("type") == "call.ended":
                        waiting.discard(c)
            if _post_status(ps) // 100 != 2:
                out["post_errors"] += 1
    finally:
        for c in ws:
            c.close()
        sel.close()
    out["events_per_call"] = out["events"] / float(clients * calls) \
        if clients and calls else 0
    return out


def summary(res):
    """p50 / p99 / max of both receive times, in microseconds"""
    s = {"events_per_call": round(res["events_per_call"], 2),
         "frames": len(res["app"]), "post_errors": res["post_errors"]}
    for k in ("sock", "app"):
        v = res[k]
        s[k] = None if not v else {
            "p50_us": round(pct(v, 0.50), 1),
            "p99_us": round(pct(v, 0.99), 1),
            "max_us": round(max(v), 1)}
    return s
