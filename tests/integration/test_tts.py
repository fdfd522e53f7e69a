"""Text to speech: POST /v1/calls with `say` speaks a text to the callee
(synthesized once with espeak-ng, then served from the cache), the leg
play route speaks too, and bad text or a missing espeak-ng is refused
before anything is dialed.

media.tts_command points at a small wrapper that notes each run and then
runs the real espeak-ng, so "no second synthesis" is counted, not guessed.
"""

import hashlib
import os
import stat
import threading
import wave

import pytest

import cbtest
from test_metrics import scrape, val

pytestmark = pytest.mark.skipif(not cbtest.have("espeak-ng"),
                                reason="espeak-ng not installed")

TEXT = "Your table at the Blue Lagoon is ready. Please come to the desk."
VOICE, SPEED = "en-us", 160      # the defaults of media.tts_voice/_speed


def wrapper(tmp_path, delay=None):
    """An espeak-ng that appends one line per run to runs.txt."""
    runs = tmp_path / "runs.txt"
    prog = tmp_path / "espeak-counting"
    prog.write_text("#!/bin/sh\n"
                    "echo run >> '%s'\n" % runs +
                    ("sleep %s\n" % delay if delay else "") +
                    'exec espeak-ng "$@"\n')
    prog.chmod(prog.stat().st_mode | stat.S_IXUSR)
    return str(prog), runs


def run_count(runs):
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def start(tmp_path, procs, simnet, prog, cache=None):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port, extra=[
        "media.tts_command %s" % prog,
        "media.tts_cache %s" % (cache or tmp_path / "cache" / "tts"),
    ])
    procs.append(c)
    return c


def cache_name(text, voice=VOICE, speed=SPEED):
    return hashlib.blake2b(("%s|%d|%s" % (voice, speed, text)).encode(),
                           digest_size=32).hexdigest() + ".wav"


def wav_seconds(path):
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == \
            (1, 2, 8000), path
        return w.getnframes() / 8000.0


def ended(cb, cid, timeout=30):
    return cb.wait_call_state(cid, lambda c: c["legs"] and all(
        l["state"] == "ended" for l in c["legs"]), timeout=timeout,
        what="the call to end")


def spoken_call(cb, text, **extra):
    body = {"to": "+15550100", "say": text}
    body.update(extra)
    st, call = cb.api("POST", "/v1/calls", body)
    assert st == 201, call
    return call["id"]


def test_say_is_heard_and_synthesized_once(tmp_path, procs, simnet):
    prog, runs = wrapper(tmp_path)
    cb = start(tmp_path, procs, simnet, prog)
    cache = tmp_path / "cache" / "tts"

    cid = spoken_call(cb, TEXT)
    # synthesized before dialing: the file is there with the 201
    wav = cache / cache_name(TEXT)
    assert wav.exists(), os.listdir(cache)
    secs = wav_seconds(wav)
    assert 2.0 < secs < 10.0, secs
    assert run_count(runs) == 1

    # answered after 1 s, the text streamed, then our hang-up
    c = ended(cb, cid)
    leg = c["legs"][0]
    assert leg["cause"] == "normal" and leg["answered_ms"] > 0, leg
    packets = int(secs / 0.020)
    assert leg["rtp"]["tx"] >= packets * 0.95, (leg, packets)
    assert leg["ended_ms"] - leg["answered_ms"] >= secs * 1000 * 0.95, leg
    rec = cbtest.wait_for(lambda: simnet.finished(), what="simnet record")
    assert rec[0]["number"] == "+15550100", rec
    assert rec[0]["rtp_rx"] >= packets * 0.9, (rec, packets)

    # the same text again: played from the cache, espeak-ng not run
    cid2 = spoken_call(cb, TEXT)
    c2 = ended(cb, cid2)
    assert c2["legs"][0]["rtp"]["tx"] >= packets * 0.95, c2
    assert run_count(runs) == 1
    assert "tts: cache hit " + cache_name(TEXT) in cb.log()
    assert os.listdir(cache) == [cache_name(TEXT)]   # no temp files left
    m = scrape(cb)          # and /metrics tells the same story
    tts = "callbridge_tts_requests_total"
    assert val(m, tts, result="spawned") == 1, m
    assert val(m, tts, result="hit") == 1, m
    assert val(m, tts, result="failed") == 0, m

    # another voice is another text
    spoken_call(cb, TEXT, voice="en-gb")
    assert run_count(runs) == 2
    assert (cache / cache_name(TEXT, voice="en-gb")).exists()


def test_concurrent_requests_share_one_synthesis(tmp_path, procs, simnet):
    prog, runs = wrapper(tmp_path, delay="0.5")
    cb = start(tmp_path, procs, simnet, prog)
    text = "Welcome to the Harbour Cafe."
    results = []

    def post():
        results.append(cb.api("POST", "/v1/calls",
                              {"to": "+15550101", "say": text}))
    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [st for st, _ in results] == [201, 201, 201], results
    assert run_count(runs) == 1
    for _, call in results:
        ended(cb, call["id"])


