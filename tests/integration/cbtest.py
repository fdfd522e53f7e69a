"""Helpers for callbridge's black-box tests: start the real daemon, the
simulated phone network and SIPp on loopback, wait for outcomes by polling
with a deadline (never a fixed sleep), and stop everything afterwards.

The binaries come from $CB_BUILD (default build-asan, the sanitizer build
that `make check` produces)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("CB_BUILD", "build-asan"))
SIPP_DIR = os.path.join(ROOT, "tests", "sipp")

_used_ports = set()


def free_port(kind="both"):
    """A port free for UDP and TCP on 127.0.0.1, not handed out before."""
    for _ in range(200):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port in _used_ports or port > 60000:
            continue
        try:
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind(("127.0.0.1", port))
            t.close()
        except OSError:
            continue
        _used_ports.add(port)
        return port
    raise RuntimeError("no free port")


# start at a per-process offset so parallel suites on one host collide less
_next_rtp = [20000 + (os.getpid() % 90) * 400]


def rtp_range(size=400):
    """A private even RTP port range for one process under test."""
    lo = _next_rtp[0]
    _next_rtp[0] += size
    if _next_rtp[0] > 59000:
        _next_rtp[0] = 20000
        lo = 20000
    return lo, lo + size - 1


def port_free(port, kind=socket.SOCK_DGRAM):
    """Can `port` on 127.0.0.1 be bound right now (UDP, or TCP)?"""
    s = socket.socket(socket.AF_INET, kind)
    try:
        if kind == socket.SOCK_STREAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_media_port():
    """An even port P with P and P+2 free (SIPp's -mp binds both)."""
    for _ in range(100):
        lo, _ = rtp_range(8)
        if all(port_free(p) for p in (lo, lo + 1, lo + 2, lo + 3)):
            return lo
    raise RuntimeError("no free media port")


def wait_for(pred, timeout=10.0, interval=0.02, what="condition"):
    """Poll pred() until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def sip_options(port, host="127.0.0.1", timeout=0.3):
    """Send one OPTIONS over UDP; return the status code or None."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, 0))
    lport = s.getsockname()[1]
    h = "[%s]" % host if ":" in host else host
    msg = ("OPTIONS sip:ping@%s:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%d;rport\r\n"
           "Max-Forwards: 70\r\nTo: <sip:ping@%s>\r\n"
           "From: <sip:test@%s>;tag=t%d\r\nCall-ID: opt%d@test\r\n"
           "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
           % (h, port, h, lport, time.monotonic_ns(), h, h, lport,
              time.monotonic_ns()))
    s.settimeout(timeout)
    try:
        s.sendto(msg.encode(), (host, port))
        data, _ = s.recvfrom(65535)
        return int(data.split(b" ", 2)[1])
    except (socket.timeout, OSError, ValueError, IndexError):
        return None
    finally:
        s.close()


class Proc:
    """A child process with its own temp dir and log file."""

    def __init__(self, name, argv, cwd, env=None):
        self.name = name
        self.cwd = cwd
        self.log_path = os.path.join(cwd, name + ".log")
        self.logf = open(self.log_path, "wb")
        e = dict(os.environ)
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        if env:
            e.update(env)
        self.p = subprocess.Popen(argv, cwd=cwd, stdout=self.logf,
                                  stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=e)

    def alive(self):
        return self.p.poll() is None

    def log(self):
        if not self.logf.closed:
            self.logf.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop_clean(self, timeout=10):
        """stop(), then require a clean exit: status 0 and no sanitizer
        report in the log."""
        rc = Proc.stop(self, timeout)
        log = self.log()
        for bad in ("ERROR: AddressSanitizer", "runtime error:",
                    "LeakSanitizer"):
            assert bad not in log, log[-4000:]
        assert rc == 0, "%s exit status %s\n%s" % (self.name, rc,
                                                   log[-4000:])
        return rc

    def stop(self, timeout=10):
        """SIGTERM, wait; return the exit code (SIGKILL if stuck)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.logf.close()
        return self.p.returncode


def admin_cli(conf_path, *args, stdin=None, cwd=None):
    """Run `callbridge --config CONF admin ARGS...`: (exit code, stdout,
    stderr)."""
    p = subprocess.run([os.path.join(BUILD, "callbridge"), "--config",
                        conf_path, "admin"] + list(args),
                       input=(stdin or "").encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, cwd=cwd, timeout=60,
                       env=dict(os.environ,
                                ASAN_OPTIONS="detect_leaks=1"))
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


class Callbridge(Proc):
    """The daemon under test with a generated config.  Before it starts,
    an API key of the default tenant is created with the admin CLI
    (self.key); api() sends it unless told otherwise."""

    def __init__(self, tmpdir, extra=None, trunk_port=None, ipv6=False,
                 users=None, name="callbridge"):
        self.sip_port = free_port()
        self.http_port = free_port()
        lo, hi = rtp_range()
        host = "::1" if ipv6 else "127.0.0.1"
        h = "[::1]" if ipv6 else "127.0.0.1"
        conf = [
            "sip.listen udp:%s:%d" % (h, self.sip_port),
            "sip.listen tcp:%s:%d" % (h, self.sip_port),
            "api.http_listen 127.0.0.1:%d" % self.http_port,
            "media.addr %s" % host,
            "media.port_min %d" % lo,
            "media.port_max %d" % hi,
            "media.prompt_dir %s" % os.path.join(BUILD, "prompts"),
            "log.sip debug",
            "log.call debug",
            "store.path %s" % os.path.join(tmpdir, "callbridge.db"),
        ]
        if trunk_port:
            conf += ["trunk.host 127.0.0.1", "trunk.port %d" % trunk_port]
        for u, pw in (users or {}).items():
            conf.append("sip.user %s %s" % (u, pw))
        conf += extra or []
        self.host = host
        self.tmpdir = tmpdir
        self.conf_path = os.path.join(tmpdir, name + ".conf")
        with open(self.conf_path, "w") as f:
            f.write("\n".join(conf) + "\n")
        self.key = self.admin_ok("key", "create", "default", "cbtest")
        super().__init__(name,
                         [os.path.join(BUILD, "callbridge"), "--config",
                          self.conf_path], tmpdir)
        wait_for(lambda: not self.alive() or
                 sip_options(self.sip_port, host) == 200,
                 what="callbridge to answer OPTIONS")
        assert self.alive(), self.log()

    # --- admin CLI -------------------------------------------------------
    def admin(self, *args, stdin=None):
        """`callbridge admin ARGS` on this daemon's store."""
        return admin_cli(self.conf_path, *args, stdin=stdin, cwd=self.tmpdir)

    def admin_ok(self, *args, stdin=None):
        rc, out, err = self.admin(*args, stdin=stdin)
        assert rc == 0, (args, rc, out, err)
        return out.strip()

    # --- HTTP API --------------------------------------------------------
    def api(self, method, path, body=None, raw=None, headers=None,
            key=True, full=False):
        """Return (status, parsed JSON or text).  key=True sends this
        daemon's API key, a string sends that key, None/False sends no
        credentials.  full=True adds the response headers (a dict)."""
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        h = {"Content-Type": "application/json"} if data else {}
        if key is True:
            key = self.key
        if key:
            h["Authorization"] = "Bearer " + key
        h.update(headers or {})
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.http_port, path), data=data,
            method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, text, hdrs = r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            status, text, hdrs = e.code, e.read().decode(), e.headers
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
        if full:
            return status, parsed, hdrs
        return status, parsed

    def calls(self):
        return self.api("GET", "/v1/calls")[1]["calls"]

    def call(self, call_id):
        st, body = self.api("GET", "/v1/calls/" + call_id)
        return body if st == 200 else None

    def wait_call_state(self, call_id, pred, timeout=15, what="call state"):
        return wait_for(lambda: (lambda c: c if c and pred(c) else None)(
            self.call(call_id)), timeout=timeout, what=what)

    def ended_calls(self):
        return [c for c in self.calls()
                if all(l["state"] == "ended" for l in c["legs"])]

    def stop(self, timeout=10):
        return self.stop_clean(timeout)


