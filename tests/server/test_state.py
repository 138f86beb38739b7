"""The lifecycle: values match the contract, invalid transitions raise, each one is announced."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import get_args

import anyio
import pytest

from backend.contract import BridgeEvent, ServerState, ServerStatus, ServerStatusEvent
from backend.errors import InternalError, ModelError, ServerUnavailable
from backend.server import Failure, Lifecycle, ServerPhase, check_transition

ALLOWED = {
    ("stopped", "starting"),
    ("starting", "ready"),
    ("starting", "crashed"),
    ("starting", "failed"),
    ("starting", "stopped"),
    ("starting", "restarting"),
    ("ready", "unhealthy"),
    ("ready", "crashed"),
    ("ready", "stopped"),
    ("ready", "restarting"),
    ("unhealthy", "ready"),
    ("unhealthy", "crashed"),
    ("unhealthy", "stopped"),
    ("unhealthy", "restarting"),
    ("crashed", "restarting"),
    ("crashed", "failed"),
    ("crashed", "stopped"),
    ("restarting", "starting"),
    ("restarting", "failed"),
    ("restarting", "stopped"),
    ("failed", "starting"),
    ("failed", "stopped"),
}


def test_phases_are_exactly_the_contract_states() -> None:
    assert [phase.value for phase in ServerPhase] == list(get_args(ServerState))


@pytest.mark.parametrize(("current", "target"), list(itertools.product(ServerPhase, ServerPhase)))
def test_only_listed_transitions_are_allowed(current: ServerPhase, target: ServerPhase) -> None:
    if (current.value, target.value) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(InternalError, match=f"{current.value} → {target.value}"):
            check_transition(current, target)


class Events(list[BridgeEvent]):
    """A sink keeping every event."""

    def __call__(self, event: BridgeEvent) -> None:
        self.append(event)


def _status(life: Lifecycle) -> ServerStatus:
    failure = life.failure
    return ServerStatus(
        state=life.phase.value,
        elapsed_s=0.0,
        restarts=0,
        last_error=failure.message if failure else None,
        hint=life.hint,
    )


def _lifecycle(sink: Callable[[BridgeEvent], None] | None = None) -> tuple[Lifecycle, Events]:
    events = Events()
    holder: list[Lifecycle] = []
    life = Lifecycle(sink or events, lambda: _status(holder[0]))
    holder.append(life)
    return life, events


def _states(events: Events) -> list[str]:
    return [event.status.state for event in events if isinstance(event, ServerStatusEvent)]


def test_each_transition_is_announced_and_a_forbidden_one_changes_nothing() -> None:
    life, events = _lifecycle()
    life.enter(ServerPhase.STARTING)
    life.enter(ServerPhase.READY)
    assert life.running
    with pytest.raises(InternalError, match="ready → failed"):
        life.enter(ServerPhase.FAILED, Failure("no"))
    assert (life.phase, life.failure) == (ServerPhase.READY, None)
    assert _states(events) == ["starting", "ready"]
    life.announce()
    assert _states(events) == ["starting", "ready", "ready"], "progress between transitions"


def test_the_failure_stays_until_replaced_and_idle_only_for_its_transition() -> None:
    life, events = _lifecycle()
    life.enter(ServerPhase.STARTING)
    life.enter(ServerPhase.CRASHED, Failure("crashed", "it restarts"))
    life.enter(ServerPhase.RESTARTING)
    assert (life.failure, life.hint) == (Failure("crashed", "it restarts"), "it restarts")
    life.failure = None
    life.enter(ServerPhase.STOPPED, idle=True)
    assert "next message starts it" in (life.hint or "")
    life.enter(ServerPhase.STARTING)
    assert (life.idle, life.hint) == (False, None)
    assert events[-1] == ServerStatusEvent(status=_status(life))


def test_a_sink_that_raises_is_logged_and_the_transition_happens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: BridgeEvent) -> None:
        raise RuntimeError("the page is gone")

    life, _events = _lifecycle(broken)
    life.enter(ServerPhase.STARTING)
    assert life.phase is ServerPhase.STARTING
    assert "The server status sink failed" in caplog.text


@pytest.mark.anyio
async def test_settle_waits_for_the_outcome_and_raises_a_failure() -> None:
    life, _events = _lifecycle()
    life.enter(ServerPhase.STARTING)
    async with anyio.create_task_group() as tg:
        tg.start_soon(life.settle)
        await anyio.wait_all_tasks_blocked()
        life.enter(ServerPhase.READY)
    life.enter(ServerPhase.CRASHED, Failure("bad model", "pick another", ModelError, True))
    life.enter(ServerPhase.FAILED)
    with pytest.raises(ModelError, match="bad model") as caught:
        await life.settle()
    assert caught.value.detail == "pick another"
    with pytest.raises(ServerUnavailable, match="bad model"):
        life.check_available()
    life.enter(ServerPhase.STOPPED)
    with pytest.raises(ServerUnavailable, match="stopped before it became ready"):
        await life.settle()
    with pytest.raises(ServerUnavailable, match="not running"):
        life.check_available()
