"""Registrar against the real daemon: SIPp REGISTER scenarios with digest
auth (tests/sipp/register/*.xml) over UDP and TCP."""

import pytest

import cbtest

USERS = {"alice": "s3cret", "bob": "hunter2"}

CASES = [
    # scenario, auth user, password
    ("register_auth", "alice", "s3cret"),       # 401, register, unregister
    ("register_badpass", "alice", "wrong"),     # 401 then 401 again
    ("register_brief", "alice", "s3cret"),      # 423 Min-Expires
    ("register_forbidden", "bob", "hunter2"),   # bob registering alice: 403
    ("register_malformed", "alice", "s3cret"),  # 400s, nothing changes
    ("register_devices", "alice", "s3cret"),    # several contacts, limits
]


@pytest.fixture
def cbreg(tmp_path, procs):
    c = cbtest.Callbridge(str(tmp_path), users=USERS)
    procs.append(c)
    return c


@pytest.mark.parametrize("transport", ["u1", "t1"])
@pytest.mark.parametrize("scenario,user,password", CASES)
def test_register(tmp_path, cbreg, scenario, user, password, transport):
    s = cbtest.Sipp(str(tmp_path), cbtest.sipp_scenario(
        "register", scenario + ".xml"),
        target="127.0.0.1:%d" % cbreg.sip_port,
        args=["-t", transport, "-s", "alice", "-au", user, "-ap", password,
              "-m", "1"])
    rc = s.wait(30)
    assert rc == 0, s.errors() + s.messages()[-3000:]


def test_registered_user_is_callable(tmp_path, cbreg):
    """After register_auth's unregister, alice has no binding: a call to
    her is refused with the one error shape."""
    s = cbtest.Sipp(str(tmp_path), cbtest.sipp_scenario(
        "register", "register_auth.xml"),
        target="127.0.0.1:%d" % cbreg.sip_port,
        args=["-s", "alice", "-au", "alice", "-ap", "s3cret", "-m", "1"])
    assert s.wait(30) == 0, s.errors()
    st, body = cbreg.api("POST", "/v1/calls", {"to": "alice",
                                               "play": "welcome.wav"})
    assert st == 422 and body["error"]["field"] == "to", body
