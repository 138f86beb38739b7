"""How often streamed text is pushed to the page: faster with spare cores, slower without.

On a CPU-only machine every core the UI takes is taken from the model: llama-server's threads
meet at a barrier after each layer, so one thread that waits for the UI holds up all of them.
Each update of the page costs the window a frame (the page's style, layout and paint, the
compositor, Qt's copy to the screen): about 11 ms of CPU per update with software rendering on
the 2-core test machine, and ~18 ms across the window's (or the browser's) processes measured
per update while SmolLM2 streams. At ``behaviour.stream_flush_ms`` (25 ms, up to 40 updates a
second) that is ~45% of a core, and at 10 updates a second still ~18%, where the model's 0.95
of its own speed leaves the UI ~5%. So when the engine's threads cover every core the app may
run on, streamed text goes out every ``behaviour.stream_flush_shared_ms`` (250 ms, 4 updates a
second: still a visible stream, a line or two at a time) instead.

llama-server's own default (``engine.threads`` 0) is one thread per physical core, which leaves
the SMT siblings of a machine with hyper-threading to the UI.
"""

from __future__ import annotations

import os

import psutil

from ..config import Settings

__all__ = ["cores_shared", "stream_flush_ms", "usable_cores"]


def usable_cores() -> tuple[int, int]:
    """(CPUs this process may run on, physical cores of the machine)."""
    logical = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    physical = psutil.cpu_count(logical=False)
    return logical or 1, physical or logical or 1


def cores_shared(threads: int, logical: int, physical: int) -> bool:
    """Whether a local engine with ``threads`` (0: llama-server's choice) leaves no core free."""
    used = threads or min(physical, logical)
    return used >= logical


def stream_flush_ms(settings: Settings, cores: tuple[int, int] | None = None) -> int:
    """The event pump's interval for these settings on this machine."""
    logical, physical = cores or usable_cores()
    behaviour = settings.behaviour
    if cores_shared(settings.engine.threads, logical, physical):
        return max(behaviour.stream_flush_ms, behaviour.stream_flush_shared_ms)
    return behaviour.stream_flush_ms
