"""An in-process fake llama-server, for what a real one cannot do on demand.

:class:`FakeLlamaServer` is an httpx transport (pass ``server.transport`` to
:class:`LlamaCppAdapter`) and its own :class:`EndpointProvider`. It answers the endpoints the
adapter uses with the real server's shapes, and plays scripted :class:`FakeReply` answers: a given
token rate (the bridge benchmark needs 2,000 tokens/s), an error event, a cut connection or
silence after N tokens, the SSE bytes re-split into odd chunk sizes, an HTTP error. ``kill()`` and
``restart()`` imitate a crash and the monitor's restart (the endpoint's ``generation`` goes up,
slots empty). A reply that thinks (``reasoning``) streams its reasoning at the reply's rate, and
``POST /v1/chat/completions/control`` with ``reasoning_end`` cuts it short as llama-server does
(only for a request that asked for ``reasoning_control``).

Its chunks are llama-server's, byte for byte (``_fake_stream``).

Its model of the KV cache is deliberately simple and observable: a "token" is a role marker or a
whitespace-separated word, each slot remembers the tokens of its last prompt plus answer,
``cache_n`` is the common prefix with the next prompt, and slot files are JSON token lists in
``slot_dir``. A prompt longer than ``n_ctx`` per slot fails as the real server does.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ._endpoint import Endpoint
from ._fake_stream import FakeStream

__all__ = ["FakeLlamaServer", "FakeReply", "FakeSlot"]


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer."""

    content: Sequence[str] = ("Hello", " from", " the", " fake", ".")
    reasoning: Sequence[str] = ()
    tool_calls: Sequence[Mapping[str, Any]] = ()
    """Tool-call fragments (:func:`tool_call`), one chunk each, after the content."""
    rate: float | None = None
    """Tokens per second; None sends them as fast as possible."""
    fail_after: int | None = None
    """Send an error event after this many content pieces."""
    cut_after: int | None = None
    """Drop the connection after this many content pieces."""
    stall_after: int | None = None
    """Go silent after this many content pieces, keeping the connection open."""
    reading_s: float = 0.0
    """Seconds spent reading the prompt before the first piece, sending llama-server's SSE
    keep-alive comment every ``keepalive_s`` meanwhile (the real one sends ``:`` every 30 s)."""
    keepalive_s: float = 30.0
    chunk_size: int | None = None
    """Re-split the SSE byte stream into chunks of this many bytes."""
    status: int = 200
    error: Mapping[str, Any] | None = None
    """The ``error`` object of a non-200 answer or of a ``fail_after`` event."""


@dataclass
class FakeSlot:
    """One slot: the tokens its cache holds and whether it is generating."""

    id: int
    n_ctx: int
    tokens: list[str] = field(default_factory=list)
    is_processing: bool = False


