"""Checks on the tree itself: our exported symbols stay out of libre's
namespace (STYLE.md rule 2), every C file opens with its @file comment,
the config documentation matches the config table, and no absolute path
of a developer machine is committed."""

import os
import re
import subprocess

import cbtest

ROOT = cbtest.ROOT


def c_files():
    for d in ("src", "include", "tests", "bench"):
        for dp, _, fns in os.walk(os.path.join(ROOT, d)):
            for fn in fns:
                if fn.endswith((".c", ".h")):
                    yield os.path.join(dp, fn)


def defined_globals(path, dynamic=False):
    argv = ["nm", "-g", "--defined-only"] + (["-D"] if dynamic else [])
    out = subprocess.run(argv + [path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBR":
            syms.add(parts[2])
    return syms


def test_no_symbol_collides_with_libre():
    lib = os.path.join(cbtest.BUILD, "libcb.a")
    ours = defined_globals(lib)
    assert ours, "no symbols read from " + lib
    libs = subprocess.run(["pkg-config", "--variable=libdir", "libre"],
                          stdout=subprocess.PIPE).stdout.decode().strip()
    theirs = set()
    for name in ("libre.so", "librem.so"):
        theirs |= defined_globals(os.path.join(libs, name), dynamic=True)
    assert theirs
    # replaced on purpose: the timer API (src/core/timer.c), the SIP
    # decoder's entry point (src/sip/guard.c), the HTTP server's accept
    # (src/api/conn.c) and the TLS client's server name (src/api/tls.c)
    replaced = {s for s in ours if s.startswith("tmr_")}
    assert replaced, "timer heap not linked"
    for sym in ("sip_msg_decode", "tcp_accept", "tls_set_servername"):
        assert sym in ours, sym + " (interposed) not linked"
        replaced.add(sym)
    assert not ((ours - replaced) & theirs), sorted(ours & theirs)


def test_every_c_file_has_its_file_comment():
    missing = []
    for path in c_files():
        with open(path, errors="replace") as f:
            head = f.read(400)
        if "@file" not in head:
            missing.append(os.path.relpath(path, ROOT))
    assert not missing, missing


def test_config_doc_matches_table():
    out = subprocess.run([os.path.join(cbtest.BUILD, "callbridge"),
                          "--config-doc"], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    with open(os.path.join(ROOT, "docs", "config.md")) as f:
        doc = f.read()
    keys = [l.split()[0] for l in out.splitlines() if l.strip()]
    assert len(keys) > 20
    missing = [k for k in keys if "`%s`" % k not in doc]
    assert not missing, "docs/config.md lacks " + ", ".join(missing) + \
        " (regenerate with `make docs`)"


def test_no_absolute_machine_paths():
    bad = []
    pat = re.compile(r"/(work|root|home)/[A-Za-z]")
    for dp, dns, fns in os.walk(ROOT):
        dns[:] = [d for d in dns if not d.startswith((".git", "build"))
                  and d != "node_modules"]
        for fn in fns:
            p = os.path.join(dp, fn)
            try:
                with open(p, errors="ignore") as f:
                    if pat.search(f.read()):
                        bad.append(os.path.relpath(p, ROOT))
            except OSError:
                pass
    assert not bad, bad


def money_sources():
    """Every C file of a money path (docs/money.md: integers only)."""
    out = [os.path.join(ROOT, "include", "cb_money.h"),
           os.path.join(ROOT, "include", "cb_meter.h")]
    for d, pre in (("src/money", ""), ("src/store", "sqlite_money"),
                   ("src/store", "store_money"), ("src/api", "money_"),
                   ("src/meter", ""), ("src/store", "sqlite_cdr"),
                   ("src/store", "store_cdr"), ("src/api", "charges")):
        for fn in sorted(os.listdir(os.path.join(ROOT, d))):
            if fn.startswith(pre) and fn.endswith((".c", ".h")):
                out.append(os.path.join(ROOT, d, fn))
    return out


def test_money_has_no_floating_point():
    srcs = money_sources()
    assert len(srcs) > 10
    # in the code (comments and strings removed): no float type, no
    # conversion from text to a float, no float format
    word = re.compile(r"\b(float|double|strto[fd]|strtold|atof|fabs|"
                      r"floor|ceil|round|lround|llround|math\.h)\b")
    bad = []
    for p in srcs:
        with open(p) as f:
            text = f.read()
        code = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
        fmt = re.findall(r'"[^"\n]*%[-+ 0-9.]*(?:l|L)?[fFeEgGaA][^"\n]*"',
                         code)
        code = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', code)
        hits = word.findall(code)
        if hits or fmt:
            bad.append((os.path.relpath(p, ROOT), hits + fmt))
    assert not bad, bad
    # and the compiler agrees: with only general registers allowed, any
    # floating point operation in these files is a compile error
    if os.uname().machine not in ("x86_64", "aarch64"):
        return
    cflags = subprocess.run(
        ["pkg-config", "--cflags", "libre", "librem", "sqlite3"],
        stdout=subprocess.PIPE, check=True).stdout.decode().split()
    for p in srcs:
        if not p.endswith(".c"):
            continue
        r = subprocess.run(
            ["gcc", "-std=c11", "-O2", "-Werror", "-mgeneral-regs-only",
             "-DHAVE_INTTYPES_H", "-DHAVE_STDBOOL_H", "-D_GNU_SOURCE",
             "-I" + os.path.join(ROOT, "include"),
             "-I" + os.path.join(ROOT, "src")] + cflags +
            ["-c", "-o", os.devnull, p],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert r.returncode == 0, (os.path.relpath(p, ROOT),
                                   r.stdout.decode()[-2000:])
