"""An async client for llama-server's HTTP API.

The adapter is stateless about the server: before each request it asks its
:class:`EndpointProvider` where the server is now (the monitor may have restarted it on another
port) and sends the per-launch API key as ``Authorization: Bearer``. Every failure leaves as a
``backend.errors`` type: transport errors and timeouts at the httpx boundary, HTTP error bodies
and mid-stream error events through ``_errors``.

Streaming is a context manager (like ``httpx.AsyncClient.stream``): leaving the block, by
``break``, an exception or cancellation, closes the HTTP response, and llama-server stops
generating for a closed connection, so a stopped answer frees its slot at once.

A stream asks for ``return_progress``: while the server reads the prompt it sends one chunk per
batch with ``prompt_progress`` (``ChatDelta.progress``), before the first token.

Timeouts: ``connect`` and ``write`` are short; ``read`` is the longest silence allowed between two
bytes. llama-server sends a stream's headers only with its first token, so the wait for them
covers prompt processing of a long history, and callers pass ``read_timeout`` from
``EngineSettings.request_timeout_s``. Once a stream has begun, ``stall_timeout`` (from
``stall_timeout_s``) bounds the silence between two chunks: a server that sends headers and then
nothing ends the stream with ``ServerStalled`` in seconds, not minutes, and ``on_stall`` (the
monitor's ``check_soon``) hears of it so the server's health is checked at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any, ClassVar, Literal

import anyio
import httpx

from ..contract import Timings
from ..errors import ServerError, ServerStalled
from ._endpoint import Endpoint, EndpointProvider
from ._errors import error_from_httpx, error_from_response
from ._sse import aiter_chat_deltas, aiter_sse
from ._types import ChatAccumulator, ChatDelta, ChatResult, parse_choice_delta, parse_timings

__all__ = ["ChatMessage", "LlamaCppAdapter", "SlotAction"]

ChatMessage = Mapping[str, Any]
"""One OpenAI-style chat message: ``{"role": ..., "content": ...}``."""

SlotAction = Literal["save", "restore", "erase"]

_DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=600.0, write=30.0, pool=30.0)


class LlamaCppAdapter:
    """Talks to one llama-server through its OpenAI-compatible and native endpoints."""

    can_stream: ClassVar[bool] = True
    supports_reasoning: ClassVar[bool] = True
    supports_tools: ClassVar[bool] = True
    supports_slots: ClassVar[bool] = True
    supports_tokenize: ClassVar[bool] = True

    def __init__(
        self,
        endpoints: EndpointProvider,
        *,
        timeout: httpx.Timeout | float = _DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        on_stall: Callable[[], None] = lambda: None,
    ) -> None:
        self.endpoints = endpoints
        self._on_stall = on_stall
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def __aenter__(self) -> LlamaCppAdapter:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    # -- plain requests ---------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        endpoint = await self.endpoints.endpoint()
        request = self._build(
            endpoint, method, path, json=json, params=params, read_timeout=read_timeout
        )
        response = await self._send(request, f"{method} {path}")
        if response.is_error and response.status_code not in ok_statuses:
            raise error_from_response(response.status_code, response.content)
        return response

    def _build(
        self,
        endpoint: Endpoint,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> httpx.Request:
        """A request to ``endpoint``; in router mode it names the model (body or query)."""
        if endpoint.model is not None:
            if method == "GET":
                params = {**(params or {}), "model": endpoint.model}
            elif isinstance(json, dict):
                json = {**json, "model": endpoint.model}
        return self._client.build_request(
            method,
            endpoint.url(path),
            json=json,
            params=params,
            headers=_auth(endpoint),
            timeout=_with_read_timeout(self._client.timeout, read_timeout),
        )

    async def _send(
        self, request: httpx.Request, what: str, *, stream: bool = False
    ) -> httpx.Response:
        """Send ``request``, once more if a kept-alive connection was dropped unanswered.

        The server closing a kept-alive connection just as it is reused answers nothing, so
        a second try on a fresh connection is safe (llama-server's router does this).
        """
        try:
            return await self._client.send(request, stream=stream)
        except httpx.RemoteProtocolError:
            pass
        except httpx.HTTPError as exc:
            raise error_from_httpx(exc, what) from exc
        try:
            return await self._client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise error_from_httpx(exc, what) from exc

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise ServerError(f"llama-server sent invalid JSON for {path}.") from exc

    async def health(self) -> bool:
        """True when the server is ready, False while it loads (HTTP 503)."""
        response = await self._request("GET", "/health", ok_statuses=(503,))
        return response.status_code == 200

    async def models(self) -> list[dict[str, Any]]:
        """The ``data`` list of ``GET /v1/models``."""
        body = await self._json("GET", "/v1/models")
        return list(body.get("data", []))

    async def props(self) -> dict[str, Any]:
        """``GET /props``: default generation settings, model path, context size."""
        return dict(await self._json("GET", "/props"))

    async def slots(self) -> list[dict[str, Any]]:
        """``GET /slots``: one entry per slot with ``id``, ``n_ctx`` and ``is_processing``."""
        return list(await self._json("GET", "/slots"))

    async def slot_action(
        self, slot_id: int, action: SlotAction, filename: str | None = None
    ) -> None:
        """Save, restore or erase a slot's KV cache (files live in ``--slot-save-path``)."""
        body = {} if filename is None else {"filename": filename}
        await self._request("POST", f"/slots/{slot_id}", params={"action": action}, json=body)

    async def render(
        self, messages: Sequence[ChatMessage], fields: Mapping[str, Any] | None = None
    ) -> str:
        """The prompt the model's chat template makes of ``messages`` (``/apply-template``);
        ``fields`` are the other request fields that reach the template (``reasoning_effort``,
        ``tools``...), parsed as a chat completion's."""
        request = {**(fields or {}), "messages": list(messages)}
        body = await self._json("POST", "/apply-template", json=request)
        prompt = body.get("prompt") if isinstance(body, dict) else None
        if not isinstance(prompt, str):
            raise ServerError("llama-server sent no prompt for /apply-template.")
        return prompt

    async def tokenize(self, text: str | Sequence[ChatMessage]) -> list[int]:
        """The model's tokens for ``text``; for chat messages, of the prompt the model's chat
        template makes of them (:meth:`render` first)."""
        content = text if isinstance(text, str) else await self.render(text)
        body = await self._json("POST", "/tokenize", json={"content": content})
        return [int(t) for t in body.get("tokens", [])]

    async def prefill(self, slot_id: int, prompt: str) -> Timings:
        """Read ``prompt`` into slot ``slot_id`` without answering (``/completion`` with
        ``n_predict: 0``): what the slot already holds of it is kept, the rest is read."""
        request = {"prompt": prompt, "n_predict": 0, "id_slot": slot_id, "cache_prompt": True}
        body = await self._json("POST", "/completion", json=request)
        timings = parse_timings(body.get("timings")) if isinstance(body, dict) else None
        return timings or Timings()

    async def end_reasoning(self, completion_id: str) -> None:
        """Make a streaming answer stop thinking now (``POST /v1/chat/completions/control``,
        action ``reasoning_end``; its request must have asked for ``reasoning_control``)."""
        body = {"id": completion_id, "action": "reasoning_end"}
        await self._request("POST", "/v1/chat/completions/control", json=body)

    # -- chat completions -------------------------------------------------------------------

    async def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        params: Mapping[str, Any] | None = None,
        slot_id: int | None = None,
        read_timeout: float | None = None,
    ) -> ChatResult:
        """One complete answer (``POST /v1/chat/completions`` without streaming)."""
        body = _chat_body(messages, params, slot_id, stream=False)
        raw = await self._json("POST", "/v1/chat/completions", json=body, read_timeout=read_timeout)
        accumulator = ChatAccumulator()
        accumulator.add(parse_choice_delta(raw, "message"))
        return accumulator.result()

    @asynccontextmanager
    async def chat_stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        params: Mapping[str, Any] | None = None,
        slot_id: int | None = None,
        read_timeout: float | None = None,
        stall_timeout: float | None = None,
    ) -> AsyncIterator[AsyncIterator[ChatDelta]]:
        """Stream an answer: ``async with chat_stream(msgs) as deltas: async for d in deltas``.

        ``stall_timeout``: the longest silence between two chunks once the stream has begun.
        """
        endpoint = await self.endpoints.endpoint()
        body = _chat_body(messages, params, slot_id, stream=True)
        request = self._build(
            endpoint, "POST", "/v1/chat/completions", json=body, read_timeout=read_timeout
        )
        response = await self._send(request, "starting a chat stream", stream=True)
        try:
            if response.is_error:
                raise error_from_response(response.status_code, await _read(response))
            chunks = response.aiter_bytes()
            if stall_timeout is not None:
                chunks = self._guarded(chunks, stall_timeout)
            yield _translated(aiter_chat_deltas(aiter_sse(chunks)))
        finally:
            await response.aclose()

    async def _guarded(self, chunks: AsyncIterator[bytes], stall_s: float) -> AsyncIterator[bytes]:
        """``chunks``, ended by ``ServerStalled`` after ``stall_s`` without one.

        One timer per stream, not one per chunk (arming and cancelling a timer for each of
        ~100 tokens a second is CPU the model waits for): a wait only notes when it began, and
        the timer, when it fires, cancels a wait that has lasted ``stall_s`` or re-arms itself
        for when the current one would have.
        """
        watch = _StallWatch(stall_s)
        try:
            while True:
                with watch.waiting() as wait:
                    try:
                        chunk = await anext(chunks)
                    except StopAsyncIteration:
                        return
                if wait.cancelled_caught:
                    self._on_stall()
                    raise ServerStalled(
                        f"llama-server stopped sending: nothing for {stall_s:g} s. "
                        "The text so far is kept; the server is being checked.",
                        detail="Settings → Engine → stall timeout sets how long to wait.",
                    )
                yield chunk
        finally:
            watch.close()


