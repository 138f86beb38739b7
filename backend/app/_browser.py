"""Browser mode: serve the SPA and the commands over HTTP on the app's own event loop.

Nothing is exposed by accident. Loopback is the default; an address other machines can reach
needs ``allow_network`` (``--allow-network``) and prints a warning, which says the traffic is
plain HTTP unless a certificate and key are given (``--tls-cert``/``--tls-key``, served by
uvicorn). The server answers only requests whose ``Host`` names an address it is bound to, on
its port (see ``create_http_app``): the loopback names, the chosen address, and for a wildcard
address (``0.0.0.0``, ``::``) this machine's interface addresses and host name.
"""

from __future__ import annotations

import secrets
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil
import uvicorn

from ..bridge import LOOPBACK_NAMES, EventHub, create_http_app, is_loopback
from ..errors import ConfigError
from ..quiet_server import QuietServer
from ._runtime import AppRuntime
from ._signals import on_termination

__all__ = ["BrowserOptions", "serve_browser"]

_STARTUP_TIMEOUT_S = 30.0
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - the names, not a bind


@dataclass(frozen=True)
class BrowserOptions:
    """Where browser mode listens, whether beyond loopback is meant, and its TLS files."""

    host: str = "127.0.0.1"
    port: int = 0
    allow_network: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def scheme(self) -> str:
        """``https`` with a certificate, else ``http``."""
        return "https" if self.tls_cert else "http"

    def check(self) -> None:
        """Raise ``ConfigError`` before anything starts if these options cannot be served."""
        if not is_loopback(self.host) and not self.allow_network:
            raise ConfigError(
                f"--host {self.host} can be reached from other machines; "
                "add --allow-network if that is meant.",
                detail="Anyone on the network who gets the token can then use LlamaDesk.",
            )
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigError("--tls-cert and --tls-key go together: give both files.")
        if self.tls_cert is not None and self.tls_key is not None:
            try:
                ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(self.tls_cert, self.tls_key)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigError(
                    f"Cannot use {self.tls_cert} with {self.tls_key} for TLS: {exc}",
                    detail="Both must be PEM files: the certificate and its private key.",
                ) from exc

    def host_names(self) -> frozenset[str]:
        """The ``Host`` names to answer: loopback, the chosen address, or every local one."""
        names = set(LOOPBACK_NAMES) | {self.host.strip("[]").lower()}
        if self.host.strip("[]") in _WILDCARDS:
            names.add(socket.gethostname().lower())
            for addresses in psutil.net_if_addrs().values():
                names.update(a.address.split("%")[0].lower() for a in addresses)
        return frozenset(names - _WILDCARDS)

    def warning(self) -> str | None:
        """What to tell the user when the server is reachable from the network."""
        if is_loopback(self.host):
            return None
        text = (
            f"warning: LlamaDesk listens on {self.host}, reachable from other machines; "
            "anyone with the token in its URL can use it."
        )
        if self.tls_cert is None:
            text += (
                " The connection is plain HTTP: the token and your chats cross the network "
                "unencrypted. Give --tls-cert FILE --tls-key FILE to serve HTTPS."
            )
        return text

    def url(self, port: int, token: str) -> str:
        """The URL to open."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{port}/?token={token}"


def serve_browser(
    runtime: AppRuntime,
    static_dir: Path,
    options: BrowserOptions,
    answer_knocks: Callable[[Callable[[], str]], None] = lambda _answer: None,
) -> int:
    """Serve until SIGINT/SIGTERM; prints the one URL to open (and a warning if exposed).

    ``answer_knocks`` gets what tells a second launch on this data folder where this one runs.
    """
    token = secrets.token_urlsafe(24)
    hub = EventHub()
    runtime.attach(hub)
    app = create_http_app(
        runtime.dispatcher, hub, token=token, static_dir=static_dir, hosts=options.host_names()
    )
    config = uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        log_level="warning",
        lifespan="off",
        ssl_certfile=options.tls_cert,
        ssl_keyfile=options.tls_key,
    )
    server = QuietServer(config)
    stopped = threading.Event()

    def stop(_signum: int) -> None:
        server.stop()

    undo = on_termination(stop)
    runtime.on_fatal(lambda: stop(0))
    try:
        future = runtime.portal.start_task_soon(server.serve)
        future.add_done_callback(lambda _f: stopped.set())
        waited = 0.0
        while not server.started and not stopped.is_set() and waited < _STARTUP_TIMEOUT_S:
            stopped.wait(0.05)
            waited += 0.05
        if not server.started:
            print("error: the HTTP server did not start", file=sys.stderr)
            server.stop()
            return 1
        if (warning := options.warning()) is not None:
            print(warning, file=sys.stderr, flush=True)
        bound = server.servers[0].sockets[0].getsockname()[1]
        url = options.url(bound, token)
        answer_knocks(lambda: f"url {url}")
        print(f"LlamaDesk is running at {url}", flush=True)
        stopped.wait()
        future.result()
        return 0
    finally:
        undo()
        runtime.attach(None)
