"""baresip interop: a real third-party softphone registers to callbridge
with digest auth, is called through the HTTP API, answers on its own and
exchanges audio both ways; with a wrong password it stays unregistered
and calls to it are refused.

baresip 1.0.0 (Debian) runs with a generated config directory: SIP on a
free loopback port, G.711 only, a 440 Hz sine (ausine) as its microphone,
no UI module and no sound card (aubridge as the player, fed by nothing).
"""

import json
import os
import re
import socket

import pytest

import cbtest

pytestmark = pytest.mark.skipif(not cbtest.have("baresip"),
                                reason="baresip not installed")

MODULES = "/usr/lib/baresip/modules"


def sip_port_pair():
    """A port P free for SIP over UDP/TCP whose P+1 is free too: baresip
    also opens SIP over TLS on the next port."""
    for _ in range(50):
        p = cbtest.free_port()
        if cbtest.port_free(p + 1, socket.SOCK_STREAM):
            return p
    raise RuntimeError("no free port pair for baresip")


class Baresip(cbtest.Proc):
    """baresip with its own config dir; `user`/`password` registered at
    callbridge's SIP port."""

    def __init__(self, tmpdir, cb_port, user, password, answermode="auto",
                 tag="", ctrl_port=None):
        self.dir = os.path.join(tmpdir, "baresip-" + user + tag)
        os.makedirs(self.dir, exist_ok=True)
        self.sip_port = sip_port_pair()
        lo, hi = cbtest.rtp_range(40)
        self.aor = "sip:%s@127.0.0.1:%d" % (user, cb_port)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join([
                "poll_method epoll",
                "sip_listen 127.0.0.1:%d" % self.sip_port,
                "net_interface 127.0.0.1",
                "call_local_timeout 60",
                "audio_player aubridge,nowhere",
                "audio_source ausine,440",
                "audio_alert aubridge,nowhere",
                "ausrc_srate 48000",
                "auplay_srate 48000",
                "ausrc_channels 2",
                "auplay_channels 1",
                "rtp_ports %d-%d" % (lo, hi),
                "rtp_stats yes",
                "jitter_buffer_delay 1-5",
                "module_path " + MODULES,
                "module g711.so",
                "module ausine.so",
                "module aubridge.so",
                "module_tmp account.so",
                "module_app menu.so",
            ] + ([
                # commands over TCP (netstrings of JSON): see accept()
                "module ctrl_tcp.so",
                "ctrl_tcp_listen 127.0.0.1:%d" % ctrl_port,
            ] if ctrl_port else []) + [
                "",
            ]))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write("<%s;transport=udp>;auth_pass=%s;answermode=%s;"
                    "regint=60;audio_codecs=PCMU,PCMA\n"
                    % (self.aor, password, answermode))
        with open(os.path.join(self.dir, "contacts"), "w") as f:
            f.write("")
        self.ctrl_port = ctrl_port
        super().__init__("baresip-" + user + tag,
                         ["baresip", "-f", self.dir], tmpdir)

    def command(self, command, params=""):
        """A ctrl_tcp command (needs ctrl_port), as a user at the phone
        would press a key: its JSON response.  baresip may send event
        netstrings on the same connection first; they are skipped."""
        body = json.dumps({"command": command, "params": params,
                           "token": "t"}).encode()
        with socket.create_connection(("127.0.0.1", self.ctrl_port),
                                      timeout=5) as s:
            s.sendall(b"%d:%s," % (len(body), body))
            buf = b""
            while True:
                # every complete netstring in buf, in order
                while b":" in buf:
                    head, rest = buf.split(b":", 1)
                    n = int(head)
                    if len(rest) < n + 1:
                        break
                    msg, buf = json.loads(rest[:n]), rest[n + 1:]
                    if msg.get("response"):
                        return msg
                chunk = s.recv(4096)
                if not chunk:
                    raise AssertionError("baresip closed ctrl_tcp")
                buf += chunk

    def accept(self):
        """Answer the ringing call, as the agent picking up"""
        return self.command("accept")


def wait_log(proc, pattern, timeout=15):
    rx = re.compile(pattern)
    return cbtest.wait_for(lambda: rx.search(proc.log()), timeout=timeout,
                           what="%s log: %s" % (proc.name, pattern))


