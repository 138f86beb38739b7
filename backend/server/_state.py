"""The monitor's lifecycle: one enum, and the only transitions it may take.

The values are exactly the wire contract's ``ServerState`` strings, so a phase crosses to the
page unchanged. ``stopped → starting → ready ⇄ unhealthy → crashed → restarting → starting …``;
a crash loop, a start timeout or a cause no restart can fix (a missing model, a port someone else
holds) ends in ``failed`` and stays there until the user starts the server again. Asking for a
transition the table does not list is a bug in the monitor, so it raises ``InternalError``
instead of letting the UI show a state the server is not in.
"""

from __future__ import annotations

import enum

from ..errors import InternalError

__all__ = ["ServerPhase", "check_transition"]


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
