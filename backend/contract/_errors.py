"""Failures on the wire: ``BridgeError``, the two command envelopes, and ``bridge_error``.

``bridge_error`` is the one place an exception becomes what the page sees: our errors keep their
code, message, detail and fields; anything else is a bug, logged, and sent as ``internal`` with
the exception as detail. The codes are ``backend.errors.ErrorCode``, tied to the error classes.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field

from ..errors import ErrorCode, LlamaDeskError
from ._base import Wire

__all__ = [
    "BridgeError",
    "BridgeFieldError",
    "CommandFailure",
    "CommandSuccess",
    "ErrorCode",
    "bridge_error",
]

_log = logging.getLogger(__name__)


class BridgeFieldError(Wire):
    """One invalid argument or setting: its dotted path and why."""

    field: str
    message: str


class BridgeError(Wire):
    """A failure the UI shows: a stable code, a sentence for people, and technical detail."""

    code: ErrorCode
    message: str
    detail: str | None = None
    fields: list[BridgeFieldError] = Field(default_factory=list)


class CommandSuccess(Wire):
    """Envelope of a command that worked."""

    ok: Literal[True] = True
    result: Any


class CommandFailure(Wire):
    """Envelope of a command that failed."""

    ok: Literal[False] = False
    error: BridgeError


def bridge_error(exc: BaseException) -> BridgeError:
    """The wire form of any exception; unknown ones are logged as bugs."""
    if not isinstance(exc, LlamaDeskError):
        _log.exception("unexpected error in a bridge command", exc_info=exc)
        return BridgeError(
            code="internal",
            message="Something went wrong inside LlamaDesk. The details below help a bug report.",
            detail=f"{type(exc).__name__}: {exc}",
        )
    return BridgeError(
        code=exc.code,
        message=exc.message,
        detail=exc.detail,
        fields=[BridgeFieldError(field=f.field, message=f.message) for f in exc.fields],
    )
