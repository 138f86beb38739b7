"""A llama-server stand-in for the shared scenario: the in-process fake, served over real HTTP.

The frontend's shared scenario (``frontend/src/lib/services/mock/scenario.test.ts``) runs the real
backend in browser mode with ``LLAMADESK_SERVER_BIN`` pointing at ``fake-llama-server`` beside
this file, so the real monitor launches, health-checks and stops this program as it would
llama-server, and every answer is known in advance: each chat completion streams the tokens of
``$LLAMADESK_FAKE_REPLY`` (a JSON file ``{"content": [...], "rate": tokens_per_second}``) with
:class:`backend.llama.FakeLlamaServer`. Test-only: nothing in ``backend/`` knows of it.

``--version`` answers like llama-server; otherwise it reads the arguments the launcher passes
(``--host``, ``--port``, ``--parallel``, ``--ctx-size``, ``--slot-save-path``, ``--model``) and
the API key from ``$LLAMA_API_KEY``, and serves until SIGTERM.

Tool calls on demand (for the tool tests in browser mode): with ``"supports_tools": true`` in
the reply file, ``/props`` says the chat template takes tools (and parallel calls). A request
that offers ``tools`` and whose last user message holds markers ``[[tool:NAME {"json": "args"}]]``
is answered with those calls (several markers: parallel calls) in llama-server's chunk format.
``[[then]]`` separates the rounds: the calls after the N-th ``[[then]]`` are made once the model
has had N rounds of results; after the last round, the scripted reply is the answer. The
arguments are passed as written, so a bad marker tests a bad call.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from backend.llama import FakeLlamaServer, FakeReply, tool_call

__all__ = ["asgi_app", "main", "tool_reply"]

VERSION = "version: 0 (fake-llama-server)\nbuilt with the shared scenario's fake"
_COMPLETIONS = "/v1/chat/completions"
_PUBLIC = {"/health", "/v1/health"}
"""Like llama-server, these answer without the API key (the in-process fake checks it always)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


_MARKER = re.compile(r"\[\[tool:([A-Za-z0-9_.-]+)\s*(.*?)\]\]", re.DOTALL)
_THEN = "[[then]]"


def _script(path: str | None) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8")) if path else {}


def _reply(script: dict[str, Any]) -> FakeReply:
    if "content" not in script:
        return FakeReply()
    return FakeReply(content=tuple(script["content"]), rate=script.get("rate"))


def tool_reply(body: dict[str, Any]) -> FakeReply | None:
    """The tool calls a request's markers ask for in this round, or None (answer as usual)."""
    messages = body.get("messages") or []
    users = [n for n, m in enumerate(messages) if m.get("role") == "user"]
    if not body.get("tools") or not users:
        return None
    after = messages[users[-1] + 1 :]
    done = sum(1 for m in after if m.get("role") == "assistant" and m.get("tool_calls"))
    rounds = str(messages[users[-1]].get("content") or "").split(_THEN)
    if done >= len(rounds):
        return None
    markers = _MARKER.findall(rounds[done])
    if not markers:
        return None
    fragments = [
        fragment
        for index, (name, arguments) in enumerate(markers)
        for fragment in tool_call(name, arguments.strip() or "{}", index=index)
    ]
    return FakeReply(content=(), tool_calls=fragments)


async def _body(receive: Receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = bool(message.get("more_body", False))
    return body


def asgi_app(fake: FakeLlamaServer, reply: FakeReply) -> App:
    """An ASGI app that hands every request to ``fake`` and streams its answer back."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        query = scope.get("query_string", b"").decode()
        request = httpx.Request(
            scope["method"],
            f"http://fake-llama.invalid{scope['path']}" + (f"?{query}" if query else ""),
            headers=[(k.decode(), v.decode()) for k, v in scope["headers"]],
            content=await _body(receive),
        )
        if request.url.path in _PUBLIC and fake.api_key:
            request.headers["authorization"] = f"Bearer {fake.api_key}"
        if request.url.path == _COMPLETIONS and not fake.replies:
            fake.script(tool_reply(json.loads(request.content or b"{}")) or reply)
        response = await fake.handle(request)
        headers = [(k.encode(), v.encode()) for k, v in response.headers.items()]
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        try:
            async for chunk in response.aiter_bytes():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await response.aclose()
        await send({"type": "http.response.body", "body": b""})

    return app


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fake-llama-server")
    parser.add_argument("--version", action="store_true")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--model", default="/models/fake.gguf")
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--ctx-size", type=int, default=4096)
    parser.add_argument("--slot-save-path", type=Path, default=None)
    args, _rest = parser.parse_known_args(argv)
    return args


def main(argv: list[str]) -> int:
    """Answer ``--version`` or serve the fake until stopped."""
    args = _arguments(argv)
    if args.version:
        print(VERSION)
        return 0
    slots = max(1, args.parallel)
    fake = FakeLlamaServer(
        n_slots=slots,
        n_ctx=max(1, args.ctx_size // slots),
        slot_dir=args.slot_save_path,
        api_key=os.environ.get("LLAMA_API_KEY") or None,
        model_path=args.model,
    )
    script = _script(os.environ.get("LLAMADESK_FAKE_REPLY"))
    fake.supports_tools = fake.supports_parallel_tool_calls = bool(script.get("supports_tools"))
    app = asgi_app(fake, _reply(script))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
