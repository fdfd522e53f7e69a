"""The web console in a real browser, and the README's walkthrough: headless
Chromium (Debian's `chromium`) driven by playwright-core from npm
(tests/browser/) signs in as the first start's admin, creates an API key on
the "API keys" page and reads it from there; then the real `curl` places a
call with that key to the simulated echo number with a status_callback,
while `scripts/listen events` (a WebSocket client on /v1/events) and
`scripts/listen webhooks` (a receiver checking the signatures) run; the
dashboard shows the call live and then its end, the WebSocket client sees
its events and the receiver its signed webhooks.  The page then makes a
tenant with a webhook URL, adds and deletes a user and revokes the key,
which curl then finds refused.  Screenshots are saved in tests/artifacts/
(dashboard.png with the live call, api-keys.png, tenants.png, users.png).

Also here, without a browser: the static file route's safety (names,
types, headers)."""

import json
import os
import re
import shutil
import subprocess
import urllib.request

import pytest

import browserlib
import cbtest
from browserlib import WEB_DIR, Lines
# what other browser tests still import from here (browserlib has them)
from browserlib import (ARTIFACTS, BROWSER_DIR, CHROMIUM,  # noqa: F401
                        playwright_ready as _playwright_ready)

LISTEN = os.path.join(cbtest.ROOT, "scripts", "listen")
SECRET = "walkthrough-webhook-secret"


@pytest.fixture
def cbw(tmp_path, procs, simnet):
    """callbridge serving the repository's web/ directory."""
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.web_dir %s" % WEB_DIR,
                                 "api.webhook_secret " + SECRET])
    procs.append(c)
    return c


