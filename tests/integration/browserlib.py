"""What the browser tests share: a script of tests/browser/ run by node
(playwright-core driving Debian's headless chromium) as a child whose
stdout lines the test waits for and whose stdin takes the test's words.

    node = browserlib.need_browser()          # skips without chromium/node
    shots = browserlib.fresh_shots("a.png")   # old screenshots removed
    with browserlib.Browser(tmp_path, node, "x.test.mjs", env, 120) as page:
        page.expect(lambda l: l == "READY", page.deadline, "READY")
        page.tell("GO")
        page.finish()                         # waits for the script's end
    page.passed()                             # exit 0, else its stderr
    browserlib.shots_taken(shots)

The script's stderr goes to browser.err in the test's tmp_path and is
printed, with the lines it wrote, when the test fails inside the block;
on_exit() adds clean-ups run when the block is left, however."""

import os
import queue
import shutil
import subprocess
import threading
import time

import pytest

import cbtest

BROWSER_DIR = os.path.join(cbtest.ROOT, "tests", "browser")
ARTIFACTS = os.path.join(cbtest.ROOT, "tests", "artifacts")
WEB_DIR = os.path.join(cbtest.ROOT, "web")
CHROMIUM = "/usr/bin/chromium"


class Lines:
    """A child process whose stdout lines are read by a thread, so a test
    can wait for a line with a deadline and keep every line it printed."""

    def __init__(self, argv, cwd=None, env=None, stdin=None, errf=None):
        self.p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=stdin,
                                  stdout=subprocess.PIPE,
                                  stderr=errf or subprocess.STDOUT)
        self.q = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in iter(self.p.stdout.readline, b""):
            self.q.put(line.decode("utf-8", "replace").strip())
        self.q.put(None)

    def expect(self, pred, deadline, what):
        """The first line from now on for which pred(line) is true."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s in time; got %r" %
                                     (what, self.seen[-20:]))
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("ended before %s (exit %s): %r" % (
                    what, self.p.wait(), self.seen[-20:]))
            self.seen.append(line)
            if pred(line):
                return line

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def playwright_ready():
    """playwright-core in tests/browser/node_modules, installed once."""
    if os.path.isdir(os.path.join(BROWSER_DIR, "node_modules",
                                  "playwright-core")):
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed to install playwright-core"
    p = subprocess.run([npm, "install", "--no-audit", "--no-fund"],
                       cwd=BROWSER_DIR, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    assert p.returncode == 0, p.stdout.decode("utf-8", "replace")


def need_browser():
    """node's path; the test is skipped without chromium or node."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed (scripts/setup)")
    playwright_ready()
    return node


def fresh_shots(*names):
    """The screenshots' paths in tests/artifacts/, old ones removed."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    paths = [os.path.join(ARTIFACTS, n) for n in names]
    for p in paths:
        if os.path.exists(p):
            os.remove(p)
    return paths


def shots_taken(paths):
    for p in paths:
        assert os.path.getsize(p) > 10000, p


class Browser(Lines):
    """A tests/browser/ script, with CB_ARTIFACTS and CHROMIUM added to
    env, and one deadline (seconds from now) for all of it."""

    def __init__(self, tmp_path, node, script, env, seconds, stdin=True):
        self.errf = open(os.path.join(str(tmp_path), "browser.err"), "w+b")
        env = dict(os.environ, CB_ARTIFACTS=ARTIFACTS, CHROMIUM=CHROMIUM,
                   **{k: v for k, v in env.items()
                      if k not in ("CB_ARTIFACTS", "CHROMIUM")})
        super().__init__([node, os.path.join(BROWSER_DIR, script)],
                         cwd=BROWSER_DIR, env=env,
                         stdin=subprocess.PIPE if stdin else None,
                         errf=self.errf)
        self.deadline = time.monotonic() + seconds
        self.rc = None
        self.cleanups = []

    def tell(self, word):
        """A line to the script's stdin."""
        self.p.stdin.write((word + "\n").encode())
        self.p.stdin.flush()

    def on_exit(self, fn):
        self.cleanups.append(fn)

    def finish(self):
        """Wait for the script to end (by the deadline)."""
        self.rc = self.p.wait(max(1, self.deadline - time.monotonic()))

    def stderr(self):
        self.errf.seek(0)
        return self.errf.read().decode("utf-8", "replace")

    def passed(self):
        """The script ended with exit 0; else its stderr is the error."""
        err = self.stderr()
        self.errf.close()
        assert self.rc == 0, err

    def __enter__(self):
        return self

    def __exit__(self, typ, exc, tb):
        try:
            if typ is not None:
                self.stop()
                print(self.stderr())
                print("\n".join(self.seen))
        finally:
            if self.p.stdin:
                self.p.stdin.close()
            for fn in self.cleanups:
                fn()
        return False
