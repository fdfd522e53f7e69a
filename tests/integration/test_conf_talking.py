"""Who is talking in a conference (the media engine's voice activity,
src/media/vad.c): a simulated phone that plays a tone shows
`talking: true` in GET /v1/conferences/{id}, silent ones `false`, in a
room of two (packets relayed, decoded only for the level) and of three
(mixed); each change is a "conference.participant" event (and a
"leg.talking" one) on the tenant's WebSocket; a participant put on hold
(its tone stops) stops talking, and one that left is not talking."""

import pytest

import cbtest
from test_events import connect_ws

SILENT = "+15550300"      # answers after 300 ms, sends no audio
SILENT2 = "+15550301"
TONE = "+15550310"        # answers after 300 ms, plays a 440 Hz tone


@pytest.fixture
def simnet(tmp_path, procs):
    s = cbtest.Simnet(str(tmp_path), args=[
        "--rule", "+1555030", "answer,delay=300,audio=none",
        "--rule", "+1555031", "answer,delay=300,audio=tone"])
    procs.append(s)
    return s


@pytest.fixture
def cb(tmp_path, procs, simnet):
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port)
    procs.append(c)
    return c


def conf(cb, cid):
    st, b = cb.api("GET", "/v1/conferences/" + cid)
    assert st == 200, b
    return b


def party(cb, cid, pid):
    return next(p for p in conf(cb, cid)["participants"] if p["id"] == pid)


def dial(cb, cid, pid):
    st, b = cb.api("PATCH", "/v1/conferences/%s/participants/%s"
                   % (cid, pid), {"action": "dial"})
    assert st == 200, b


def wait_party(cb, cid, pid, what, cond, timeout=15):
    return cbtest.wait_for(
        lambda: (lambda p: p if cond(p) else None)(party(cb, cid, pid)),
        timeout=timeout, what="%s %s" % (pid, what))


def in_conf(p):
    return p["in_conference"]


def talking_events(evs, pid):
    return [e["participant"]["talking"] for e in evs
            if e.get("type") == "conference.participant" and
            e["participant"]["id"] == pid]


def test_tone_talks_silence_does_not(cb, simnet):
    st, b = cb.api("POST", "/v1/conferences", {
        "name": "Talk", "owner": {"name": "Alice", "number": SILENT},
        "participants": [{"name": "Tony", "number": TONE},
                         {"name": "Quinn", "number": SILENT2}],
        "options": {}})
    assert st == 201, b
    c = b["conference"]
    cid = c["id"]
    assert c["talking_supported"] is True
    assert [p["talking"] for p in c["participants"]] == [False] * 3

    ws = connect_ws(cb)
    try:
        # a room of two: the tone is relayed, and still heard as talking
        dial(cb, cid, "p1")
        wait_party(cb, cid, "p1", "in the conference", in_conf)
        dial(cb, cid, "p2")
        wait_party(cb, cid, "p2", "talking", lambda p: p["talking"])
        assert party(cb, cid, "p1")["talking"] is False

        # a room of three (mixed): the tone still talks, silence does not
        dial(cb, cid, "p3")
        wait_party(cb, cid, "p3", "in the conference", in_conf)
        call3 = party(cb, cid, "p3")["call_id"]
        # p3 has heard a second of the mix (the tone) and stays silent
        cb.wait_call_state(
            call3, lambda c: c["legs"][0]["rtp"]["tx"] >= 50,
            what="p3 to hear a second of the mix")
        c = conf(cb, cid)
        talking = {p["id"]: p["talking"] for p in c["participants"]}
        assert talking == {"p1": False, "p2": True, "p3": False}, talking

        # on hold the tone stops: not talking any more
        st, b = cb.api("PATCH", "/v1/conferences/%s/participants/p2"
                       % cid, {"hold": True})
        assert st == 200, b
        wait_party(cb, cid, "p2", "not talking on hold",
                   lambda p: p["held"] and not p["talking"])
        st, b = cb.api("PATCH", "/v1/conferences/%s/participants/p2"
                       % cid, {"hold": False})
        assert st == 200, b
        wait_party(cb, cid, "p2", "talking again", lambda p: p["talking"])

        # hung up: left, not talking
        st, b = cb.api("DELETE", "/v1/conferences/%s/participants/p2"
                       % cid)
        assert st == 200, b
        p = wait_party(cb, cid, "p2", "left",
                       lambda p: p["status"] == "left")
        assert p["talking"] is False

        evs = ws.events_until(
            lambda e: e.get("type") == "conference.participant" and
            e["participant"]["id"] == "p2" and
            e["participant"]["status"] == "left")
    finally:
        ws.close()

    # every change of p2's flag was news, in order: on, off (hold), on
    flags = talking_events(evs, "p2")
    changes = [f for i, f in enumerate(flags) if i == 0 or f != flags[i - 1]]
    assert changes[:4] == [False, True, False, True], flags
    assert flags[-1] is False
    assert True not in talking_events(evs, "p1")
    assert True not in talking_events(evs, "p3")
    legs = [e for e in evs if e.get("type") == "leg.talking"]
    assert legs and all(isinstance(e["talking"], bool) for e in legs)
    assert {e["call_id"] for e in legs} == {party(cb, cid, "p2")["call_id"]}
