"""The bridge contract as one JSON schema, for the TypeScript generator: the commands read off
the handlers (see ``_registry``), the events, and the error envelope."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model

from ..contract import BridgeError, BridgeEvent, CommandFailure
from ._registry import Commands

__all__ = ["contract_schema"]


def _command_model(name: str, params: type[BaseModel], result: Any) -> type[BaseModel]:
    title = "".join(part.title() for part in name.split("_")) + "Command"
    return create_model(
        title,
        __config__=ConfigDict(extra="forbid", title=title),
        params=(params, ...),
        result=(result, ...),
    )


def contract_schema(commands: Commands) -> dict[str, Any]:
    """Return a schema whose ``$defs`` hold every bridge type and whose ``commands`` map names."""
    commands = create_model(  # type: ignore[call-overload]
        "Commands",
        __config__=ConfigDict(extra="forbid", title="Commands"),
        **{
            name: (_command_model(name, spec.params, spec.result), ...)
            for name, spec in commands.items()
        },
    )
    root = create_model(
        "BridgeContract",
        __config__=ConfigDict(extra="forbid", title="BridgeContract"),
        commands=(commands, ...),
        event=(BridgeEvent, ...),
        error=(BridgeError, ...),
        failure=(CommandFailure, ...),
    )
    schema: dict[str, Any] = TypeAdapter(root).json_schema(mode="serialization")
    return schema