def test_say_on_a_leg(tmp_path, procs, simnet):
    prog, runs = wrapper(tmp_path)
    cb = start(tmp_path, procs, simnet, prog)
    st, call = cb.api("POST", "/v1/calls", {"to": "+15550100"})
    assert st == 201, call
    cid = call["id"]
    c = cb.wait_call_state(cid, lambda c: c["legs"][0]["state"] ==
                           "answered", what="answer")
    lid = c["legs"][0]["id"]
    path = "/v1/calls/%s/legs/%s/play" % (cid, lid)
    tx0 = c["legs"][0]["rtp"]["tx"]

    st, body = cb.api("POST", path, {"say": "One moment please.",
                                     "voice": "en"})
    assert st == 202 and body == {"playing": True, "cached": False}, body
    secs = wav_seconds(tmp_path / "cache" / "tts" /
                       cache_name("One moment please.", voice="en"))
    packets = int(secs / 0.020)
    cbtest.wait_for(lambda: cb.call(cid)["legs"][0]["rtp"]["tx"] >=
                    tx0 + packets * 0.95, timeout=15, what="the text sent")

    st, body = cb.api("POST", path, {"say": "One moment please.",
                                     "voice": "en"})
    assert st == 202 and body == {"playing": True, "cached": True}, body
    assert run_count(runs) == 1

    st, body = cb.api("POST", path, {"say": "x", "file": "welcome.wav"})
    assert st == 422 and body["error"]["code"] == "conflicting_fields", body
    st, body = cb.api("POST", path, {"say": "tab\there"})
    assert st == 400 and body["error"]["field"] == "say", body

    assert cb.api("DELETE", "/v1/calls/" + cid)[0] == 200
    ended(cb, cid)
    st, body = cb.api("POST", path, {"say": "Too late."})
    assert st == 409 and body["error"]["code"] == "ended", body


def test_bad_text_is_refused_and_nothing_dialed(tmp_path, procs, simnet):
    prog, runs = wrapper(tmp_path)
    cb = start(tmp_path, procs, simnet, prog)

    def refused(status, code, field, **body):
        req = {"to": "+15550100"}
        req.update(body)
        st, reply = cb.api("POST", "/v1/calls", req)
        assert st == status, (req, st, reply)
        err = reply["error"]
        assert err["code"] == code and err["field"] == field and \
            err["message"], reply

    refused(400, "invalid_field", "say", say="first line\nsecond line")
    refused(400, "invalid_field", "say", say="bell \u0007")
    refused(400, "invalid_field", "say", say="escape \u001b[2J")
    refused(400, "invalid_field", "say", say="next line \u0085")
    refused(400, "invalid_field", "say", say="a" * 1001)
    refused(400, "invalid_field", "say", say="")
    refused(400, "invalid_field", "say", say="   ")
    refused(400, "invalid_field", "say", say=42)
    refused(400, "invalid_field", "voice", say="hi", voice="--stdout")
    refused(400, "invalid_field", "voice", say="hi", voice="../../x")
    refused(400, "invalid_field", "voice", voice="en")
    refused(422, "conflicting_fields", "say", say="hi", play="welcome.wav")
    refused(422, "conflicting_fields", "say", say="hi",
            bridge_to="+15550101")
    # 1000 characters of two bytes each are fine (not dialed here:
    # the number is refused after the text passed)
    refused(422, "invalid_number", "to", to="+12", say="\u00e9" * 1000)

    assert cb.calls() == []
    assert simnet.finished() == []
    assert run_count(runs) == 0


def test_missing_espeak_is_503_and_nothing_dialed(tmp_path, procs, simnet):
    cache = tmp_path / "fresh" / "dir"
    cb = start(tmp_path, procs, simnet, str(tmp_path / "no-espeak"),
               cache=cache)
    assert cache.is_dir()         # created at start
    st, body = cb.api("POST", "/v1/calls", {"to": "+15550100",
                                            "say": "Hello there."})
    assert st == 503, body
    assert body["error"]["code"] == "tts_unavailable" and \
        body["error"]["field"] == "say", body
    assert cb.calls() == []
    assert simnet.finished() == []
    log = cb.log()
    assert "media.tts_command" in log and "not found" in log
    assert os.listdir(cache) == []


def test_cache_survives_a_restart(tmp_path, procs, simnet):
    """A shared cache: a second daemon plays what the first one said."""
    prog, runs = wrapper(tmp_path)
    cache = tmp_path / "shared"
    first = tmp_path / "a"
    first.mkdir()
    cb = start(first, procs, simnet, prog, cache=cache)
    ended(cb, spoken_call(cb, "Thank you for calling."))
    cb.stop()
    procs.remove(cb)
    # a stale temporary file of an interrupted synthesis goes at start
    (cache / (".%s.deadbeef.tmp" % cache_name("x"))).write_bytes(b"RIFF")

    second = tmp_path / "b"
    second.mkdir()
    cb2 = start(second, procs, simnet, prog, cache=cache)
    ended(cb2, spoken_call(cb2, "Thank you for calling."))
    assert run_count(runs) == 1
    assert sorted(os.listdir(cache)) == \
        [cache_name("Thank you for calling.")]


def test_cache_file_gone_before_answer_ends_the_call(tmp_path, procs,
                                                     simnet):
    """+15550106 plays 2 s of early media before it answers; the cache
    file is deleted meanwhile: leg A ends with cause failed, logged."""
    prog, runs = wrapper(tmp_path)
    cb = start(tmp_path, procs, simnet, prog)
    text = "This file will be gone."
    st, call = cb.api("POST", "/v1/calls", {"to": "+15550106",
                                            "say": text})
    assert st == 201, call
    (tmp_path / "cache" / "tts" / cache_name(text)).unlink()
    c = ended(cb, call["id"])
    assert c["legs"][0]["cause"] == "failed", c
    assert "cannot play" in cb.log()
