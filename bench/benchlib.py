"""bench/benchlib.py -- what every benchmark script shares.

Starting and stopping the processes under test (callbridge, Kamailio,
rtpengine, SIPp), each pinned to its core with taskset, raised in priority
with nice when we are root, bounded in time with coreutils `timeout`, in its
own process group so that nothing is left behind; CPU accounting from /proc
(utime + stime of a whole process tree, busy ticks of the machine); the
ports and the callbridge configuration the benchmarks use; small statistics.

Every benchmark pins the server under test to core 0 and its load
generators to core 1 (the machine has two).  Ports are on loopback only and
away from the defaults (5060, 8080) so that a benchmark can run while the
integration tests run; CB_BENCH_* environment variables move them.
"""

import atexit
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
CALLBRIDGE = os.path.join(ROOT, BUILD, "callbridge")
RTPLOAD = os.path.join(ROOT, BUILD, "bench", "rtpload")
KAMAILIO_CFG = os.path.join(ROOT, "bench", "kamailio.cfg")


def _env_port(name, default):
    return int(os.environ.get("CB_BENCH_" + name, default))


IP = "127.0.0.1"
PORT = {
    "callbridge": _env_port("SIP_PORT", 7060),    # callbridge SIP
    "http": _env_port("HTTP_PORT", 7080),         # callbridge HTTP API
    "kamailio": _env_port("KAM_PORT", 7070),      # Kamailio SIP
    "trunk": _env_port("TRUNK_PORT", 7090),       # SIPp uas / rtpload UAS
    "uac": _env_port("UAC_PORT", 7100),           # SIPp uac
    "uac_media": _env_port("UAC_MEDIA_PORT", 7200),
    "uas_media": _env_port("UAS_MEDIA_PORT", 7300),
    "ng": _env_port("NG_PORT", 7222),             # rtpengine ng control
}
MEDIA_PORTS = (_env_port("MEDIA_MIN", 10000), _env_port("MEDIA_MAX", 31999))
SERVER_CORE = os.environ.get("CB_BENCH_SERVER_CORE", "0")
LOAD_CORE = os.environ.get("CB_BENCH_LOAD_CORE", "1")
NICE = int(os.environ.get("CB_BENCH_NICE", -10))
HZ = os.sysconf("SC_CLK_TCK")

_live = []          # every Proc not yet stopped


def log(msg):
    print(msg, flush=True)


def raise_nofile():
    """ulimit -n to the hard limit: 4 fds per bridged call, plus SIPp's"""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def have(prog):
    return shutil.which(prog) is not None


