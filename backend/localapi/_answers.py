"""OpenAI's answer objects, built from what llama-server sent: a completion and its chunks.

The fields clients read: ``id`` (``chatcmpl-…``, one per answer), ``object``, ``created``,
``model`` (the id the client asked for), ``choices`` with ``message`` or ``delta`` and
``finish_reason``, and ``usage``. llama-server's own ``timings`` stay inside the app.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from ..llama import ChatDelta, ChatResult, ToolCallDelta, Usage

__all__ = ["Answer", "sse"]


def sse(data: dict[str, Any] | str) -> bytes:
    """One Server-Sent Event ``data:`` line (``[DONE]`` as is)."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def _usage(usage: Usage | None) -> dict[str, int]:
    usage = usage or Usage()
    total = usage.total_tokens or usage.prompt_tokens + usage.completion_tokens
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": total,
    }


def _tool_call_delta(call: ToolCallDelta) -> dict[str, Any]:
    function: dict[str, str] = {"arguments": call.arguments}
    if call.name is not None:
        function["name"] = call.name
    body: dict[str, Any] = {"index": call.index, "function": function}
    if call.id is not None:
        body |= {"id": call.id, "type": "function"}
    return body


@dataclass
class Answer:
    """One answer's identity (``id``, ``created``, ``model``) and its OpenAI objects."""

    model: str
    id: str = field(default_factory=lambda: f"chatcmpl-{secrets.token_hex(12)}")
    created: int = field(default_factory=lambda: int(time.time()))

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def completion(self, result: ChatResult) -> dict[str, Any]:
        """The ``chat.completion`` of a whole answer."""
        message: dict[str, Any] = {"role": "assistant", "content": result.content or None}
        if result.reasoning:
            message["reasoning_content"] = result.reasoning
        if result.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                for call in result.tool_calls
            ]
        elif message["content"] is None:
            message["content"] = ""
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": result.finish_reason or "stop",
        }
        return self._head("chat.completion") | {
            "choices": [choice],
            "usage": _usage(result.usage),
        }

    def chunk(
        self, delta: dict[str, Any], finish_reason: str | None = None, *, usage_field: bool = False
    ) -> dict[str, Any]:
        """A ``chat.completion.chunk`` with one choice (and ``usage: null`` when asked for)."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        body = self._head("chat.completion.chunk") | {"choices": [choice]}
        return body | {"usage": None} if usage_field else body

    def delta_chunk(self, delta: ChatDelta, *, usage_field: bool) -> dict[str, Any] | None:
        """The chunk for one streamed delta, or None when it carries nothing to show."""
        body: dict[str, Any] = {}
        if delta.content:
            body["content"] = delta.content
        if delta.reasoning:
            body["reasoning_content"] = delta.reasoning
        if delta.tool_calls:
            body["tool_calls"] = [_tool_call_delta(call) for call in delta.tool_calls]
        if not body and delta.finish_reason is None:
            return None
        return self.chunk(body, delta.finish_reason, usage_field=usage_field)

    def usage_chunk(self, usage: Usage | None) -> dict[str, Any]:
        """The last chunk when ``stream_options.include_usage``: no choices, the usage."""
        return self._head("chat.completion.chunk") | {"choices": [], "usage": _usage(usage)}

    def model_entry(self, owned_by: str) -> dict[str, Any]:
        """This model as ``/v1/models`` lists it (``owned_by``: who serves it)."""
        return {"id": self.model, "object": "model", "created": self.created, "owned_by": owned_by}
