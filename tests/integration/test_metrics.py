"""GET /metrics, black box.  The exposition is parsed strictly (Prometheus
text format 0.0.4: every sample belongs to the family of the TYPE line
before it, every family has HELP and TYPE once, counters end in _total,
label values are well escaped, no sample appears twice), and the counters
move with what a user does: a busy call counts one busy leg, an echo call
moves the RTP counters both ways, a 404 counts one 404, a webhook that
fails once counts one retry and then its deliveries."""

import http.server
import os
import re
import subprocess
import threading

import pytest

import cbtest

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % NAME)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = ("counter", "gauge", "summary", "histogram", "untyped")
SUFFIXES = {"summary": ("_sum", "_count", ""),
            "histogram": ("_bucket", "_sum", "_count")}


def parse_labels(text):
    """{name: value} of a label set; the whole text must be labels."""
    out, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        assert m, "bad labels %r" % text
        name = m.group(1)
        assert name not in out, "label %s twice in %r" % (name, text)
        out[name] = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(
            e.group(1), e.group(1)), m.group(2))
        pos = m.end()
        if pos < len(text):
            assert text[pos] == ",", "bad labels %r" % text
            pos += 1
    return out


def parse(text):
    """{(sample name, ((label, value), ...)): value}; asserts the format."""
    helps, types, samples = {}, {}, {}
    family = None
    assert text.endswith("\n"), text[-200:]
    for line in text[:-1].split("\n"):
        assert line, "empty line"
        if line.startswith("# HELP "):
            name, _, doc = line[7:].partition(" ")
            assert re.fullmatch(NAME, name) and doc, line
            assert name not in helps, "HELP twice: " + line
            helps[name] = doc
            continue
        if line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            assert typ in TYPES, line
            assert name not in types, "TYPE twice: " + line
            assert name in helps, "TYPE without HELP: " + line
            types[name] = typ
            family = name
            if typ == "counter":
                assert name.endswith("_total"), line
            continue
        assert not line.startswith("#"), line
        m = SAMPLE.match(line)
        assert m, "bad sample line %r" % line
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        assert family, "sample before any TYPE: " + line
        ok = name == family or any(
            name == family + sfx for sfx in SUFFIXES.get(types[family],
                                                         ()))
        assert ok, "sample %s not of family %s" % (name, family)
        key = (name, tuple(sorted(parse_labels(labels).items())))
        assert key not in samples, "sample twice: " + line
        v = float(value)
        if types[family] == "counter":
            assert v >= 0, line
        samples[key] = v
    assert set(helps) == set(types), "HELP without TYPE"
    return samples, types


