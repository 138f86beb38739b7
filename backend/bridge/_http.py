"""Browser mode: the same commands and events over HTTP, for headless machines and browser tests.

``POST /api/<command>`` takes the JSON object of keyword arguments and answers with the command's
result envelope: 200 with ``{"ok": true, "result": ...}``, or a 4xx/5xx status with
``{"error": {"code", "message", "detail", "fields"}}``. ``GET /api/events?token=T`` is one
Server-Sent-Events stream carrying every event as ``data: {json}``. Everything else serves the
built SPA. A per-launch token guards the API (``Authorization: Bearer T``; the event stream takes
it as a query parameter because EventSource cannot set headers), and requests whose ``Origin`` is
not this server are refused, so another web page cannot drive the app.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import ErrorCode
from ._dispatch import CommandDispatcher

__all__ = ["EventHub", "create_http_app"]

_STATUS: dict[ErrorCode, int] = {  # one status per code; a test checks none is missing
    "invalid_argument": 400,
    "config_invalid": 400,
    "import_invalid": 400,
    "model_invalid": 400,
    "not_found": 404,
    "conflict": 409,
    "context_overflow": 413,
    "engine_missing": 424,
    "timeout": 504,
    "server_unavailable": 503,
    "server_error": 502,
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

    async def stream(self) -> AsyncIterator[str]:
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


def create_http_app(
    dispatcher: CommandDispatcher, hub: EventHub, *, token: str, static_dir: Path
) -> Starlette:
    """The ASGI app of browser mode."""

    def allowed(request: Request, supplied: str | None) -> Response | None:
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if origin is not None and origin != own:
            return _error(403, "invalid_argument", f"Requests from {origin} are not allowed.")
        if supplied is None or not hmac.compare_digest(supplied, token):
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
            body = await request.json() if await request.body() else {}
        except ValueError:
            return _error(400, "invalid_argument", "The request body is not valid JSON.")
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

    return Starlette(
        routes=[
            Route("/api/events", events, methods=["GET"]),
            Route("/api/{name:str}", command, methods=["POST"]),
            Mount("/", StaticFiles(directory=static_dir, html=True)),
        ]
    )
