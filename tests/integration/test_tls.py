"""HTTPS, black box: with api.tls_cert and api.tls_key (a self-signed
certificate made with the openssl CLI for the test) the API speaks TLS,
checked by Python's ssl module against that certificate; the session
cookie of a web login is Secure; a plain-HTTP client on the TLS port gets
no HTTP answer and is closed, and the daemon goes on serving.  Webhooks
to https:// receivers (http.server wrapped in ssl) are delivered and
signed when the receiver's certificate is trusted (api.webhook_ca), and
never delivered to a receiver whose certificate is not trusted or names
another host -- the signed body must not reach whoever sits on the path."""

import hashlib
import hmac
import http.client
import http.server
import json
import os
import socket
import ssl
import subprocess
import threading

import pytest

import cbtest

SECRET = "tls-webhook-secret"

pytestmark = pytest.mark.skipif(not cbtest.have("openssl"),
                                reason="needs the openssl CLI")


def make_cert(dirpath, name, san="IP:127.0.0.1,DNS:localhost"):
    """A self-signed P-256 certificate and key: (cert path, key path)."""
    cert = os.path.join(dirpath, name + "-cert.pem")
    key = os.path.join(dirpath, name + "-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + name, "-addext",
                    "subjectAltName=" + san],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    return cert, key


class TlsReceiver:
    """An https webhook receiver on 127.0.0.1 recording every POST."""

    def __init__(self, cert, key):
        self.lock = threading.Lock()
        self.hits = []
        rcv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with rcv.lock:
                    rcv.hits.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                   Handler)
        self.srv.socket = ctx.wrap_socket(self.srv.socket,
                                          server_side=True)
        self.url = "https://127.0.0.1:%d/hook" % self.srv.server_port
        self.t = threading.Thread(target=self.srv.serve_forever,
                                  daemon=True)
        self.t.start()

    def events(self):
        with self.lock:
            return [(h, b) for h, b in self.hits]

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def https(cb, ctx, method, path, body=None, headers=None, key=True):
    """(status, parsed JSON, headers) over TLS, checked against ctx."""
    c = http.client.HTTPSConnection("127.0.0.1", cb.http_port,
                                    context=ctx, timeout=10)
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Bearer " + (cb.key if key is True else key)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    text = r.read()
    c.close()
    return r.status, json.loads(text) if text else None, r.headers


def verify(headers, body):
    sig = headers.get("X-Callbridge-Signature", "")
    parts = dict(p.split("=", 1) for p in sig.split(",") if "=" in p)
    want = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body,
                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts.get("v1", ""), want), sig


@pytest.fixture
def certs(tmp_path):
    d = str(tmp_path)
    return {name: make_cert(d, name, san) for name, san in (
        ("api", "IP:127.0.0.1,DNS:localhost"),
        ("receiver", "IP:127.0.0.1"),
        ("stranger", "IP:127.0.0.1"),
        ("othername", "DNS:other.example"))}


@pytest.fixture
def cbtls(tmp_path, procs, simnet, certs):
    # the receiver's and the other-name certificate are trusted; the
    # stranger's is not
    ca = os.path.join(str(tmp_path), "webhook-ca.pem")
    with open(ca, "w") as out:
        for name in ("receiver", "othername"):
            with open(certs[name][0]) as f:
                out.write(f.read())
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port, extra=[
        "api.tls_cert " + certs["api"][0],
        "api.tls_key " + certs["api"][1],
        "api.webhook_ca " + ca,
        "api.webhook_secret " + SECRET,
        "api.webhook_retries 1",
        "api.webhook_retry_ms 50"])
    procs.append(c)
    return c


def test_api_over_tls(cbtls, certs):
    ctx = ssl.create_default_context(cafile=certs["api"][0])
    st, body, _ = https(cbtls, ctx, "GET", "/healthz", key=None)
    assert st == 200 and body["status"] == "ok", body
    st, body, _ = https(cbtls, ctx, "GET", "/v1/calls")
    assert st == 200 and body == {"calls": []}, body

    # a client that trusts another certificate refuses the handshake
    wrong = ssl.create_default_context(cafile=certs["stranger"][0])
    with pytest.raises(ssl.SSLCertVerificationError):
        https(cbtls, wrong, "GET", "/healthz", key=None)

    # the session cookie is Secure (and still HttpOnly, SameSite=Lax)
    cbtls.admin_ok("user", "create", "default", "olga", "operator",
                   stdin="correct horse battery\n")
    st, body, hdrs = https(cbtls, ctx, "POST", "/v1/auth/login",
                           {"login": "olga",
                            "password": "correct horse battery"},
                           key=None)
    assert st == 200, body
    cookie = hdrs["Set-Cookie"]
    attrs = [a.strip() for a in cookie.split(";")]
    assert "Secure" in attrs and "HttpOnly" in attrs, cookie
    assert "SameSite=Lax" in attrs, cookie
    session = cookie.split(";", 1)[0]
    st, me, _ = https(cbtls, ctx, "GET", "/v1/me",
                      headers={"Cookie": session}, key=None)
    assert st == 200 and me["auth"] == "session", me
    st, _, hdrs = https(cbtls, ctx, "POST", "/v1/auth/logout", {},
                        headers={"Cookie": session,
                                 "X-CSRF-Token": body["csrf_token"]},
                        key=None)
    assert st == 200 and "Secure" in hdrs["Set-Cookie"], hdrs

    # plain HTTP on the TLS port: no HTTP answer, the connection closes
    s = socket.create_connection(("127.0.0.1", cbtls.http_port),
                                 timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except ConnectionResetError:
        pass
    s.close()
    assert not got.startswith(b"HTTP/"), got
    st, body, _ = https(cbtls, ctx, "GET", "/healthz", key=None)
    assert st == 200, body
    assert cbtls.alive()


def test_https_webhooks_only_to_trusted_receivers(cbtls, certs):
    good = TlsReceiver(*certs["receiver"])
    stranger = TlsReceiver(*certs["stranger"])
    othername = TlsReceiver(*certs["othername"])
    ctx = ssl.create_default_context(cafile=certs["api"][0])
    try:
        ids = {}
        for name, rcv in (("good", good), ("stranger", stranger),
                          ("othername", othername)):
            st, call, _ = https(cbtls, ctx, "POST", "/v1/calls",
                                {"to": "+15550102", "play": "welcome.wav",
                                 "status_callback": rcv.url})
            assert st == 201, call
            ids[name] = call["id"]

        # the trusted receiver gets every event, signed, up to the end
        def final():
            evs = [json.loads(b) for _, b in good.events()]
            return evs if any(e["type"] == "call.ended" for e in evs) \
                else None
        evs = cbtest.wait_for(final, timeout=20, what="webhooks over TLS")
        for h, b in good.events():
            verify(h, b)
        assert {e["call_id"] for e in evs} == {ids["good"]}
        ended = [e for e in evs if e["type"] == "leg.state" and
                 e["new"] == "ended"]
        assert ended and ended[-1]["outcome"] == "busy", evs

        # the others: the daemon gave up on them, they received nothing
        for name, rcv in (("stranger", stranger),
                          ("othername", othername)):
            cbtest.wait_for(lambda: _given_up(cbtls.log(), rcv.url),
                            timeout=20, what=name + " given up")
            assert rcv.events() == [], name
    finally:
        for r in (good, stranger, othername):
            r.stop()


def _given_up(log, url):
    return any(url in line and "given up" in line
               for line in log.splitlines())
