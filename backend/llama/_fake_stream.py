"""The fake llama-server's streamed answers, in llama-server's exact chunk format.

Checked against a stream recorded from the pinned server (``tests/llama/data``): the envelope
``{"choices": [{"finish_reason", "index", "delta"}], "created", "id", "model",
"system_fingerprint", "object"}`` in that order without spaces, a finish chunk with an empty
delta, then a chunk with no choices carrying ``usage`` and ``timings``. A tool call
(:func:`tool_call`) streams as llama-server's: ``index``, ``id``, ``type`` and ``function.name``
in the first fragment, the arguments' JSON text split over the following ones, and
``finish_reason: "tool_calls"``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import anyio
import httpx

if TYPE_CHECKING:
    from ._fake import FakeLlamaServer, FakeReply, FakeSlot

__all__ = ["FINGERPRINT", "FakeStream", "tool_call"]

FINGERPRINT = "b1-0c1e570"
"""The pinned llama-server's ``system_fingerprint``."""


def tool_call(
    name: str, arguments: Any, *, index: int = 0, call_id: str | None = None, pieces: int = 3
) -> list[dict[str, Any]]:
    """The fragments of one streamed tool call: ``arguments`` (JSON text, or a value to encode
    as llama-server does, ``", "`` and ``": "`` between items) split over ``pieces`` chunks."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    size = max(1, -(-len(text) // max(1, pieces)))
    parts = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    first = {
        "index": index,
        "id": call_id or secrets.token_urlsafe(24)[:32],
        "type": "function",
        "function": {"name": name, "arguments": parts[0]},
    }
    return [first, *({"index": index, "function": {"arguments": p}} for p in parts[1:])]


class FakeStream(httpx.AsyncByteStream):
    """One streamed answer of the fake, chunk by chunk as llama-server sends it."""

    def __init__(
        self,
        server: FakeLlamaServer,
        slot: FakeSlot,
        reply: FakeReply,
        timings: dict[str, Any],
        *,
        echo: str,
        request: dict[str, Any],
    ) -> None:
        self.server, self.slot, self.reply, self.timings = server, slot, reply, timings
        self.echo, self.request = echo, request
        self.finished = False
        self.reasoning_ended = False
        """Set by the control endpoint: the rest of the reasoning is skipped."""
        self._envelope = {
            "created": int(time.time()),
            "id": f"chatcmpl-{secrets.token_urlsafe(24)[:32]}",
            "model": server.model_path,
            "system_fingerprint": FINGERPRINT,
            "object": "chat.completion.chunk",
        }

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.slot.is_processing = True
        self.server.live[str(self._envelope["id"])] = self
        pending = b""
        try:
            async for event in self._events():
                pending += event
                size = self.reply.chunk_size or len(pending)
                while len(pending) >= size > 0:
                    yield pending[:size]
                    pending = pending[size:]
            if pending:
                yield pending
        finally:
            self.slot.is_processing = False
            self.server.live.pop(str(self._envelope["id"]), None)

    def _chunk(self, delta: Mapping[str, Any], finish: str | None = None) -> bytes:
        choice = {"finish_reason": finish, "index": 0, "delta": delta}
        return _sse({"choices": [choice], **self._envelope})

    async def _events(self) -> AsyncIterator[bytes]:
        reply, start = self.reply, time.monotonic()
        yield self._chunk({"role": "assistant", "content": None})
        reading_until = start + reply.reading_s
        while (left := reading_until - time.monotonic()) > 0:
            await anyio.sleep(min(left, reply.keepalive_s))
            if time.monotonic() < reading_until:
                yield b":\n\n"
        start = time.monotonic()
        for n, piece in enumerate(reply.reasoning):
            if self.reasoning_ended:
                break
            if reply.rate:
                await anyio.sleep(max(0.0, start + n / reply.rate - time.monotonic()))
            yield self._chunk({"reasoning_content": piece})
        start = time.monotonic()
        for n, piece in enumerate(reply.content):
            if reply.rate:
                await anyio.sleep(max(0.0, start + n / reply.rate - time.monotonic()))
            if not self.server.alive or n == reply.cut_after:
                raise httpx.RemoteProtocolError("peer closed connection without response")
            if n == reply.stall_after:
                await anyio.sleep_forever()
            if n == reply.fail_after:
                error = dict(reply.error or {"message": "scripted failure", "type": "server_error"})
                yield b"error: " + json.dumps({"code": 500, **error}).encode() + b"\n\n"
                return
            text, self.echo = self.echo + piece, ""
            yield self._chunk({"content": text})
        for call in reply.tool_calls:
            yield self._chunk({"tool_calls": [dict(call)]})
        if reply.cut_after is not None:
            raise httpx.RemoteProtocolError("peer closed connection without response")
        yield self._chunk({}, "tool_calls" if reply.tool_calls else "stop")
        usage = {"completion_tokens": len(reply.content), "prompt_tokens": 0}
        yield _sse({"choices": [], **self._envelope, "usage": usage, "timings": self.timings})
        yield b"data: [DONE]\n\n"
        self.finished = True

    async def aclose(self) -> None:
        if not self.finished:
            self.server.closed_streams += 1
        self.slot.is_processing = False


def _sse(payload: Mapping[str, Any]) -> bytes:
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return b"data: " + text.encode() + b"\n\n"
