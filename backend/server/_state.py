"""The monitor's lifecycle: one enum, the only transitions it may take, and its one holder.

The values are exactly the wire contract's ``ServerState`` strings, so a phase crosses to the
page unchanged. ``stopped → starting → ready ⇄ unhealthy → crashed → restarting → starting …``;
a crash loop, a start timeout or a cause no restart can fix (a missing model, a port someone else
holds) ends in ``failed`` and stays there until the user starts the server again. Asking for a
transition the table does not list is a bug in the monitor, so it raises ``InternalError``
instead of letting the UI show a state the server is not in. :class:`Lifecycle` holds the
current phase; it is the only code that changes it.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable

import anyio

from ..contract import BridgeEvent, ServerStatus, ServerStatusEvent
from ..errors import InternalError, ServerUnavailable
from ._diagnose import Failure

__all__ = ["Lifecycle", "ServerPhase", "check_transition"]

logger = logging.getLogger(__name__)


class ServerPhase(enum.Enum):
    """Where the supervised llama-server is in its life."""

    STOPPED = "stopped"
    STARTING = "starting"
    READY = "ready"
    UNHEALTHY = "unhealthy"
    CRASHED = "crashed"
    RESTARTING = "restarting"
    FAILED = "failed"


_P = ServerPhase
_ALLOWED: dict[ServerPhase, frozenset[ServerPhase]] = {
    _P.STOPPED: frozenset({_P.STARTING}),
    _P.STARTING: frozenset({_P.READY, _P.CRASHED, _P.FAILED, _P.STOPPED, _P.RESTARTING}),
    _P.READY: frozenset({_P.UNHEALTHY, _P.CRASHED, _P.STOPPED, _P.RESTARTING}),
    _P.UNHEALTHY: frozenset({_P.READY, _P.CRASHED, _P.STOPPED, _P.RESTARTING}),
    _P.CRASHED: frozenset({_P.RESTARTING, _P.FAILED, _P.STOPPED}),
    _P.RESTARTING: frozenset({_P.STARTING, _P.FAILED, _P.STOPPED}),
    _P.FAILED: frozenset({_P.STARTING, _P.STOPPED}),
}


def check_transition(current: ServerPhase, target: ServerPhase) -> None:
    """Raise ``InternalError`` unless the lifecycle allows going from ``current`` to ``target``."""
    if target not in _ALLOWED[current]:
        raise InternalError(
            f"Invalid server state transition: {current.value} → {target.value}.",
            detail=f"From {current.value} the monitor may go to: "
            + ", ".join(sorted(p.value for p in _ALLOWED[current])),
        )


_RUNNING = (ServerPhase.READY, ServerPhase.UNHEALTHY)
_SETTLED = (*_RUNNING, ServerPhase.FAILED, ServerPhase.STOPPED)
_IDLE_HINT = "Stopped after a while without requests to free memory; the next message starts it."


class Lifecycle:
    """The monitor's one phase: each transition checked against the table, then announced.

    ``announce`` tells the page (a ``ServerStatusEvent``); a sink that raises is logged, never
    lets a transition half happen. Tasks waiting for a change (``wait_change``, ``settle``)
    wake at every transition.
    """

    def __init__(self, sink: Callable[[BridgeEvent], None], status: Callable[[], ServerStatus]):
        self.phase = ServerPhase.STOPPED
        self.since = time.monotonic()
        self.failure: Failure | None = None
        """Why the server failed or last crashed; cleared by a stop or a user's restart."""
        self.idle = False
        """Stopped as if idle: the next request starts it again."""
        self._sink = sink
        self._status = status
        self._changed: anyio.Event | None = None

    @property
    def running(self) -> bool:
        """Ready or unhealthy: a process that answers, or did a moment ago."""
        return self.phase in _RUNNING

    @property
    def hint(self) -> str | None:
        """What to do about the failure, or why the server stopped by itself."""
        if self.failure is not None:
            return self.failure.hint
        return _IDLE_HINT if self.idle else None

    def enter(
        self, phase: ServerPhase, failure: Failure | None = None, *, idle: bool = False
    ) -> None:
        """Go to ``phase`` (``InternalError`` if the table forbids it), then announce it."""
        check_transition(self.phase, phase)
        self.phase = phase
        self.idle = idle
        self.since = time.monotonic()
        if failure is not None:
            self.failure = failure
        self.announce()
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def announce(self) -> None:
        """Send the current status to the sink (also between transitions, as progress)."""
        try:
            self._sink(ServerStatusEvent(status=self._status()))
        except Exception:
            logger.exception("The server status sink failed")

    async def wait_change(self) -> None:
        """Wait for the next transition."""
        if self._changed is None:
            self._changed = anyio.Event()
        await self._changed.wait()

    async def settle(self) -> None:
        """Wait until the server runs; raise the failure's error, or ``ServerUnavailable``."""
        while self.phase not in _SETTLED:
            await self.wait_change()
        if self.phase is ServerPhase.FAILED:
            assert self.failure is not None, "failed is always entered with a reason"
            raise self.failure.to_error()
        if self.phase is ServerPhase.STOPPED:
            raise ServerUnavailable("llama-server was stopped before it became ready.")

    def check_available(self) -> None:
        """Raise ``ServerUnavailable`` when the server is stopped or has failed."""
        if self.phase is ServerPhase.STOPPED:
            raise ServerUnavailable(
                "llama-server is not running.", detail="Start it from the header."
            )
        if self.phase is ServerPhase.FAILED:
            assert self.failure is not None, "failed is always entered with a reason"
            raise ServerUnavailable(self.failure.message, detail=self.failure.hint)