def scrape(cb):
    st, text, hdrs = cb.api("GET", "/metrics", key=None, full=True)
    assert st == 200, text
    assert hdrs["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(text)[0]


def val(samples, name, **labels):
    """A sample's value; an absent one is 0 (a counter not yet seen)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def originate(cb, body):
    st, call = cb.api("POST", "/v1/calls", body)
    assert st == 201, call
    return call["id"]


def ended(cb, call_id):
    cb.wait_call_state(call_id, lambda c: all(
        l["state"] == "ended" for l in c["legs"]) and c["legs"],
        what="call %s ended" % call_id)


def causes():
    """Cause names from `callbridge --causes` (its first column)."""
    out = subprocess.run([os.path.join(cbtest.BUILD, "callbridge"),
                          "--causes"], stdout=subprocess.PIPE, check=True,
                         timeout=30).stdout.decode()
    return {l.split()[0] for l in out.splitlines()[1:] if l.strip()}


# --- the format -------------------------------------------------------------

def test_exposition_is_strict_and_complete(cb):
    text = cb.api("GET", "/metrics", key=None)[1]
    samples, types = parse(text)
    for fam, typ in [("callbridge_calls", "gauge"),
                     ("callbridge_legs", "gauge"),
                     ("callbridge_legs_ended_total", "counter"),
                     ("callbridge_calls_ended_total", "counter"),
                     ("callbridge_sip_messages_total", "counter"),
                     ("callbridge_rtp_packets_total", "counter"),
                     ("callbridge_rtp_bytes_total", "counter"),
                     ("callbridge_rtp_packets_lost_total", "counter"),
                     ("callbridge_http_requests_total", "counter"),
                     ("callbridge_webhook_deliveries_total", "counter"),
                     ("callbridge_webhook_outbox_pending", "gauge"),
                     ("callbridge_ws_clients", "gauge"),
                     ("callbridge_store_latency_seconds", "summary"),
                     ("callbridge_build_info", "gauge"),
                     ("process_start_time_seconds", "gauge")]:
        assert types.get(fam) == typ, (fam, types.get(fam))

    # every cause is a series from the start (rate() needs no warm-up)
    names = causes() - {"none"}
    seen = {dict(k[1])["cause"] for k in samples
            if k[0] == "callbridge_legs_ended_total"}
    assert seen == names, (seen, names)
    assert val(samples, "callbridge_calls", state="active") == 0
    assert val(samples, "callbridge_sip_messages_total", dir="in") > 0
    info = [dict(k[1]) for k in samples if k[0] == "callbridge_build_info"]
    assert len(info) == 1 and info[0]["version"], info


def test_parser_refuses_bad_expositions():
    """The checks above can fail: each broken text is refused."""
    good = ("# HELP a_total A.\n# TYPE a_total counter\n"
            'a_total{x="1"} 2\n')
    parse(good)
    for bad in [good.replace("# HELP a_total A.\n", ""),      # no HELP
                good + 'a_total{x="1"} 3\n',                   # twice
                good.replace("a_total", "a"),                  # counter name
                good + "b 1\n",                                # no family
                good.replace('x="1"', 'x="1'),                 # quoting
                good.replace('x="1"', 'x="1",x="2"'),          # label twice
                good.replace('x="1"', 'x="a\nb"')]:            # raw newline
        with pytest.raises(AssertionError):
            parse(bad)


# --- counters that follow what happens -------------------------------------

def test_busy_call_counts_one_busy_leg(cb):
    before = scrape(cb)
    call_id = originate(cb, {"to": "+15550102"})
    ended(cb, call_id)

    def moved():
        s = scrape(cb)
        return s if val(s, "callbridge_legs_ended_total", cause="busy") \
            > val(before, "callbridge_legs_ended_total",
                  cause="busy") else None
    after = cbtest.wait_for(moved, what="busy counter")
    for fam in ("callbridge_legs_ended_total",
                "callbridge_calls_ended_total"):
        assert val(after, fam, cause="busy") == \
            val(before, fam, cause="busy") + 1, fam
        assert val(after, fam, cause="normal") == \
            val(before, fam, cause="normal"), fam


def test_echo_call_moves_rtp_counters(cb):
    before = scrape(cb)
    call_id = originate(cb, {"to": "+15550100", "play": "welcome.wav"})

    def flowed():
        s = scrape(cb)
        grew = all(val(s, n, dir=d) >= val(before, n, dir=d) + 20
                   for n in ("callbridge_rtp_packets_total",)
                   for d in ("in", "out"))
        return s if grew else None
    during = cbtest.wait_for(flowed, timeout=20, what="RTP both ways")
    assert val(during, "callbridge_rtp_bytes_total", dir="in") >= \
        val(before, "callbridge_rtp_bytes_total", dir="in") + 20 * 172
    assert val(during, "callbridge_legs", state="answered") >= 1

    # counts stay when the endpoints are gone
    st, _ = cb.api("DELETE", "/v1/calls/" + call_id)
    assert st in (200, 409), st
    ended(cb, call_id)
    # the media workers close the endpoints a moment after the legs end
    after = cbtest.wait_for(lambda: (lambda s: s if val(
        s, "callbridge_media_endpoints") == 0 else None)(scrape(cb)),
        what="endpoints closed")
    for d in ("in", "out"):
        assert val(after, "callbridge_rtp_packets_total", dir=d) >= \
            val(during, "callbridge_rtp_packets_total", dir=d)
    assert val(after, "callbridge_calls", state="active") == 0


def test_404_counts_one_404(cb):
    before = scrape(cb)
    st, _ = cb.api("GET", "/no/such/thing")
    assert st == 404
    after = scrape(cb)
    code = "callbridge_http_requests_total"
    assert val(after, code, code="404") == val(before, code, code="404") + 1
    # and the scrape before this one was counted as a 200
    assert val(after, code, code="200") >= val(before, code, code="200") + 1


# --- webhooks ---------------------------------------------------------------

class FailOnce:
    """A webhook receiver whose first answer is 500, then 200."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = []
        rcv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length",
                                                     "0")))
                with rcv.lock:
                    status = 500 if not rcv.answers else 200
                    rcv.answers.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                   Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def count(self, status):
        with self.lock:
            return self.answers.count(status)

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def failonce():
    r = FailOnce()
    yield r
    r.stop()


def test_webhook_results_counted(tmp_path, procs, simnet, failonce):
    cb = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                           extra=["api.webhook_retry_ms 20"])
    procs.append(cb)
    before = scrape(cb)
    call_id = originate(cb, {"to": "+15550102",
                             "status_callback": failonce.url})
    ended(cb, call_id)
    hook = "callbridge_webhook_deliveries_total"

    def drained():
        s = scrape(cb)
        return s if val(s, "callbridge_webhook_outbox_pending") == 0 and \
            val(s, hook, result="delivered") >= \
            val(before, hook, result="delivered") + 2 else None
    after = cbtest.wait_for(drained, timeout=20, what="webhooks delivered")
    assert val(after, hook, result="retried") == \
        val(before, hook, result="retried") + 1
    assert val(after, hook, result="failed") == \
        val(before, hook, result="failed")
    assert val(after, hook, result="delivered") - \
        val(before, hook, result="delivered") == failonce.count(200)
