"""Turn SIGTERM and Ctrl-C into a clean window close while Qt owns the main thread.

Python runs signal handlers only when the main thread executes bytecode, and Qt's event loop
rarely does. CPython's C-level handler also writes the signal number to the wakeup fd, so a small
thread reading that pipe learns of the signal at once and closes the window; the normal shutdown
path (stop the server, flush the database) then runs after ``webview.start`` returns.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

__all__ = ["on_termination"]


def on_termination(callback: Callable[[int], None]) -> Callable[[], None]:
    """Call ``callback(signum)`` from a helper thread on SIGTERM/SIGINT; returns an undo function.

    Must be called from the main thread.
    """
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    previous = {
        signum: signal.signal(signum, lambda _s, _f: None)
        for signum in (signal.SIGTERM, signal.SIGINT)
    }

    def watch() -> None:
        while data := os.read(read_fd, 1):
            callback(data[0])
        os.close(read_fd)

    threading.Thread(target=watch, name="signal-watch", daemon=True).start()

    def undo() -> None:
        signal.set_wakeup_fd(previous_fd)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.close(write_fd)

    return undo