class FakeLlamaServer:
    """A scripted llama-server behind an httpx transport."""

    def __init__(
        self,
        *,
        n_slots: int = 2,
        n_ctx: int = 2048,
        slot_dir: Path | None = None,
        api_key: str | None = "fake-key",
        model_path: str = "/models/fake.gguf",
        slots_endpoint: bool = True,
        supports_tools: bool = False,
        supports_parallel_tool_calls: bool = False,
        vision: bool = False,
    ) -> None:
        self.slots = [FakeSlot(i, n_ctx) for i in range(n_slots)]
        self.slot_dir = slot_dir
        self.api_key = api_key
        self.model_path = model_path
        self.slots_endpoint = slots_endpoint
        """False imitates ``--no-slots``: ``GET /slots`` answers 501."""
        self.supports_tools = supports_tools
        """What ``/props`` says of the chat template (SmolLM2's own: False)."""
        self.supports_parallel_tool_calls = supports_parallel_tool_calls
        self.vision = vision
        """Loaded with a projector: ``/props`` says ``modalities.vision`` and images are taken;
        without one an image is refused like llama-server does (HTTP 500)."""
        self.generation = 0
        self.alive = True
        self.replies: deque[FakeReply] = deque()
        self.requests: list[dict[str, Any]] = []
        """Every chat-completion body received, oldest first."""
        self.slot_actions: list[tuple[int, str, str | None]] = []
        self.closed_streams = 0
        """Streams the client closed before they were finished."""
        self.live: dict[str, FakeStream] = {}
        """Streams under way, by completion id (what the control endpoint takes)."""
        self.controls: list[dict[str, Any]] = []
        """Every control request body received, oldest first."""
        self.transport = _FakeTransport(self)

    def script(self, *replies: FakeReply) -> None:
        """Queue answers; when the queue is empty each chat gets a default :class:`FakeReply`."""
        self.replies.extend(replies)

    async def endpoint(self) -> Endpoint:
        """The :class:`EndpointProvider` side: where this fake "runs"."""
        return Endpoint("http://fake-llama.invalid", self.api_key, self.model_path, self.generation)

    def kill(self) -> None:
        """Crash: running streams are cut, new requests fail to connect."""
        self.alive = False

    def restart(self) -> None:
        """Come back as a new process: empty slots, a new endpoint generation."""
        self.alive = True
        self.generation += 1
        for slot in self.slots:
            slot.tokens, slot.is_processing = [], False

    @staticmethod
    def prompt_tokens(messages: Sequence[Mapping[str, Any]]) -> list[str]:
        """The fake's tokenization of a chat prompt."""
        tokens: list[str] = []
        for message in messages:
            tokens.append(f"<{message.get('role')}>")
            content = message.get("content") or ""
            for part in content if isinstance(content, list) else [content]:
                if isinstance(part, dict) and part.get("type") == "image_url":
                    tokens.append("<image>")
                else:
                    text = part.get("text", "") if isinstance(part, dict) else part
                    tokens.extend(str(text).split())
        return tokens

    # -- request handling -------------------------------------------------------------------

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.alive:
            raise httpx.ConnectError("connection refused (fake server is down)", request=request)
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API Key", "authentication_error")
        route = (request.method, request.url.path)
        simple: dict[tuple[str, str], Callable[[], httpx.Response]] = {
            ("GET", "/health"): lambda: httpx.Response(200, json={"status": "ok"}),
            ("GET", "/v1/models"): lambda: httpx.Response(
                200, json={"object": "list", "data": [{"id": self.model_path}]}
            ),
            ("GET", "/props"): lambda: httpx.Response(200, json=self._props()),
            ("GET", "/slots"): self._slot_list,
        }
        if route in simple:
            return simple[route]()
        body = json.loads(request.content or b"{}")
        posts: dict[str, Callable[[dict[str, Any]], httpx.Response]] = {
            "/tokenize": lambda b: httpx.Response(
                200, json={"tokens": list(range(len(b["content"].split())))}
            ),
            "/apply-template": lambda b: httpx.Response(
                200, json={"prompt": " ".join(self.prompt_tokens(b["messages"]))}
            ),
            "/v1/chat/completions": self._chat,
            "/v1/chat/completions/control": self._control,
        }
        if route[0] == "POST" and route[1] in posts:
            return posts[route[1]](body)
        if route[0] == "POST" and route[1].startswith("/slots/"):
            slot_id = int(route[1].rsplit("/", 1)[1])
            return self._slot_action(slot_id, request.url.params.get("action", ""), body)
        return _error(404, "File Not Found", "not_found_error")

    def _control(self, body: dict[str, Any]) -> httpx.Response:
        self.controls.append(body)
        stream = self.live.get(str(body.get("id")))
        if stream is None:
            return _error(400, "no active completion for this id", "invalid_request_error")
        if not stream.request.get("reasoning_control"):
            return _error(
                400, "reasoning control not enabled for this completion", "invalid_request_error"
            )
        stream.reasoning_ended = True
        return httpx.Response(200, json={"success": True})

    def _props(self) -> dict[str, Any]:
        n_ctx = self.slots[0].n_ctx
        return {
            "model_path": self.model_path,
            "total_slots": len(self.slots),
            "default_generation_settings": {"n_ctx": n_ctx},
            "chat_template_caps": {
                "supports_tools": self.supports_tools,
                "supports_tool_calls": self.supports_tools,
                "supports_parallel_tool_calls": self.supports_parallel_tool_calls,
            },
            "modalities": {"vision": self.vision, "video": False, "audio": False},
        }

    def _slot_list(self) -> httpx.Response:
        if not self.slots_endpoint:
            return _error(
                501, "This server does not support slots endpoint.", "not_supported_error"
            )
        return httpx.Response(200, json=[self._slot_json(s) for s in self.slots])

    @staticmethod
    def _slot_json(slot: FakeSlot) -> dict[str, Any]:
        return {
            "id": slot.id,
            "n_ctx": slot.n_ctx,
            "is_processing": slot.is_processing,
            "n_prompt_tokens_cache": len(slot.tokens),
        }

    def _slot_action(self, slot_id: int, action: str, body: dict[str, Any]) -> httpx.Response:
        filename = body.get("filename")
        self.slot_actions.append((slot_id, action, filename))
        slot = self.slots[slot_id]
        if action == "erase":
            slot.tokens = []
            return httpx.Response(200, json={"id_slot": slot_id, "n_erased": 0})
        if self.slot_dir is None:
            return _error(501, "This server does not support slots action.", "not_supported_error")
        file = self.slot_dir / str(filename)
        if action == "save":
            file.write_text(json.dumps(slot.tokens))
            return httpx.Response(200, json={"id_slot": slot_id, "n_saved": len(slot.tokens)})
        if action == "restore":
            if not file.is_file():
                return _error(400, "failed to restore slot", "invalid_request_error")
            slot.tokens = json.loads(file.read_text())
            return httpx.Response(200, json={"id_slot": slot_id, "n_restored": len(slot.tokens)})
        return _error(400, "Invalid action", "invalid_request_error")

    def _pick_slot(self, body: Mapping[str, Any], prompt: list[str]) -> FakeSlot:
        requested = body.get("id_slot", -1)
        if isinstance(requested, int) and 0 <= requested < len(self.slots):
            return self.slots[requested]
        idle = [s for s in self.slots if not s.is_processing] or self.slots
        return max(idle, key=lambda s: _common_prefix(s.tokens, prompt))

    def _chat(self, body: dict[str, Any]) -> httpx.Response:
        self.requests.append(body)
        if not self.vision and "<image>" in self.prompt_tokens(body.get("messages", [])):
            return _error(500, _NO_VISION, "server_error")
        reply = self.replies.popleft() if self.replies else FakeReply()
        if reply.status != 200:
            error = dict(reply.error or {"message": "scripted failure", "type": "server_error"})
            return httpx.Response(reply.status, json={"error": {"code": reply.status, **error}})
        prompt = self.prompt_tokens(body.get("messages", []))
        slot = self._pick_slot(body, prompt)
        if len(prompt) > slot.n_ctx:
            return httpx.Response(
                400,
                json={
                    "error": {
                        "code": 400,
                        "message": "the request exceeds the available context size",
                        "type": "exceed_context_size_error",
                        "n_prompt_tokens": len(prompt),
                        "n_ctx": slot.n_ctx,
                    }
                },
            )
        cache_n = _common_prefix(slot.tokens, prompt)
        slot.tokens = [*prompt, "<assistant>", *"".join(reply.content).split()]
        timings = {
            "cache_n": cache_n,
            "prompt_n": len(prompt) - cache_n,
            "prompt_ms": 1.0,
            "predicted_n": len(reply.content),
            "predicted_ms": 1.0,
        }
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": "".join(reply.content)}
            if reply.reasoning:
                message["reasoning_content"] = "".join(reply.reasoning)
            if reply.tool_calls:
                message["tool_calls"] = _whole_calls(reply.tool_calls)
            finish = "tool_calls" if reply.tool_calls else "stop"
            return httpx.Response(
                200,
                json={
                    "model": self.model_path,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": {
                        "prompt_tokens": len(prompt),
                        "completion_tokens": len(reply.content),
                    },
                    "timings": timings,
                },
            )
        messages = body.get("messages") or [{}]
        # Like llama-server, a continued answer (assistant prefill) starts with the prefill.
        echo = (
            str(messages[-1].get("content") or "")
            if messages[-1].get("role") == "assistant"
            else ""
        )
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            stream=FakeStream(self, slot, reply, timings, echo=echo, request=body),
        )


class _FakeTransport(httpx.AsyncBaseTransport):
    def __init__(self, server: FakeLlamaServer) -> None:
        self.server = server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await self.server.handle(request)


def _whole_calls(fragments: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Streamed tool-call fragments merged into the calls of a whole answer."""
    calls: dict[int, dict[str, Any]] = {}
    for fragment in fragments:
        call = calls.setdefault(
            fragment["index"], {"type": "function", "function": {"name": "", "arguments": ""}}
        )
        call.update({k: v for k, v in fragment.items() if k in ("id", "type")})
        function = fragment.get("function") or {}
        call["function"]["name"] = function.get("name") or call["function"]["name"]
        call["function"]["arguments"] += function.get("arguments") or ""
    return [calls[index] for index in sorted(calls)]


_NO_VISION = (
    "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj"
)
"""The pinned llama-server's answer to an image sent to a model loaded without a projector."""


def _error(status: int, message: str, kind: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": status, "message": message, "type": kind}}
    )


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
