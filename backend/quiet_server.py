"""uvicorn's server without its ten wake-ups a second.

uvicorn's main loop wakes every 0.1 s to see whether it should stop and to renew its ``Date``
header; idle, that tick was most of what browser mode's backend spent (0.3% of a core). This
server sleeps until :meth:`QuietServer.stop` instead (a :class:`~backend.wakeup.Wakeup`, so any
thread may call it), and sends no ``Date`` header, which nothing here reads. Both servers the app
runs use it: browser mode's and the local API's. uvicorn's own signal handlers are not involved:
they are only installed on the main thread, and the app serves from its event loop's thread.
"""

from __future__ import annotations

import uvicorn

from .wakeup import Wakeup

__all__ = ["QuietServer"]


class QuietServer(uvicorn.Server):
    """A ``uvicorn.Server`` whose main loop waits for :meth:`stop` instead of polling."""

    def __init__(self, config: uvicorn.Config) -> None:
        config.date_header = False
        super().__init__(config)
        self._stop = Wakeup()

    async def main_loop(self) -> None:
        """Sleep until stopped (uvicorn then shuts down gracefully, as after its own tick)."""
        self._stop.bind()
        while not self.should_exit:  # a stop() before bind() set the flag, so it is seen here
            await self._stop.wait()

    def stop(self) -> None:
        """Stop serving (from any thread): what ``should_exit = True`` did, without the wait."""
        self.should_exit = True
        self._stop.set()
