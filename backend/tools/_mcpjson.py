"""The common ``mcp.json`` format (Claude Desktop, Cursor, LM Studio): reading and writing it.

```jsonc
{"mcpServers": {
  "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            "env": {"TOKEN": "..."}, "cwd": "/home/me"},          // stdio
  "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer ..."}},
  "old": {"type": "sse", "url": "https://example.com/sse"}
}}
```

An entry with a ``url`` is Streamable HTTP unless its ``type`` (or ``transport``) says ``sse``;
``"disabled": true`` imports it disabled. Keys other apps add (``autoApprove``, ``timeout``, ...)
are ignored; a known key of the wrong type fails the whole import, naming the field. Exports
carry every variable and header *name* with an empty value: secrets never leave the app.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import strict_json
from ..contract import ToolServerSpec, ToolServerTransport
from ..errors import FieldError, ImportFormatError, InvalidArgument
from ._config import ServerConfig

__all__ = ["EXPORT_FILENAME", "format_mcp_json", "parse_mcp_json"]

EXPORT_FILENAME = "mcp.json"

_TRANSPORTS: dict[str, ToolServerTransport] = {
    "stdio": "stdio",
    "http": "http",
    "streamable-http": "http",
    "streamable_http": "http",
    "streamableHttp": "http",
    "sse": "sse",
}


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    command: str | None = Field(None, min_length=1)
    args: list[str] = Field(default_factory=list)
    cwd: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    type: str | None = None
    transport: str | None = None
    disabled: bool = False


class _Document(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    mcpServers: dict[str, _Entry]  # noqa: N815 - the format's own key


def _invalid(field: str, message: str) -> ImportFormatError:
    return ImportFormatError(
        f"The mcp.json file is invalid at {field}: {message}",
        fields=[FieldError(field, message)],
    )


def _transport(name: str, entry: _Entry) -> ToolServerTransport:
    said = entry.type or entry.transport
    if said is not None:
        if said not in _TRANSPORTS:
            raise _invalid(f"mcpServers.{name}.type", f"unknown transport {said!r}")
        return _TRANSPORTS[said]
    return "http" if entry.url is not None else "stdio"


def _spec(name: str, entry: _Entry) -> ToolServerSpec:
    transport = _transport(name, entry)
    try:
        return ToolServerSpec.model_validate(
            {
                "name": name,
                "transport": transport,
                "command": entry.command,
                "args": entry.args,
                "cwd": entry.cwd,
                "env": entry.env,
                "url": entry.url,
                "headers": entry.headers,
                "enabled": not entry.disabled,
            }
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise _invalid(f"mcpServers.{name}" + (f".{where}" if where else ""), error["msg"]) from exc


def parse_mcp_json(data: str | dict[str, Any]) -> list[ToolServerSpec]:
    """The servers an ``mcp.json`` document (text or parsed) describes, in its order."""
    try:
        if isinstance(data, str):
            raw = strict_json.loads(data, "The file")
        else:
            raw = data
            strict_json.check(raw, "The document")
    except InvalidArgument as exc:
        raise ImportFormatError(exc.message, detail=exc.detail) from exc
    if not isinstance(raw, dict) or "mcpServers" not in raw:
        raise ImportFormatError('This is not an mcp.json file (expected {"mcpServers": {...}}).')
    try:
        document = _Document.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise _invalid(".".join(str(part) for part in error["loc"]), error["msg"]) from exc
    return [_spec(name, entry) for name, entry in document.mcpServers.items()]


def _entry(server: ServerConfig) -> dict[str, Any]:
    if server.transport == "stdio":
        entry: dict[str, Any] = {"command": server.command, "args": list(server.args)}
        if server.cwd is not None:
            entry["cwd"] = server.cwd
        if server.env_names:
            entry["env"] = dict.fromkeys(server.env_names, "")
    else:
        entry = {"type": server.transport, "url": server.url}
        if server.header_names:
            entry["headers"] = dict.fromkeys(server.header_names, "")
    if not server.enabled:
        entry["disabled"] = True
    return entry


def format_mcp_json(servers: list[ServerConfig]) -> str:
    """An ``mcp.json`` document of ``servers``, secret values left empty."""
    document = {"mcpServers": {server.name: _entry(server) for server in servers}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
