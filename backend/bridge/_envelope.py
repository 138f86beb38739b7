"""Turn command outcomes into JSON-safe envelopes.

Whatever happens inside a command, the page receives ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": {"code", "message", "detail", "fields"}}``. A pydantic
``ValidationError`` becomes ``invalid_argument`` with one entry per bad field; every exception
becomes its wire form through ``contract.bridge_error`` (the one place that does). Results are
dumped with ``allow_nan=False`` semantics checked here, because a NaN would leave the JS promise
pending forever.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from ..contract import CommandFailure, CommandSuccess, bridge_error
from ..errors import FieldError, InvalidArgument

__all__ = ["failure", "invalid_argument_from", "json_safe", "success"]


def invalid_argument_from(exc: ValidationError, what: str) -> InvalidArgument:
    """Describe a pydantic validation failure as our error, one FieldError per problem."""
    fields = [
        FieldError(".".join(str(part) for part in err["loc"]) or "(arguments)", err["msg"])
        for err in exc.errors()
    ]
    summary = "; ".join(f"{f.field}: {f.message}" for f in fields[:3])
    return InvalidArgument(f"Invalid arguments for {what}: {summary}", fields=fields)


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
