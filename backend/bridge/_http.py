"""Browser mode: the same commands and events over HTTP, for headless machines and browser tests.

``POST /api/<command>`` takes the JSON object of keyword arguments and answers with the command's
result envelope: 200 with ``{"ok": true, "result": ...}``, or a 4xx/5xx status with
``{"error": {"code", "message", "detail", "fields"}}``. ``GET /api/events?token=T`` is one
Server-Sent-Events stream carrying every event as ``data: {json}``. Everything else serves the
built SPA. A per-launch token guards the API (``Authorization: Bearer T``; the event stream takes
it as a query parameter because EventSource cannot set headers), and requests whose ``Origin`` is
not this server are refused, so another web page cannot drive the app.

Every request is answered, and every refusal is the same JSON error envelope: a ``Host`` that
is not one of the names the server is bound to (DNS rebinding: a page on ``evil.example`` that
resolves to 127.0.0.1 gets 403, as does a wrong port), a body that is not strict UTF-8 JSON
(``strict_json``: no NaN, no lone surrogates, at most 64 levels deep), an unknown route or
method (404/405), and a bug (500 ``internal``). The token is compared as bytes, so any header
text is merely wrong, never an error.

The built SPA is served from memory (``SpaAssets``: why, and its caching).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import threading
from collections.abc import AsyncGenerator, Collection, Sequence
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import strict_json
from ..contract import bridge_error
from ..errors import ErrorCode, InvalidArgument
from ._dispatch import CommandDispatcher
from ._spa import SpaAssets

__all__ = [
    "EventHub",
    "LOOPBACK_NAMES",
    "create_http_app",
    "is_loopback",
]

LOOPBACK_NAMES: Final = frozenset({"127.0.0.1", "localhost", "::1"})
"""Host names that always mean this machine; a server on loopback answers only to these."""


def is_loopback(host: str) -> bool:
    """Whether an address to bind (``127.0.0.1``, ``localhost``, ``::1``, ``[::1]``) is local."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


_ALL_METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

_STATUS: dict[ErrorCode, int] = {  # one status per code; a test checks none is missing
    "invalid_argument": 400,
    "config_invalid": 400,
    "import_invalid": 400,
    "attachment_refused": 422,
    "model_invalid": 400,
    "not_found": 404,
    "conflict": 409,
    "context_overflow": 413,
    "engine_missing": 424,
    "timeout": 504,
    "server_unavailable": 503,
    "server_error": 502,
    "auth_failed": 502,  # a provider refused its key (not the page: that would be 401)
    "tool_error": 502,
    "storage_error": 500,
    "internal": 500,
}
_KEEPALIVE_S = 15.0
_QUEUE_LIMIT = 10_000


class EventHub:
    """An event target that fans batches out to every open SSE stream."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]] = set()

    def deliver(self, events: Sequence[dict[str, Any]]) -> None:
        """Queue each event for every subscriber (called from the event pump's thread)."""
        payloads = [json.dumps(event, allow_nan=False) for event in events]
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            for payload in payloads:
                loop.call_soon_threadsafe(self._put, queue, payload)

    @staticmethod
    def _put(queue: asyncio.Queue[str], payload: str) -> None:
        if queue.qsize() < _QUEUE_LIMIT:
            queue.put_nowait(payload)

    async def stream(self) -> AsyncGenerator[str, None]:
        """SSE text for one subscriber, with keep-alive comments, until the client leaves."""
        entry = (asyncio.get_running_loop(), asyncio.Queue[str]())
        with self._lock:
            self._subscribers.add(entry)
        try:
            yield ": connected\n\n"
            while True:
                try:
                    payload = await asyncio.wait_for(entry[1].get(), _KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"data: {payload}\n\n"
        finally:
            with self._lock:
                self._subscribers.discard(entry)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "detail": None, "fields": []}}, status
    )


def _split_host(host: str) -> tuple[str, str]:
    """``name:port`` (or ``[v6]:port``) as the lower-case name and the port text."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name.lower(), rest.removeprefix(":") if rest.startswith(":") else rest
    name, _, port = host.partition(":")
    return name.lower(), port


class _HostCheck:
    """Answer only requests addressed to a name this server is bound to, on its port."""

    def __init__(self, app: ASGIApp, names: Collection[str]) -> None:
        self._app = app
        self._names = frozenset(name.lower() for name in names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = Request(scope).headers.get("host", "") if scope["type"] == "http" else None
        if host is not None and not self._addressed_here(host, scope):
            refused = _error(
                403,
                "invalid_argument",
                f"This server does not answer requests for {host!r}; "
                "open the URL LlamaDesk printed.",
            )
            await refused(scope, receive, send)
            return
        await self._app(scope, receive, send)

    def _addressed_here(self, host: str, scope: Scope) -> bool:
        name, port = _split_host(host)
        if not port:
            port = "443" if scope.get("scheme") == "https" else "80"
        server = scope.get("server")
        own_port = str(server[1]) if server and server[1] is not None else port
        return name in self._names and port == own_port


async def _body(request: Request) -> object:
    raw = await request.body()
    return strict_json.loads(raw) if raw else {}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _error(404, "not_found", f"There is nothing at {request.url.path}.")
    if exc.status_code == 405:
        return _error(405, "invalid_argument", f"{request.method} is not allowed here.")
    return _error(exc.status_code, "invalid_argument", exc.detail)


async def _bug(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": bridge_error(exc).model_dump(mode="json")}, 500)


async def _unknown_api(request: Request) -> Response:
    path = request.path_params["rest"]
    if not path or "/" in path:
        return _error(404, "not_found", f"There is no command at /api/{path}.")
    allowed = "GET" if path == "events" else "POST"
    return _error(405, "invalid_argument", f"/api/{path} takes {allowed}, not {request.method}.")


def create_http_app(
    dispatcher: CommandDispatcher,
    hub: EventHub,
    *,
    token: str,
    static_dir: Path,
    hosts: Collection[str] = LOOPBACK_NAMES,
) -> Starlette:
    """The ASGI app of browser mode, answering requests for the host names in ``hosts``."""
    expected = token.encode()

    def allowed(request: Request, supplied: str | None) -> Response | None:
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin is not None and origin != own:
            return _error(403, "invalid_argument", f"Requests from {origin} are not allowed.")
        if supplied is None or not hmac.compare_digest(supplied.encode(), expected):
            return _error(
                401, "invalid_argument", "Missing or wrong token; open the URL LlamaDesk printed."
            )
        return None

    async def command(request: Request) -> Response:
        bearer = request.headers.get("authorization", "")
        supplied = bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else None
        if (refused := allowed(request, supplied)) is not None:
            return refused
        try:
            body = await _body(request)
        except InvalidArgument as exc:
            return JSONResponse({"error": bridge_error(exc).model_dump(mode="json")}, 400)
        envelope = await dispatcher.acall(request.path_params["name"], body)
        if envelope["ok"]:
            return JSONResponse(envelope)
        error = envelope["error"]
        return JSONResponse({"error": error}, _STATUS.get(error["code"], 500))

    async def events(request: Request) -> Response:
        if (refused := allowed(request, request.query_params.get("token"))) is not None:
            return refused
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(hub.stream(), media_type="text/event-stream", headers=headers)

    app = Starlette(
        routes=[
            Route("/api/events", events, methods=["GET"]),
            Route("/api/{name:str}", command, methods=["POST"]),
            Route("/api/{rest:path}", _unknown_api, methods=_ALL_METHODS),
            Mount("/", SpaAssets(static_dir)),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _bug},
    )
    app.add_middleware(_HostCheck, names=hosts)
    return app