def median(vals):
    v = sorted(x for x in vals if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


# ---- /proc ----------------------------------------------------------------

def proc_children(pid):
    """direct children of pid (all its threads)"""
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def proc_tree(pid):
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += proc_children(p)
    return seen


def proc_ticks(pid):
    """utime + stime of pid (all threads), in clock ticks"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return 0
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def tree_ticks(pid):
    return sum(proc_ticks(p) for p in proc_tree(pid))


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        return s[s.rindex(")") + 2]
    except (OSError, ValueError):
        return None


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_snapshot():
    """pid -> (utime + stime, cutime + cstime) of every process"""
    snap = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
            v = s[s.rindex(")") + 2:].split()
            snap[int(d)] = (int(v[11]) + int(v[12]), int(v[13]) + int(v[14]))
        except (OSError, ValueError, IndexError):
            pass
    return snap


def other_cpu_s(s0, s1, exclude):
    """CPU seconds used between two snapshots by processes not in exclude.

    A process reaped meanwhile shows up in its parent's cutime with its
    whole life; what it had used before s0 is taken off again, so that
    only the window counts (kernel threads included, softirq not)."""
    ticks = 0
    for pid, (t, c) in s1.items():
        if pid not in exclude:
            t0, c0 = s0.get(pid, (0, 0))
            ticks += (t - t0) + (c - c0)
    for pid, (t0, c0) in s0.items():
        if pid not in s1 and pid not in exclude:
            ticks -= t0 + c0
    return max(ticks, 0) / HZ


def udp_bound(port):
    """is something bound to 127.0.0.1:port (or 0.0.0.0:port) in UDP?"""
    want = (":%04X" % port)
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                local = line.split()[1]
                if local.endswith(want) and \
                        local[:8] in ("0100007F", "00000000"):
                    return True
    except OSError:
        pass
    return False


# ---- processes --------------------------------------------------------------

class Proc:
    """One program under `timeout`, pinned, in its own process group.

    pid is the timeout wrapper; main is the program itself (the wrapper's
    only child, since taskset and nice exec it)."""

    def __init__(self, name, argv, core=None, limit=600, logfile=None,
                 cwd=None, nice=True):
        self.name = name
        pre = ["timeout", "-k", "5", str(int(limit))]
        if core is not None:
            pre += ["taskset", "-c", str(core)]
        if nice and NICE and os.geteuid() == 0:
            pre += ["nice", "-n", str(NICE)]
        self.logfile = logfile
        self.log = open(logfile, "w") if logfile else subprocess.DEVNULL
        self.p = subprocess.Popen(pre + argv, stdout=self.log,
                                  stderr=subprocess.STDOUT, cwd=cwd,
                                  stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        self.pid = self.p.pid
        if nice and NICE and os.geteuid() == 0:
            # a new session is a new scheduler autogroup, and nice only
            # ranks tasks inside their autogroup: rank the group itself
            try:
                with open("/proc/%d/autogroup" % self.pid, "w") as f:
                    f.write(str(NICE))
            except OSError:
                pass
        self._main = None
        self.rusage = None
        self.status = None
        _live.append(self)

    @property
    def main(self):
        if self._main is None:
            for _ in range(200):
                kids = proc_children(self.pid)
                if kids:
                    self._main = kids[0]
                    break
                if self.p.poll() is not None:
                    break
                time.sleep(0.01)
        return self._main

    def alive(self):
        m = self.main
        return m is not None and proc_state(m) not in (None, "Z", "X")

    def ticks(self):
        return tree_ticks(self.pid)

    def wait(self, timeout=None):
        """wait for the wrapper; keeps its rusage (children included)"""
        deadline = None if timeout is None else time.time() + timeout
        while True:
            try:
                pid, status, ru = os.wait4(self.pid, os.WNOHANG)
            except ChildProcessError:      # reaped by Popen.poll()
                self.status = self.p.returncode
                self._forget()
                return self.status
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(status)
                self.p.returncode = self.status
                self.rusage = ru
                self._forget()
                return self.status
            if deadline is not None and time.time() > deadline:
                return None
            time.sleep(0.02)

    def cpu_s(self):
        """CPU seconds of the wrapper and what it reaped (after wait)"""
        if not self.rusage:
            return 0.0
        return self.rusage.ru_utime + self.rusage.ru_stime

    def stop(self, grace=5):
        """SIGTERM to the program, then the whole group; returns the exit
        status of the program as `timeout` reports it (128+sig if killed
        by a signal)"""
        if self.status is not None:
            return self.status
        m = self.main
        if m and self.alive():
            try:
                os.kill(m, signal.SIGTERM)
            except OSError:
                pass
        st = self.wait(grace)
        if st is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
            st = self.wait(5)
        return st

    def _forget(self):
        if self in _live:
            _live.remove(self)
        if self.log is not subprocess.DEVNULL:
            self.log.close()
            self.log = subprocess.DEVNULL

    def tail(self, n=15):
        if not self.logfile:
            return ""
        try:
            with open(self.logfile, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def stop_all():
    for p in list(_live):
        try:
            p.stop(grace=2)
        except Exception:           # noqa: BLE001 - cleanup must go on
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass


def _on_signal(sig, frame):
    stop_all()
    sys.exit(128 + sig)


atexit.register(stop_all)
for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def wait_bound(port, proc, timeout=10):
    """wait until proc has bound its UDP port; False if it died"""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if udp_bound(port):
            return True
        if proc.p.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def port_free_or_die(port, what):
    if udp_bound(port):
        sys.exit("bench: UDP port %d (%s) is already in use; set "
                 "CB_BENCH_* to move it" % (port, what))


def run_dir(tag):
    return tempfile.mkdtemp(prefix="cb-bench-%s-" % tag)


# ---- servers under test ----------------------------------------------------

def callbridge_config(path, logpath):
    lines = [
        "# written by bench/benchlib.py for one benchmark run",
        "trunk.host %s" % IP,
        "trunk.port %d" % PORT["trunk"],
        "trunk.transport udp",
        "sip.max_legs 100000",
        "media.port_min %d" % MEDIA_PORTS[0],
        "media.port_max %d" % MEDIA_PORTS[1],
        "core.max_fds %d" % min(65536, raise_nofile()),
        "store.path %s" % os.path.join(os.path.dirname(path),
                                       "callbridge.db"),
        "log.core warn",
        "log.sip warn",
        "log.media warn",
        "log.call warn",
        "log.api warn",
        "log.file %s" % logpath,
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def start_callbridge(rdir, limit=900):
    if not os.access(CALLBRIDGE, os.X_OK):
        sys.exit("bench: %s not built (make)" % CALLBRIDGE)
    port_free_or_die(PORT["callbridge"], "callbridge SIP")
    cfg = os.path.join(rdir, "callbridge.conf")
    callbridge_config(cfg, os.path.join(rdir, "callbridge.log"))
    p = Proc("callbridge",
             [CALLBRIDGE, "--config", cfg,
              "--sip-listen", "udp:%s:%d" % (IP, PORT["callbridge"]),
              "--http-listen", "%s:%d" % (IP, PORT["http"])],
             core=SERVER_CORE, limit=limit,
             logfile=os.path.join(rdir, "callbridge.out"), cwd=ROOT)
    if not wait_bound(PORT["callbridge"], p):
        log("bench: callbridge did not start:\n" + p.tail())
        p.stop()
        return None
    return p


def start_kamailio(rdir, limit=900, children=1):
    port_free_or_die(PORT["kamailio"], "kamailio")
    p = Proc("kamailio",
             ["kamailio", "-f", KAMAILIO_CFG, "-DD", "-E",
              "-l", "udp:%s:%d" % (IP, PORT["kamailio"]),
              "-A", 'BENCH_UAS="sip:%s:%d"' % (IP, PORT["trunk"]),
              "-A", "BENCH_CHILDREN=%d" % children,
              "-m", "1024", "-M", "64", "-x", "tlsf",
              "-Y", rdir, "-P", os.path.join(rdir, "kamailio.pid"),
              "-w", rdir],
             core=SERVER_CORE, limit=limit,
             logfile=os.path.join(rdir, "kamailio.out"), cwd=rdir)
    if not wait_bound(PORT["kamailio"], p):
        log("bench: kamailio did not start:\n" + p.tail())
        p.stop()
        return None
    return p


def start_rtpengine(rdir, limit=900, threads=None):
    port_free_or_die(PORT["ng"], "rtpengine ng")
    argv = ["rtpengine", "--config-file=none", "--table=-1",
            "--interface=%s" % IP,
            "--listen-ng=%s:%d" % (IP, PORT["ng"]),
            "--foreground", "--log-stderr", "--log-level=4",
            "--port-min=%d" % MEDIA_PORTS[0],
            "--port-max=%d" % MEDIA_PORTS[1],
            "--pidfile=%s" % os.path.join(rdir, "rtpengine.pid"),
            "--delete-delay=0"]
    if threads:
        argv.append("--num-threads=%d" % threads)
    p = Proc("rtpengine", argv, core=SERVER_CORE, limit=limit,
             logfile=os.path.join(rdir, "rtpengine.out"), cwd=rdir)
    if not wait_bound(PORT["ng"], p):
        log("bench: rtpengine did not start:\n" + p.tail())
        p.stop()
        return None
    return p


def start_server(target, rdir, limit=900):
    if target == "callbridge":
        return start_callbridge(rdir, limit)
    if target == "kamailio":
        return start_kamailio(rdir, limit)
    if target == "rtpengine":
        return start_rtpengine(rdir, limit)
    return None


CRASH_SIGNALS = (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS,
                 signal.SIGFPE, signal.SIGILL)


def crashed(status):
    """did a program stopped by Proc.stop() die of something bad?

    `timeout` reports a child killed by signal N as 128+N; our own SIGTERM
    (143) and a clean exit (0) are fine; anything else is not."""
    if status is None:
        return True
    if status in (0, 128 + signal.SIGTERM, -signal.SIGTERM):
        return False
    return True
