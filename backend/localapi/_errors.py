"""Errors in OpenAI's JSON shape, so every client shows them as it shows OpenAI's own.

``{"error": {"message", "type", "param", "code"}}`` with OpenAI's status codes: 400 for a bad
request (``param`` names the first field at fault), 401 for a missing or wrong key, 404
``model_not_found``, 503/504 while the model cannot answer. LlamaDesk's own errors
(``backend.errors``) are translated here, once, with their message (what to do) and detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..errors import (
    ContextOverflow,
    InvalidArgument,
    LlamaDeskError,
    ServerTimeout,
    ServerUnavailable,
)

__all__ = ["ApiError", "from_llamadesk", "from_validation", "model_not_found", "unauthorized"]


@dataclass
class ApiError(Exception):
    """An answer in OpenAI's error shape, with its HTTP status."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None

    def body(self) -> dict[str, Any]:
        """``{"error": {...}}`` as OpenAI sends it."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def unauthorized(given: bool) -> ApiError:
    """401: no key, or not this app's key (the key given is never repeated)."""
    if not given:
        return ApiError(
            401,
            "You didn't provide an API key. Send the key shown in LlamaDesk → Settings → Local "
            "API as 'Authorization: Bearer KEY'.",
        )
    return ApiError(
        401,
        "Incorrect API key provided. The key is shown in LlamaDesk → Settings → Local API "
        "(a regenerated key replaces the old one at once).",
        code="invalid_api_key",
    )


def model_not_found(model: str, available: list[str]) -> ApiError:
    """404 ``model_not_found``, naming the models that do exist."""
    names = ", ".join(available) if available else "none (no model is selected in LlamaDesk)"
    return ApiError(
        404,
        f"The model `{model}` does not exist. Available: {names}.",
        code="model_not_found",
        param="model",
    )


_UNION_TAGS = frozenset({"str", "int", "float", "bool", "none", "list", "dict"})


def _is_union_tag(part: int | str) -> bool:
    """A union's branch in an error's location (``str``, ``list[...]``, ``_Model``)."""
    return isinstance(part, str) and (
        part in _UNION_TAGS or part.startswith("_") or "[" in part or "-" in part
    )


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in (p for p in loc if not _is_union_tag(p)):
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def from_validation(exc: ValidationError) -> ApiError:
    """400 naming the first field at fault and what is wrong with it (and how many others)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    param = _location(tuple(first["loc"])) or None
    others = f" ({len(errors) - 1} more problems)" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        message = f"Unrecognized request argument supplied: {param}"
    else:
        message = f"Invalid value for {param or 'the request'}: {first['msg']}{others}"
    return ApiError(400, message, code="invalid_value", param=param)


def from_llamadesk(exc: LlamaDeskError) -> ApiError:
    """LlamaDesk's error as OpenAI's: the model unavailable, too slow, the prompt too long."""
    text = f"{exc.message} ({exc.detail})" if exc.detail else exc.message
    if isinstance(exc, ContextOverflow):
        return ApiError(400, text, code="context_length_exceeded", param="messages")
    if isinstance(exc, InvalidArgument):
        return ApiError(400, text, code="invalid_value")
    if isinstance(exc, ServerTimeout):
        return ApiError(504, text, type="server_error", code="timeout")
    if isinstance(exc, ServerUnavailable):
        return ApiError(503, text, type="server_error", code="model_unavailable")
    return ApiError(500, text, type="server_error", code=exc.code)
