"""llama-server's error answers and httpx's exceptions, translated into ``backend.errors``.

The server reports failures as ``{"error": {"code", "message", "type", ...}}``, either as an
HTTP error body or as an event in the middle of a stream. A prompt longer than a slot's context
comes back as ``type: "exceed_context_size_error"`` with ``n_prompt_tokens`` and ``n_ctx``;
:class:`~backend.errors.ContextOverflow` keeps both numbers so the caller can drop turns or say
how far over the prompt is.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ..errors import (
    AuthFailed,
    ContextOverflow,
    ServerError,
    ServerTimeout,
    ServerUnavailable,
)

__all__ = ["error_from_httpx", "error_from_object", "error_from_response"]


def error_from_object(error: Any, status: int | None = None) -> ServerError:
    """The typed error for a llama-server ``error`` object (from a body or a stream event)."""
    failure = _from_object(error, status)
    failure.status = status
    return failure


def _from_object(error: Any, status: int | None) -> ServerError:
    if not isinstance(error, dict):
        return ServerError(f"llama-server failed: {error}", detail=str(status))
    message = str(error.get("message", "unknown error"))
    detail = json.dumps(error)
    if error.get("type") == "exceed_context_size_error" or "context size" in message:
        n_prompt, n_ctx = error.get("n_prompt_tokens"), error.get("n_ctx")
        return ContextOverflow(
            n_prompt if isinstance(n_prompt, int) else None,
            n_ctx if isinstance(n_ctx, int) else None,
            detail=detail,
        )
    code = error.get("code", status)
    if code == 503 or error.get("type") == "unavailable_error":
        return ServerUnavailable(f"llama-server is not ready: {message}", detail=detail)
    if code in (401, 403):
        return AuthFailed("llama-server rejected the API key.", detail=detail)
    return ServerError(f"llama-server failed: {message}", detail=detail)


def error_from_response(status: int, body: bytes) -> ServerError:
    """The typed error for an HTTP error response."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "error" in parsed:
        return error_from_object(parsed["error"], status)
    text = body.decode("utf-8", "replace")[:500]
    failure: ServerError
    if status == 503:
        failure = ServerUnavailable("llama-server is still loading the model.", detail=text)
    elif status in (401, 403):
        failure = AuthFailed("llama-server rejected the API key.", detail=text)
    else:
        failure = ServerError(f"llama-server answered HTTP {status}.", detail=text)
    failure.status = status
    return failure


def error_from_httpx(exc: httpx.HTTPError, what: str) -> ServerError:
    """The typed error for an httpx transport failure during ``what``."""
    if isinstance(exc, httpx.TimeoutException):
        return ServerTimeout(f"llama-server did not answer in time ({what}).", detail=repr(exc))
    return ServerUnavailable(f"Lost the connection to llama-server ({what}).", detail=repr(exc))
