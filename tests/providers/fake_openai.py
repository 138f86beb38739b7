"""A fake OpenAI-compatible server on a loopback port, for what a real one cannot do on demand.

A real HTTP server (uvicorn in a thread, a real socket) that answers ``/v1/models`` and
``/v1/chat/completions`` the way llama-server does, or misbehaves as ``mode`` says: refuse the
key (echoing it, as hosted APIs do, so masking is tested), answer 503, stop a stream after
``cut_after`` chunks by dropping the connection, or accept a request and never answer. Every
request is recorded (path, Authorization header, JSON body).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Mode = Literal["ok", "bad_key", "unavailable", "cut", "hang"]


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    authorization: str | None
    body: dict[str, Any] | None


@dataclass
class FakeOpenAI:
    """The fake's behaviour and what it saw; change ``mode`` between requests."""

    key: str = "sk-fake-key-123456"
    mode: Mode = "ok"
    reply: list[str] = field(default_factory=lambda: ["Hello", " from", " the", " fake", "."])
    cut_after: int = 3
    model: str = "fake-model"
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """Its API root, as a user would paste it."""
        return f"http://127.0.0.1:{self.port}/v1"

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        return [r.path for r in self.requests]

    def chats(self) -> list[dict[str, Any]]:
        """The bodies of the chat requests so far."""
        return [r.body or {} for r in self.requests if r.path == "/v1/chat/completions"]

    async def _record(self, request: Request) -> Response | None:
        body = json.loads(await request.body() or b"null")
        self.requests.append(Recorded(request.url.path, request.headers.get("authorization"), body))
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "unavailable":
            return JSONResponse(
                {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}},
                status_code=503,
            )
        if self.mode == "bad_key" or request.headers.get("authorization") != f"Bearer {self.key}":
            sent = request.headers.get("authorization", "")
            return JSONResponse(
                {"error": {"code": 401, "message": f"Incorrect API key provided: {sent}"}},
                status_code=401,
            )
        return None

    async def models(self, request: Request) -> Response:
        refused = await self._record(request)
        return refused or JSONResponse({"object": "list", "data": [{"id": self.model}]})

    async def chat(self, request: Request) -> Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        return StreamingResponse(self._chunks(), media_type="text/event-stream")

    async def _chunks(self) -> AsyncIterator[bytes]:
        for index, text in enumerate(self.reply):
            if self.mode == "cut" and index == self.cut_after:
                raise ConnectionResetError("the fake drops the connection")
            chunk = {"choices": [{"index": 0, "delta": {"content": text}}], "model": self.model}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
            await asyncio.sleep(0.01)
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        yield f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode()


def _free_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve_fake(fake: FakeOpenAI | None = None) -> Iterator[FakeOpenAI]:
    """Run a fake on a free loopback port in a thread for the block's duration."""
    fake = fake or FakeOpenAI()
    app = Starlette(
        routes=[
            Route("/v1/models", fake.models),
            Route("/v1/chat/completions", fake.chat, methods=["POST"]),
        ]
    )
    sock = _free_socket()
    fake.port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the fake OpenAI server did not start")
        time.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        server.force_exit = True
        thread.join(10)
        sock.close()
