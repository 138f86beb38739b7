"""Browser mode: serve the SPA and the commands over HTTP on the app's own event loop."""

from __future__ import annotations

import secrets
import sys
import threading
from pathlib import Path

import uvicorn

from ..bridge import EventHub, create_http_app
from ._runtime import AppRuntime
from ._signals import on_termination

__all__ = ["serve_browser"]

_STARTUP_TIMEOUT_S = 30.0


def serve_browser(runtime: AppRuntime, static_dir: Path, host: str, port: int) -> int:
    """Serve until SIGINT/SIGTERM; prints the one URL to open."""
    token = secrets.token_urlsafe(24)
    hub = EventHub()
    runtime.attach(hub)
    app = create_http_app(runtime.dispatcher, hub, token=token, static_dir=static_dir)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    )
    stopped = threading.Event()

    def stop(_signum: int) -> None:
        server.should_exit = True

    undo = on_termination(stop)
    try:
        future = runtime.portal.start_task_soon(server.serve)
        future.add_done_callback(lambda _f: stopped.set())
        waited = 0.0
        while not server.started and not stopped.is_set() and waited < _STARTUP_TIMEOUT_S:
            stopped.wait(0.05)
            waited += 0.05
        if not server.started:
            print("error: the HTTP server did not start", file=sys.stderr)
            server.should_exit = True
            return 1
        bound = server.servers[0].sockets[0].getsockname()[1]
        print(f"LlamaDesk is running at http://{host}:{bound}/?token={token}", flush=True)
        stopped.wait()
        future.result()
        return 0
    finally:
        undo()
        runtime.attach(None)
