"""The crash-loop guard and the restart backoff, decided from crash times alone (no process)."""

from __future__ import annotations

import anyio
import pytest

from backend.config import EngineSettings
from backend.errors import ModelError
from backend.server import Failure, Recovery, endpoint_patience

SEGV = Failure("llama-server was killed by SIGSEGV (Segmentation fault).", "It restarts.")
ENGINE = EngineSettings(restart_backoff_s=0.5, restart_max=3, restart_window_s=10.0)


def test_a_first_crash_restarts_at_once_then_the_backoff_doubles() -> None:
    recovery = Recovery()
    engine = ENGINE.model_copy(update={"restart_max": 5})
    delays = [recovery.after_crash(SEGV, engine, now) for now in (0.0, 1.0, 2.0, 3.0)]
    assert delays == [0.0, 0.5, 1.0, 2.0]


def test_crashes_further_apart_than_the_window_never_add_up() -> None:
    recovery = Recovery()
    delays = [recovery.after_crash(SEGV, ENGINE, now) for now in (0.0, 11.0, 22.0, 33.0)]
    assert delays == [0.0, 0.0, 0.0, 0.0]


def test_restart_max_crashes_in_the_window_give_up_saying_how_often() -> None:
    recovery = Recovery()
    recovery.after_crash(SEGV, ENGINE, 0.0)
    recovery.after_crash(SEGV, ENGINE, 1.0)

    verdict = recovery.after_crash(SEGV, ENGINE, 2.0)

    assert isinstance(verdict, Failure)
    assert verdict.message == (
        "llama-server crashed 3 times within 10 s, so LlamaDesk stopped restarting it. "
        "Last time it was killed by SIGSEGV (Segmentation fault)."
    )
    assert verdict.hint == SEGV.hint
    once = Recovery().after_crash(SEGV, ENGINE.model_copy(update={"restart_max": 1}), 0.0)
    assert isinstance(once, Failure)
    assert once.message.startswith("llama-server crashed 1 time within 10 s")


def test_a_cause_no_restart_can_fix_gives_up_at_once() -> None:
    missing = Failure("The model file is missing.", kind=ModelError, permanent=True)
    assert Recovery().after_crash(missing, ENGINE, 0.0) is missing


def test_a_users_start_begins_a_new_budget() -> None:
    recovery = Recovery()
    recovery.after_crash(SEGV, ENGINE, 0.0)
    recovery.after_crash(SEGV, ENGINE, 1.0)
    recovery.forget_crashes()
    assert recovery.after_crash(SEGV, ENGINE, 2.0) == 0.0


@pytest.mark.anyio
async def test_cancel_calls_off_the_pending_restart() -> None:
    recovery = Recovery()
    recovery.cancel()  # nothing pending: nothing to do
    with anyio.CancelScope() as scope:
        recovery.pending = scope
        recovery.cancel()
        await anyio.sleep(5)
    assert scope.cancelled_caught
    assert recovery.pending is None


def test_a_request_waits_for_one_start_and_the_longest_backoff() -> None:
    assert endpoint_patience(ENGINE.model_copy(update={"start_timeout_s": 30.0})) == 34.0
    slow = ENGINE.model_copy(update={"start_timeout_s": 30.0, "restart_max": 20})
    assert endpoint_patience(slow) == 90.0, "the backoff counted is at most a minute"
