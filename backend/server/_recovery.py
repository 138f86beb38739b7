"""Recovery after a crash, and the guard that stops a crash loop.

After an exit nobody asked for, the server is relaunched at once the first time; a second crash
still inside ``restart_window_s`` waits ``restart_backoff_s``, and each further one twice as
long. A cause no restart can fix (``permanent``), or ``restart_max`` crashes within the window,
gives up instead: the monitor ends in ``failed`` with a message that says how often it crashed.
:meth:`Recovery.after_crash` makes that decision from the crash times alone, so it is tested
without processes; the monitor does the waiting (in a scope that a stop or a restart cancels
through :meth:`Recovery.cancel`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import anyio

from ..config import EngineSettings
from ._diagnose import Failure

__all__ = ["Recovery", "endpoint_patience"]

_MAX_BACKOFF_S = 60.0


def endpoint_patience(engine: EngineSettings) -> float:
    """How long a request waits for the server: one start plus the longest restart backoff."""
    backoff = engine.restart_backoff_s * 2.0 ** min(engine.restart_max, 16)
    return engine.start_timeout_s + min(backoff, _MAX_BACKOFF_S)


class Recovery:
    """The recent crashes, the restarts so far, and the one restart that may be pending."""

    def __init__(self) -> None:
        self.restarts = 0
        """Automatic restarts since the monitor started (the status shows them)."""
        self.pending: anyio.CancelScope | None = None
        """The scope of a restart waiting out its backoff."""
        self._crashes: deque[float] = deque()

    def forget_crashes(self) -> None:
        """Start a new crash budget (the user started or restarted the server)."""
        self._crashes.clear()

    def cancel(self) -> None:
        """Call off a pending restart (a stop, a restart or the end of the monitor)."""
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None

    def after_crash(self, failure: Failure, engine: EngineSettings, now: float) -> Failure | float:
        """Note a crash at ``now``: the failure to end in, or how long to wait before a restart."""
        self._crashes.append(now)
        while self._crashes and now - self._crashes[0] > engine.restart_window_s:
            self._crashes.popleft()
        if failure.permanent:
            return failure
        crashes = len(self._crashes)
        if crashes >= engine.restart_max:
            return replace(
                failure,
                message=f"llama-server crashed {crashes} time{'s' * (crashes != 1)} "
                f"within {engine.restart_window_s:g} s, so LlamaDesk stopped "
                "restarting it. Last time it " + failure.message.removeprefix("llama-server "),
            )
        if crashes == 1:
            return 0.0  # a lone crash: relaunch at once, a user is waiting
        return engine.restart_backoff_s * 2.0 ** (crashes - 2)