def call_alice(cb):
    return cb.api("POST", "/v1/calls", {"to": "alice",
                                        "play": "welcome.wav"})


def test_register_and_receive_call(tmp_path, procs, cb):
    """baresip registers (401 challenge, then 200), the API calls alice,
    baresip auto-answers and both directions carry RTP."""
    bs = Baresip(str(tmp_path), cb.sip_port, "alice", "alicepw")
    procs.append(bs)

    # the registration shows where a user sees it: calling alice works
    def placed():
        st, body = call_alice(cb)
        if st == 201:
            return body
        assert st == 422, body     # not registered yet: invalid dest.
        assert bs.alive(), bs.log()
        return None
    call = cbtest.wait_for(placed, timeout=20, interval=0.2,
                           what="alice to be callable (registered)")
    assert "registered uri=" in cb.log()

    leg = call["legs"][0]["id"]

    def audio_both_ways():
        c = cb.call(call["id"])
        assert c, "call vanished"
        l = [x for x in c["legs"] if x["id"] == leg][0]
        if l["state"] == "ended" and not (l["rtp"]["rx"] and
                                          l["rtp"]["tx"]):
            raise AssertionError("leg ended without audio both ways: %r\n"
                                 "%s" % (l, bs.log()[-3000:]))
        return l if l["rtp"]["rx"] > 10 and l["rtp"]["tx"] > 10 else None
    l = cbtest.wait_for(audio_both_ways, timeout=20, interval=0.1,
                        what="RTP both ways with baresip")
    assert l["answered_ms"] > 0, l
    assert l["direction"] == "outbound", l

    # baresip saw the call established and answered it itself
    wait_log(bs, r"(?i)call established|call answered")

    st, _ = cb.api("DELETE", "/v1/calls/" + call["id"])
    assert st == 200
    cb.wait_call_state(call["id"], lambda c: all(
        x["state"] == "ended" for x in c["legs"]), what="call to end")
    # the far end noticed the hangup, and its own RTP summary (rtp_stats)
    # counts packets both ways: our prompt reached it
    m = wait_log(bs, r"packets:\s+(\d+)\s+(\d+)")
    assert int(m.group(1)) > 0 and int(m.group(2)) > 0, m.group(0)
    assert "session closed" in bs.log()


def test_wrong_password_is_refused(tmp_path, procs, cb):
    """A wrong password: callbridge challenges, refuses the credentials,
    baresip reports the failure and alice stays uncallable (422)."""
    bs = Baresip(str(tmp_path), cb.sip_port, "alice", "not-the-password")
    procs.append(bs)

    wait_log(bs, r"reg: sip:alice@[^:]+:\d+: 401 Unauthorized")
    # it tried with credentials (more than the first, credential-less
    # REGISTER) and each try was refused
    assert cb.log().count("REGISTER authentication failed to=alice") >= 1
    st, body = call_alice(cb)
    assert st == 422 and body["error"]["code"] == "invalid_destination", \
        body
    assert "registered uri=" not in cb.log()
    assert bs.alive()


def test_fork_first_answer_wins(tmp_path, procs, cb):
    """alice on two devices: a call to alice rings both at once; the one
    that answers gets the call, the other is CANCELed."""
    desk = Baresip(str(tmp_path), cb.sip_port, "alice", "alicepw",
                   answermode="auto", tag="-desk")
    mobile = Baresip(str(tmp_path), cb.sip_port, "alice", "alicepw",
                     answermode="manual", tag="-mobile")
    procs.extend([desk, mobile])
    cbtest.wait_for(lambda: cb.log().count("registered uri=") >= 2,
                    timeout=20, what="both devices registered")

    st, call = call_alice(cb)
    assert st == 201, call

    def settled():
        c = cb.call(call["id"])
        legs = c["legs"] if c else []
        states = sorted((l["state"], l["cause"]) for l in legs)
        return c if states == [("answered", "none"),
                               ("ended", "canceled")] else None
    c = cbtest.wait_for(settled, timeout=20, interval=0.1,
                        what="one device answered, the other canceled")
    assert len(c["legs"]) == 2, c
    # the device that never answered saw the call and its CANCEL
    wait_log(mobile, r"(?i)incoming call")
    wait_log(mobile, r"(?i)session closed|terminated|cancel")
    st, _ = cb.api("DELETE", "/v1/calls/" + call["id"])
    assert st == 200