def raw_get(cb, path):
    """GET without credentials: (status, headers, body bytes)."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" %
                                 (cb.http_port, path))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_static_files_served_with_safe_headers(cbw):
    st, h, body = raw_get(cbw, "/")
    assert st == 200 and b"<title>callbridge console</title>" in body
    assert h["Content-Type"].startswith("text/html")
    assert h["X-Content-Type-Options"] == "nosniff"
    csp = h["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "http" not in csp           # no external source allowed
    for name, ctype in (("app.js", "text/javascript"),
                        ("app.css", "text/css"),
                        ("favicon.svg", "image/svg+xml")):
        st, h, body = raw_get(cbw, "/web/" + name)
        assert st == 200 and h["Content-Type"].startswith(ctype), name
        with open(os.path.join(WEB_DIR, name), "rb") as f:
            assert body == f.read()
    # the pages load nothing from elsewhere
    for name in ("index.html", "app.js", "app.css"):
        with open(os.path.join(WEB_DIR, name)) as f:
            txt = f.read()
        assert "//cdn" not in txt and "https://" not in txt, name


@pytest.mark.parametrize("path", [
    "/web/../callbridge.conf", "/web/..%2fcallbridge.conf",
    "/web/%2e%2e/callbridge.db", "/web/.hidden.js", "/web/a/b.js",
    "/web//etc/passwd", "/web/callbridge.conf", "/web/nothere.html",
    "/web/" + "a" * 60 + ".js", "/web/", "/web", "/index.html",
])
def test_static_bad_names_are_404(cbw, path):
    # a file next to the web files that must never be served
    st, _, body = raw_get(cbw, path)
    assert st == 404, (path, st, body[:200])
    assert b"[" not in body[:1] and b"sip." not in body
    assert cbw.alive()
    assert raw_get(cbw, "/healthz")[0] == 200


def test_static_only_get(cbw):
    st, _ = cbw.api("POST", "/", {"x": 1}, key=None)
    assert st == 405


def _first_admin_password(cb):
    """What a newcomer reads in the log of the first start."""
    log = cb.log()
    m = re.search(r"first start: web admin created \*\*\*\s+login:\s+"
                  r"admin\s+password:\s+(\S+)", log)
    assert m, log[-2000:]
    return m.group(1)


def _curl(*args):
    """The real curl binary: (stdout text, HTTP status)."""
    p = subprocess.run(["curl", "-s", "-S", "-w", "\n%{http_code}"] +
                       list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    out, _, status = p.stdout.decode().rpartition("\n")
    return out, int(status)


def _events_until_end(proc, prefix, cid, deadline, what):
    """Lines `<prefix> {json}` of call cid up to its call.ended."""
    got = []

    def mine(line):
        if not line.startswith(prefix + " "):
            return False
        ev = json.loads(line.split(" ", 1)[1] if prefix == "event" else
                        line.split(" ", 2)[2])
        if ev.get("call_id") != cid:
            return False
        got.append((line, ev))
        return ev["type"] == "call.ended"
    proc.expect(mine, deadline, what)
    return got


def test_walkthrough_in_browser(tmp_path, cbw):
    node = browserlib.need_browser()
    assert shutil.which("curl"), "curl is needed (scripts/setup)"

    shots = browserlib.fresh_shots("dashboard.png", "api-keys.png",
                                   "tenants.png", "users.png")
    api = "http://127.0.0.1:%d" % cbw.http_port

    env = dict(CB_URL=api, CB_LOGIN="admin",
               CB_PASSWORD=_first_admin_password(cbw))
    hooks = events = None
    with browserlib.Browser(tmp_path, node, "dashboard.test.mjs", env,
                            150) as page:
        page.on_exit(lambda: [p.stop() for p in (hooks, events) if p])
        deadline = page.deadline
        line = page.expect(lambda l: l.startswith("KEY "), deadline,
                           "the key read from the page")
        key = line.split(" ", 1)[1]

        # the newcomer's two terminals: a webhook receiver, a WebSocket
        hook_port = cbtest.free_port()
        hooks = Lines([LISTEN, "webhooks", "--port", str(hook_port),
                       "--secret", SECRET])
        hooks.expect(lambda l: l.startswith("receiving webhooks"),
                     deadline, "the receiver to listen")
        events = Lines([LISTEN, "events", "--url", api, "--key", key])
        events.expect(lambda l: l.startswith("connected"), deadline,
                      "the WebSocket client to connect")
        page.expect(lambda l: l == "READY", deadline, "READY")

        # the walkthrough's curl: a call to the echo number, with webhooks
        out, status = _curl(
            "-H", "Authorization: Bearer " + key,
            "-H", "Content-Type: application/json",
            "-d", json.dumps({"to": "+15550100", "status_callback":
                              "http://127.0.0.1:%d/hook" % hook_port}),
            api + "/v1/calls")
        assert status == 201, out
        cid = json.loads(out)["id"]
        page.tell(cid)
        page.expect(lambda l: l == "ANSWERED", deadline, "ANSWERED")
        page.expect(lambda l: l == "ENDED", deadline, "ENDED")

        # the WebSocket client saw the call from dialing to its end
        seen = [ev for _, ev in _events_until_end(
            events, "event", cid, deadline, "the call's events")]
        states = [e["new"] for e in seen if e["type"] == "leg.state"]
        assert states[:3] == ["calling", "ringing", "answered"], states
        assert states[-1] == "ended", states
        # the receiver got the same story, every delivery signed
        got = _events_until_end(hooks, "webhook", cid, deadline,
                                "the call's webhooks")
        assert all(l.startswith("webhook signature=ok ") for l, _ in got), \
            got
        hstates = [e["new"] for _, e in got if e["type"] == "leg.state"]
        assert hstates == states, (hstates, states)
        assert [e for _, e in got if e["type"] == "leg.state"][-1][
            "outcome"] == "completed"

        # revoked in the page: curl is refused from now on
        page.expect(lambda l: l == "REVOKED", deadline, "REVOKED")
        out, status = _curl("-H", "Authorization: Bearer " + key,
                            api + "/v1/calls")
        assert status == 401, out
        page.finish()
    page.passed()
    browserlib.shots_taken(shots)
    # the page's hang-up really ended the call on the server, on request
    call = cbw.call(cid)
    assert call is None or all(l["state"] == "ended" and
                               l["cause"] == "normal"
                               for l in call["legs"]), call
    # what the page made is in the store: the tenant and its URL
    st, t = cbw.api("GET", "/v1/me")
    assert st == 200
    assert "acme-web" in cbw.admin_ok("tenant", "list")
    assert "olga-web" not in cbw.admin_ok("user", "list", "acme-web")
