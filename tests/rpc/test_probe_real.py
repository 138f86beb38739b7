"""Checking real workers and the three kinds of bad address, each within its deadline."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.rpc import probe_worker, still_listening
from tests.rpc.conftest import Worker

pytestmark = pytest.mark.real_server

_TIMEOUT_S = 3.0


def test_a_worker_answers_with_its_devices_and_free_memory(
    engine_binary: Path, start_worker: Callable[[], Worker]
) -> None:
    worker = start_worker()
    check = probe_worker(engine_binary, worker.address, _TIMEOUT_S, os.environ)
    assert check.state == "reachable", check.error
    assert check.usable
    assert len(check.devices) == 1
    device = check.devices[0]
    assert device.name.startswith("RPC")
    assert 0 < device.free_bytes <= device.total_bytes
    assert still_listening(worker.address, _TIMEOUT_S) is None


def _timed(engine_binary: Path, address: str) -> tuple[str, str, float]:
    began = time.monotonic()
    check = probe_worker(engine_binary, address, _TIMEOUT_S, os.environ)
    assert check.error
    return check.state, check.error, time.monotonic() - began


def test_a_refused_address_is_told_at_once(engine_binary: Path, refused_address: str) -> None:
    state, error, took = _timed(engine_binary, refused_address)
    assert (state, error) == ("refused", "connection refused: no worker listens there")
    assert took < 1.0
    gone = still_listening(refused_address, _TIMEOUT_S)
    assert gone is not None
    assert gone.state == "refused"


def test_an_address_that_never_answers_is_given_up_at_the_deadline(
    engine_binary: Path, silent_address: str
) -> None:
    state, error, took = _timed(engine_binary, silent_address)
    assert state == "not_answering"
    assert "did not answer within 3 s" in error
    assert _TIMEOUT_S <= took < _TIMEOUT_S + 2.0


def test_a_web_server_is_not_a_worker(engine_binary: Path, web_address: str) -> None:
    state, error, took = _timed(engine_binary, web_address)
    assert (state, error) == ("not_a_worker", "answers, but not as an RPC worker")
    assert took < _TIMEOUT_S


def test_a_malformed_address_is_an_error_not_a_crash(engine_binary: Path) -> None:
    check = probe_worker(engine_binary, "no-port-here", _TIMEOUT_S, os.environ)
    assert check.state == "error"
    assert "is not host:port" in (check.error or "")
