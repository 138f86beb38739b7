"""The local API's HTTP surface: ``/v1/models`` and ``/v1/chat/completions``, OpenAI-compatible.

Every request is checked in this order, each refusal in OpenAI's error shape (``_errors``):
the ``Host`` must name this machine on the API's port (403 otherwise, so a web page on another
domain that resolves to 127.0.0.1 cannot reach it), then ``Authorization: Bearer KEY`` with
the key shown in Settings → Local API (401; compared in constant time), then the body: strict
UTF-8 JSON (``backend.strict_json``), at most ``_MAX_BODY`` bytes, validated by
``ChatCompletionRequest`` (400 naming the field), then the model: one the route serves (404
``model_not_found``). No CORS headers are sent, so browsers' pages cannot read its answers.

A streamed answer opens llama-server's stream before the first byte goes out, so a model that
cannot answer is a proper HTTP error; an error after that arrives as a last ``data:`` event with
OpenAI's error object (the official client raises it), then ``[DONE]``. A client that hangs up
closes the upstream stream, and llama-server stops generating at once.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import anyio
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import LlamaDeskError
from ..llama import ChatDelta, Usage
from ..strict_json import loads
from ._answers import Answer, sse
from ._errors import ApiError, from_llamadesk, from_validation, model_not_found, unauthorized
from ._route import ApiModel, ChatRoute
from ._wire import ChatCompletionRequest

__all__ = ["create_api_app"]

_MAX_BODY = 32 * 1024 * 1024
_LOCAL_NAMES = ("127.0.0.1", "localhost")


def _error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


class _Api:
    """The endpoints, sharing the route, the current key and the port."""

    def __init__(self, route: ChatRoute, key: Callable[[], str], port: Callable[[], int]) -> None:
        self._route = route
        self._key = key
        self._port = port

    def check(self, request: Request) -> None:
        """Refuse a foreign ``Host`` (403) or a missing or wrong key (401)."""
        hosts = {f"{name}:{self._port()}" for name in _LOCAL_NAMES}
        if request.headers.get("host", "").lower() not in hosts:
            raise ApiError(403, "This API answers only requests addressed to 127.0.0.1.")
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise unauthorized(given=False)
        if not secrets.compare_digest(given.strip().encode(), self._key().encode()):
            raise unauthorized(given=True)

    def _model(self, asked: str) -> ApiModel:
        available = self._route.models()
        for model in available:
            if model.id == asked:
                return model
        raise model_not_found(asked, [model.id for model in available])

    async def models(self, request: Request) -> Response:
        """``GET /v1/models``: the models requests may name, of every enabled provider."""
        self.check(request)
        data = [Answer(m.id).model_entry(m.owned_by) for m in self._route.models()]
        return JSONResponse({"object": "list", "data": data})

    async def model(self, request: Request) -> Response:
        """``GET /v1/models/{model}``: one model, or 404."""
        self.check(request)
        found = self._model(request.path_params["model"])
        return JSONResponse(Answer(found.id).model_entry(found.owned_by))

    async def chat_completions(self, request: Request) -> Response:
        """``POST /v1/chat/completions``: one answer, streamed (SSE) or whole."""
        self.check(request)
        asked = await _read_request(request)
        model = self._model(asked.model)
        answer = Answer(model.id)
        messages, params = asked.upstream_messages(), asked.upstream_params()
        stack = AsyncExitStack()
        try:
            if not asked.stream:
                result = await self._route.complete(model, messages, params)
                answer.model = result.model or answer.model  # who answered, after a failover
                return JSONResponse(answer.completion(result))
            deltas = await stack.enter_async_context(self._route.stream(model, messages, params))
            first = await anext(aiter(deltas), None)  # a model that cannot answer: an HTTP error
        except LlamaDeskError as exc:
            await stack.aclose()
            raise from_llamadesk(exc) from exc
        except BaseException:
            with anyio.CancelScope(shield=True):
                await stack.aclose()
            raise
        events = _events(answer, first, deltas, stack, include_usage=asked.include_usage)
        return StreamingResponse(
            events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )


async def _read_request(request: Request) -> ChatCompletionRequest:
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > _MAX_BODY:
            raise ApiError(413, f"The request body is over {_MAX_BODY // 2**20} MB.")
    try:
        return ChatCompletionRequest.model_validate(loads(bytes(body)))
    except LlamaDeskError as exc:
        raise ApiError(400, exc.message, code="invalid_json") from exc
    except ValidationError as exc:
        raise from_validation(exc) from exc


async def _events(
    answer: Answer,
    first: ChatDelta | None,
    deltas: AsyncIterator[ChatDelta],
    stack: AsyncExitStack,
    *,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """The SSE stream of one answer (its first delta already read); the upstream stream is
    closed however it ends. Each chunk names the model that wrote it (another one after a
    failover)."""
    usage: Usage | None = None
    try:
        answer.model = (first.model if first is not None else None) or answer.model
        yield sse(answer.chunk({"role": "assistant", "content": ""}, usage_field=include_usage))
        async for delta in _chained(first, deltas):
            answer.model = delta.model or answer.model
            usage = delta.usage or usage
            chunk = answer.delta_chunk(delta, usage_field=include_usage)
            if chunk is not None:
                yield sse(chunk)
        if include_usage:
            yield sse(answer.usage_chunk(usage))
    except LlamaDeskError as exc:
        yield sse(from_llamadesk(exc).body())
    finally:
        with anyio.CancelScope(shield=True):
            await stack.aclose()
    yield sse("[DONE]")


async def _chained(
    first: ChatDelta | None, rest: AsyncIterator[ChatDelta]
) -> AsyncIterator[ChatDelta]:
    if first is None:
        return
    yield first
    async for delta in rest:
        yield delta


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    what = f"{request.method} {request.url.path}"
    if exc.status_code == 405:
        return _error_response(ApiError(405, f"Method not allowed ({what})."))
    return _error_response(ApiError(exc.status_code, f"Invalid URL ({what})."))


async def _internal_error(_request: Request, exc: Exception) -> Response:
    error = ApiError(500, f"LlamaDesk failed: {type(exc).__name__}: {exc}", type="server_error")
    return _error_response(error)


def create_api_app(route: ChatRoute, key: Callable[[], str], port: Callable[[], int]) -> Starlette:
    """The ASGI app of the local API; ``key`` and ``port`` are read at each request."""
    api = _Api(route, key, port)
    handlers: dict[Any, Any] = {
        ApiError: _api_error,
        HTTPException: _http_error,
        Exception: _internal_error,
    }
    return Starlette(
        routes=[
            Route("/v1/models", api.models, methods=["GET"]),
            Route("/v1/models/{model:path}", api.model, methods=["GET"]),
            Route("/v1/chat/completions", api.chat_completions, methods=["POST"]),
        ],
        exception_handlers=handlers,
    )
