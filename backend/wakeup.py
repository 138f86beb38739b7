"""A "look again" call from any thread to one task that sleeps until it comes.

A service that keeps something as the settings say (the local API's server, the local RPC
worker) waits on a :class:`Wakeup` instead of polling the settings on a timer: idle, it takes no
CPU at all. The settings' subscriber calls :meth:`Wakeup.set` from whichever thread saved them;
the call reaches the task's event loop, and a call that comes while the task is busy is kept, so
none is missed. The providers' watch sleeps on one too while it has nothing to watch, woken on
the loop by any change to the providers or their fall-backs.
"""

from __future__ import annotations

import threading

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.lowlevel import EventLoopToken

__all__ = ["Wakeup"]


class Wakeup:
    """An event the waiting task renews each time it wakes, settable from any thread."""

    def __init__(self) -> None:
        self._event: anyio.Event | None = None
        self._loop: EventLoopToken | None = None
        self._thread: int | None = None

    def bind(self) -> None:
        """Called by the waiting task, on its loop, before it first reads what it follows."""
        self._loop = anyio.lowlevel.current_token()
        self._thread = threading.get_ident()
        self._event = anyio.Event()

    def set(self) -> None:
        """Wake the task (from any thread); before :meth:`bind` there is nobody to wake."""
        event, loop = self._event, self._loop
        if event is None or loop is None:
            return
        if threading.get_ident() == self._thread:  # on the loop itself (a command, an answer)
            event.set()
        else:
            anyio.from_thread.run_sync(event.set, token=loop)

    async def wait(self) -> None:
        """Sleep until :meth:`set`; the next call waits for a newer one."""
        if self._event is None:
            raise RuntimeError("Wakeup.wait before bind")
        await self._event.wait()
        # Renewed before the caller reads again: a set() from here on wakes the next wait.
        self._event = anyio.Event()
