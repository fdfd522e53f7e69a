"""pytest fixtures: a temp dir per test, and processes that are always
stopped (and checked for sanitizer reports) when the test ends."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import cbtest  # noqa: E402


@pytest.fixture
def procs():
    """Register processes with procs.append(p); all are stopped at the end."""
    started = []
    yield started
    errors = []
    for p in reversed(started):
        try:
            p.stop()
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        raise AssertionError("\n".join(errors))


@pytest.fixture
def simnet(tmp_path, procs):
    s = cbtest.Simnet(str(tmp_path))
    procs.append(s)
    return s


@pytest.fixture
def cb(tmp_path, procs, simnet):
    """callbridge with its trunk pointing at the simulated network."""
    c = cbtest.Callbridge(str(tmp_path), trunk_port=simnet.port,
                          users={"alice": "alicepw", "bob": "bobpw"})
    procs.append(c)
    return c
