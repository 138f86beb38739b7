"""Server-sent events from llama-server, as an async generator over byte chunks.

Two layers. :func:`aiter_sse` knows only the SSE wire format: it splits lines across and
within network chunks (``\\n``, ``\\r\\n`` or ``\\r``), joins multi-line ``data``, skips blank
lines between events and ``:`` comments (keep-alives), and treats a non-standard ``error:`` field
(llama-server writes one when generation fails mid-stream) as an event named ``error``.
:func:`aiter_chat_deltas` knows the chat-completion protocol on top: JSON chunks become
:class:`ChatDelta`, ``[DONE]`` ends the stream, an error object raises the typed error, and a
stream that ends without ``[DONE]`` means the connection was cut, which raises
``ServerUnavailable`` so a half answer is never mistaken for a whole one.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from ..errors import ServerError, ServerUnavailable
from ._errors import error_from_object
from ._types import ChatDelta, parse_choice_delta

__all__ = ["DONE", "ServerSentEvent", "aiter_chat_deltas", "aiter_sse"]

DONE = "[DONE]"
"""The data of the event that ends a chat-completion stream."""


@dataclass(frozen=True)
class ServerSentEvent:
    """One event: its name (``message`` unless given) and its data lines joined by ``\\n``."""

    event: str
    data: str


async def _aiter_lines(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        # A chunk ending in "\r" may be the first half of "\r\n": hold it back for the next one.
        carry = b"\r" if buffer.endswith(b"\r") else b""
        lines = buffer[: len(buffer) - len(carry)].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *complete, rest = lines.split(b"\n")
        buffer = rest + carry
        for line in complete:
            yield line.decode("utf-8", "replace")
    if buffer.rstrip(b"\r"):
        yield buffer.rstrip(b"\r").decode("utf-8", "replace")


async def aiter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[ServerSentEvent]:
    """Parse an SSE byte stream into events, however it was split into chunks."""
    event, data = "message", list[str]()
    async for line in _aiter_lines(chunks):
        if not line:
            if data:
                yield ServerSentEvent(event, "\n".join(data))
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "error":
            event = "error"
            data.append(value)
    if data:
        yield ServerSentEvent(event, "\n".join(data))


async def aiter_chat_deltas(events: AsyncIterable[ServerSentEvent]) -> AsyncIterator[ChatDelta]:
    """Turn chat-completion events into deltas; raise typed errors for failures and cuts."""
    async for sse in events:
        if sse.data == DONE:
            return
        try:
            chunk = json.loads(sse.data)
        except ValueError as exc:
            raise ServerError(
                "llama-server sent a malformed stream event.", detail=sse.data
            ) from exc
        if sse.event == "error":
            raise error_from_object(chunk.get("error", chunk) if isinstance(chunk, dict) else chunk)
        if not isinstance(chunk, dict):
            raise ServerError("llama-server sent a malformed stream event.", detail=sse.data)
        if "error" in chunk:
            raise error_from_object(chunk["error"])
        yield parse_choice_delta(chunk, "delta")
    raise ServerUnavailable(
        "The connection to llama-server ended before the answer was complete.",
        detail="stream closed without [DONE]",
    )
