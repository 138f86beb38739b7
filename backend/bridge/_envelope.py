"""Turn command outcomes into JSON-safe envelopes.

Whatever happens inside a command, the page receives ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": {"code", "message", "detail", "fields"}}``. Our own errors keep their code
and message; a pydantic ``ValidationError`` becomes ``invalid_argument`` with one entry per bad
field; anything else is a bug and becomes ``internal`` with the exception as detail. Results are
dumped with ``allow_nan=False`` semantics checked here, because a NaN would leave the JS promise
pending forever.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError

from ..contract import BridgeError, BridgeFieldError, CommandFailure, CommandSuccess
from ..errors import FieldError, InvalidArgument, LlamaDeskError

__all__ = ["bridge_error", "failure", "invalid_argument_from", "json_safe", "success"]

_log = logging.getLogger(__name__)


def invalid_argument_from(exc: ValidationError, what: str) -> InvalidArgument:
    """Describe a pydantic validation failure as our error, one FieldError per problem."""
    fields = [
        FieldError(".".join(str(part) for part in err["loc"]) or "(arguments)", err["msg"])
        for err in exc.errors()
    ]
    summary = "; ".join(f"{f.field}: {f.message}" for f in fields[:3])
    return InvalidArgument(f"Invalid arguments for {what}: {summary}", fields=fields)


def bridge_error(exc: BaseException) -> BridgeError:
    """The wire form of any exception; unknown ones are logged as bugs."""
    if not isinstance(exc, LlamaDeskError):
        _log.exception("unexpected error in a bridge command", exc_info=exc)
        return BridgeError(
            code="internal",
            message="Something went wrong inside LlamaDesk. The details below help a bug report.",
            detail=f"{type(exc).__name__}: {exc}",
        )
    return BridgeError.model_validate(
        {
            "code": exc.code,
            "message": exc.message,
            "detail": exc.detail,
            "fields": [BridgeFieldError(field=f.field, message=f.message) for f in exc.fields],
        }
    )


def json_safe(value: Any) -> Any:
    """Return ``value`` if it survives strict JSON (no NaN/Infinity), else raise ValueError."""
    json.dumps(value, allow_nan=False)
    return value


def success(result: Any) -> dict[str, Any]:
    """The envelope of a command that worked; ``result`` must already be JSON-ready."""
    return CommandSuccess(result=json_safe(result)).model_dump(mode="json")


def failure(exc: BaseException) -> dict[str, Any]:
    """The envelope of a command that failed."""
    return CommandFailure(error=bridge_error(exc)).model_dump(mode="json")
