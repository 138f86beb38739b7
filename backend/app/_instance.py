"""One app per data folder: a lock file, and a socket the next launch knocks on.

Two apps on one data folder would each run a llama-server sharing one slot-cache folder, and one
would keep stale settings. The first takes an exclusive ``flock`` on ``<data dir>/llamadesk.lock``
(the kernel releases it when the process ends, however it ends, so a crash leaves no stale lock)
and listens on a Unix socket, ``<run dir>/instance.sock`` (in the temp folder, named after the
data folder, when that path is too long for a socket), readable by its user only. A second launch
that cannot take the lock connects, sends one line, and gets one line back from the first:
``window`` (it brought its window to the front), ``url <URL>`` (browser mode: where it runs), or
``starting`` (its front end is not up yet). The second prints that and exits 0.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import Conflict
from ..paths import AppPaths

__all__ = ["SingleInstance", "knock"]

log = logging.getLogger(__name__)

_KNOCK = b"front\n"
_MAX_SOCKET_PATH = 100
_TIMEOUT_S = 5.0


def _socket_path(paths: AppPaths) -> Path:
    path = paths.run_dir / "instance.sock"
    if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(os.fsencode(paths.data_dir.resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"llamadesk-{os.getuid()}-{digest}.sock"


class SingleInstance:
    """The lock and the knock channel of one data folder; use as a context manager."""

    def __init__(self, paths: AppPaths) -> None:
        self._paths = paths
        self.lock_path = paths.data_dir / "llamadesk.lock"
        self.socket_path = _socket_path(paths)
        self._fd: int | None = None
        self._server: socket.socket | None = None
        self._answer: Callable[[], str] = lambda: "starting"

    def acquire(self) -> bool:
        """Take the folder's lock; False when another app holds it."""
        self._paths.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        with contextlib.suppress(OSError):  # the pid is only for messages; a full disk is fine
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        try:
            self._listen()
        except OSError as exc:  # still one instance; a second launch is told this one is silent
            log.warning("Cannot listen on %s: %s", self.socket_path, exc)
        return True

    def holder(self) -> int | None:
        """The pid written by the app that holds the lock, if readable."""
        try:
            return int(self.lock_path.read_text().strip())
        except (OSError, ValueError):
            return None

    def answer_with(self, answer: Callable[[], str]) -> None:
        """Answer the next knocks with ``answer()`` (called in the listener's thread)."""
        self._answer = answer

    def _listen(self) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)  # left by an app that died: we hold the lock
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(os.fspath(self.socket_path))
        self.socket_path.chmod(0o600)
        server.listen(4)
        self._server = server
        threading.Thread(target=self._serve, args=(server,), name="instance", daemon=True).start()

    def _serve(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(_TIMEOUT_S)
                try:
                    if conn.recv(64) == _KNOCK:
                        conn.sendall(self._answer().encode() + b"\n")
                except OSError:
                    continue

    def close(self) -> None:
        """Stop answering and release the lock."""
        if self._server is not None:
            self._server.close()
            self._server = None
            self.socket_path.unlink(missing_ok=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SingleInstance:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def knock(instance: SingleInstance, timeout_s: float = _TIMEOUT_S) -> str:
    """Ask the app holding the lock to come forward; its answer. ``Conflict`` if it is silent."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(timeout_s)
                client.connect(os.fspath(instance.socket_path))
                client.sendall(_KNOCK)
                reply = client.makefile("rb").readline().decode().strip()
            if reply:
                return reply
        except OSError:
            pass
        if time.monotonic() >= deadline:
            pid = instance.holder()
            raise Conflict(
                "LlamaDesk is already running on this data folder"
                + (f" (pid {pid})" if pid else "")
                + " but does not answer.",
                detail=f"Close it, or stop that process; the lock is {instance.lock_path}.",
            )
        time.sleep(0.1)  # the first app has the lock but is not listening yet