class Simnet(Proc):
    """The simulated phone network behind the trunk."""

    def __init__(self, tmpdir, args=None):
        self.port = free_port()
        lo, hi = rtp_range()
        self.stats_path = os.path.join(tmpdir, "simnet-stats.jsonl")
        argv = [os.path.join(BUILD, "cb-simnet"),
                "--listen", "udp:127.0.0.1:%d" % self.port,
                "--listen", "tcp:127.0.0.1:%d" % self.port,
                "--rtp-addr", "127.0.0.1",
                "--rtp-ports", "%d-%d" % (lo, hi),
                "--stats-file", self.stats_path] + (args or [])
        super().__init__("simnet", argv, tmpdir)
        wait_for(lambda: not self.alive() or
                 sip_options(self.port) == 200,
                 what="simnet to answer OPTIONS")
        assert self.alive(), self.log()

    def finished(self):
        """Records of finished calls (one JSON object per line)."""
        try:
            with open(self.stats_path) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def stop(self, timeout=10):
        return self.stop_clean(timeout)


class Sipp:
    """One SIPp run, in its own directory (SIPp writes traces to cwd)."""

    def __init__(self, tmpdir, scenario, target=None, args=None,
                 name="sipp", bg=False, port=None, mport=None):
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=tmpdir)
        pcap = os.path.join(self.dir, "pcap")
        if not os.path.exists(pcap):
            os.symlink("/usr/share/sip-tester", pcap)
        self.port = port or free_port()
        self.mport = mport or free_media_port()
        sc = (["-sf", scenario] if scenario.endswith(".xml")
              else ["-sn", scenario])
        self.argv = (["timeout", "60", "sipp"] + sc +
                     ["-i", "127.0.0.1", "-mi", "127.0.0.1",
                      "-p", str(self.port), "-mp", str(self.mport),
                      "-nostdin", "-trace_err", "-trace_stat",
                      "-fd", "1", "-trace_msg"] +
                     (args or []) + ([target] if target else []))
        self.out = open(os.path.join(self.dir, "out.txt"), "wb")
        self.p = subprocess.Popen(self.argv, cwd=self.dir, stdout=self.out,
                                  stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
        if not target:
            # a phone (UAS) must listen before anyone calls it: an INVITE
            # to a port not yet bound fails at once (ICMP unreachable)
            wait_for(lambda: self.p.poll() is not None or
                     not port_free(self.port), timeout=20,
                     what="SIPp %s to listen on %d" % (name, self.port))

    def wait(self, timeout=60):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.out.close()
        return rc

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGUSR1)   # SIPp: quit gracefully
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        if not self.out.closed:
            self.out.close()

    def _logs(self, suffix):
        txt = ""
        for fn in os.listdir(self.dir):
            if fn.endswith(suffix):
                with open(os.path.join(self.dir, fn), "rb") as f:
                    txt += f.read().decode("utf-8", "replace")
        return txt

    def messages(self):
        return self._logs("_messages.log")

    def errors(self):
        return self._logs("_errors.log")

    def stats(self):
        """Last row of SIPp's -trace_stat CSV as a dict."""
        for fn in os.listdir(self.dir):
            if fn.endswith(".csv"):
                with open(os.path.join(self.dir, fn)) as f:
                    rows = [l.rstrip("\n").split(";") for l in f if l.strip()]
                if len(rows) >= 2:
                    return dict(zip(rows[0], rows[-1]))
        return {}


def sipp_scenario(*parts):
    return os.path.join(SIPP_DIR, *parts)


def have(binary):
    return shutil.which(binary) is not None
