"""The web console in a real browser: headless Chromium (Debian's
`chromium`) driven by playwright-core from npm (tests/browser/).  The page
is served by callbridge itself; the script signs in, watches a call placed
through the API appear live with both legs answered, hangs it up from the
page, sees it end, and logs out.  A screenshot of the dashboard with the
live call is saved as tests/artifacts/dashboard.png.

Also here, without a browser: the static file route's safety (names,
types, headers)."""

import os
import queue
import shutil
import subprocess
import threading
import time
import urllib.request

import pytest

import cbtest

BROWSER_DIR = os.path.join(cbtest.ROOT, "tests", "browser")
ARTIFACTS = os.path.join(cbtest.ROOT, "tests", "artifacts")
WEB_DIR = os.path.join(cbtest.ROOT, "web")
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def cbw(tmp_path, procs, simnet):
    """callbridge serving the repository's web/ directory."""
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          extra=["api.web_dir %s" % WEB_DIR])
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


def _reader(stream, q):
    for line in iter(stream.readline, b""):
        q.put(line.decode("utf-8", "replace").strip())
    q.put(None)


def _expect(q, word, deadline, proc):
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("browser script: no %s in time" % word)
        try:
            line = q.get(timeout=left)
        except queue.Empty:
            continue
        if line is None:
            raise AssertionError("browser script ended before %s (exit %s)"
                                 % (word, proc.wait()))
        if line == word:
            return


def _playwright_ready():
    if os.path.isdir(os.path.join(BROWSER_DIR, "node_modules",
                                  "playwright-core")):
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed to install playwright-core"
    p = subprocess.run([npm, "install", "--no-audit", "--no-fund"],
                       cwd=BROWSER_DIR, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    assert p.returncode == 0, p.stdout.decode("utf-8", "replace")


def test_dashboard_live_call_in_browser(tmp_path, cbw):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    _playwright_ready()

    password = "web-admin-pass-1"
    cbw.admin_ok("user", "create", "default", "webadmin", "admin",
                 stdin=password + "\n")
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "dashboard.png")
    if os.path.exists(shot):
        os.remove(shot)

    env = dict(os.environ, CB_URL="http://127.0.0.1:%d" % cbw.http_port,
               CB_LOGIN="webadmin", CB_PASSWORD=password,
               CB_SCREENSHOT=shot, CHROMIUM=CHROMIUM)
    errf = open(os.path.join(str(tmp_path), "browser.err"), "w+b")
    p = subprocess.Popen([node, os.path.join(BROWSER_DIR,
                                             "dashboard.test.mjs")],
                         cwd=BROWSER_DIR, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=errf)
    q = queue.Queue()
    threading.Thread(target=_reader, args=(p.stdout, q), daemon=True).start()
    deadline = time.monotonic() + 120
    try:
        _expect(q, "READY", deadline, p)
        st, body = cbw.api("POST", "/v1/calls", {"to": "+15550100",
                                                 "bridge_to": "+15550101"})
        assert st in (200, 201), body
        p.stdin.write((body["id"] + "\n").encode())
        p.stdin.flush()
        _expect(q, "ANSWERED", deadline, p)
        _expect(q, "ENDED", deadline, p)
        rc = p.wait(max(1, deadline - time.monotonic()))
    except BaseException:
        p.kill()
        p.wait()
        errf.seek(0)
        print(errf.read().decode("utf-8", "replace"))
        raise
    finally:
        p.stdin.close()
    errf.seek(0)
    err = errf.read().decode("utf-8", "replace")
    errf.close()
    assert rc == 0, err
    assert os.path.getsize(shot) > 10000, "screenshot missing or empty"
    # the page's hang-up really ended the call on the server
    call = cbw.call(body["id"])
    assert call is None or all(l["state"] == "ended"
                               for l in call["legs"]), call
    # and the page asked for it: no leg ended on its own
    assert call is None or all(l["cause"] != "timeout"
                               for l in call["legs"]), call