class _StallWatch:
    """The one timer of a stream's stall guard, re-armed lazily (see ``_guarded``)."""

    def __init__(self, stall_s: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._stall_s = stall_s
        self._since: float | None = None
        self._scope: anyio.CancelScope | None = None
        self._timer: asyncio.TimerHandle | None = None

    @contextmanager
    def waiting(self) -> Iterator[anyio.CancelScope]:
        """A wait for the next chunk, cancelled once it has lasted ``stall_s``."""
        self._since, self._scope = self._loop.time(), anyio.CancelScope()
        if self._timer is None:
            self._timer = self._loop.call_at(self._since + self._stall_s, self._check)
        try:
            with self._scope:
                yield self._scope
        finally:
            self._since, self._scope = None, None

    def _check(self) -> None:
        now = self._loop.time()
        if (
            self._since is not None
            and self._scope is not None
            and now >= self._since + self._stall_s
        ):
            self._timer = None
            self._scope.cancel()
            return
        due = (now if self._since is None else self._since) + self._stall_s
        self._timer = self._loop.call_at(due, self._check)

    def close(self) -> None:
        """Stop the timer (the stream ended)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _with_read_timeout(base: httpx.Timeout, read_timeout: float | None) -> httpx.Timeout:
    """``base`` with ``read_timeout`` as its read timeout, when one is given."""
    if read_timeout is None:
        return base
    return httpx.Timeout(connect=base.connect, read=read_timeout, write=base.write, pool=base.pool)


def _chat_body(
    messages: Sequence[ChatMessage],
    params: Mapping[str, Any] | None,
    slot_id: int | None,
    stream: bool,
) -> dict[str, Any]:
    """A chat completion's request body (streamed ones report usage and prompt progress)."""
    body: dict[str, Any] = {"messages": list(messages), "stream": stream, "cache_prompt": True}
    if stream:
        body["stream_options"] = {"include_usage": True}
        body["return_progress"] = True
    body.update(params or {})
    if slot_id is not None:
        body["id_slot"] = slot_id
    return body


async def _read(response: httpx.Response) -> bytes:
    try:
        return await response.aread()
    except httpx.HTTPError as exc:
        raise error_from_httpx(exc, "reading an error answer") from exc


async def _translated(deltas: AsyncIterator[ChatDelta]) -> AsyncIterator[ChatDelta]:
    try:
        async for delta in deltas:
            yield delta
    except httpx.HTTPError as exc:
        raise error_from_httpx(exc, "streaming an answer") from exc


def _auth(endpoint: Endpoint) -> dict[str, str]:
    return {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
