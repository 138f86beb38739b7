"""Serving an ASGI app on 127.0.0.1:PORT with uvicorn, started and stopped from a task.

The socket is bound here, before uvicorn runs, so a port that is taken fails at once with a
sentence naming the program that holds it (``backend.server.port_owner``) instead of uvicorn's
log line and ``SystemExit``. Stopping is graceful: uvicorn stops accepting, lets the requests
in flight finish for up to ``_GRACE_S`` seconds, then cancels them (a streamed answer ends, and
its upstream stream to llama-server is closed). uvicorn runs shielded from the caller's
cancellation, so cancelling ``serve`` always takes this graceful path.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

import anyio
import uvicorn
from starlette.types import ASGIApp

from ..config import LOCAL_API_HOST
from ..errors import ConfigError
from ..quiet_server import QuietServer
from ..server import port_owner

__all__ = ["bind", "serve"]

_GRACE_S = 2.0
_START_TIMEOUT_S = 10.0
_POLL_S = 0.01


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port``; ``ConfigError`` saying why it cannot be had."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOCAL_API_HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise _bind_error(port, exc) from exc
    sock.setblocking(False)
    return sock


def _bind_error(port: int, exc: OSError) -> ConfigError:
    if exc.errno == errno.EADDRINUSE:
        owner = port_owner(port)
        by = f" by {owner}" if owner else " by another program"
        return ConfigError(
            f"Port {port} on {LOCAL_API_HOST} is already in use{by}: the local API cannot "
            "start. Choose another port in Settings → Local API, or stop that program.",
            detail=str(exc),
        )
    if exc.errno == errno.EACCES:
        return ConfigError(
            f"Port {port} needs administrator rights: choose one above 1023 in Settings → "
            "Local API.",
            detail=str(exc),
        )
    return ConfigError(f"The local API cannot listen on port {port}: {exc.strerror}.")


async def serve(app: ASGIApp, sock: socket.socket, started: Callable[[], None]) -> None:
    """Serve ``app`` on ``sock`` until cancelled; ``started`` is called once it accepts."""
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=int(_GRACE_S),
    )
    server = QuietServer(config)
    ended = anyio.Event()

    async def run() -> None:
        try:
            with anyio.CancelScope(shield=True):
                await server.serve(sockets=[sock])
        finally:
            sock.close()
            ended.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(run)
        try:
            with anyio.fail_after(_START_TIMEOUT_S):
                while not server.started and not ended.is_set():  # noqa: ASYNC110 - uvicorn's flag
                    await anyio.sleep(_POLL_S)
            if server.started:
                started()
            await ended.wait()
        finally:
            server.stop()
            with anyio.CancelScope(shield=True), anyio.move_on_after(_GRACE_S + 1):
                await ended.wait()
            server.force_exit = True
