"""The tool servers' set-up on disk: ``<config dir>/tools.json``, secrets left out.

Each server is one ``ServerConfig``: how to reach it, the *names* of its environment variables
and headers (their values are in the ``SecretStore``), whether it is enabled, and its approval
rules. The file is written atomically; one that cannot be read is set aside beside itself
(``tools.json.bad-<time>``) and the app starts with no servers, saying where the old file is,
so nothing is lost and nothing stops the app.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..contract import ApprovalRule, ToolServerTransport
from ..files import set_aside, write_atomic

__all__ = ["ServerConfig", "load_servers", "save_servers", "unique_id"]

log = logging.getLogger(__name__)

_FORMAT_VERSION: Literal[1] = 1
_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_.-]+")
_ID_LENGTH = 48


class ServerConfig(BaseModel):
    """One MCP server as stored: everything but its secret values."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    transport: ToolServerTransport
    command: str | None = None
    args: tuple[str, ...] = ()
    cwd: str | None = None
    env_names: tuple[str, ...] = ()
    url: str | None = None
    header_names: tuple[str, ...] = ()
    enabled: bool = True
    rule: ApprovalRule = "ask"
    tool_rules: dict[str, ApprovalRule] = Field(default_factory=dict)

    def rule_for(self, tool: str) -> ApprovalRule:
        """The rule a call of ``tool`` follows: its own, else the server's."""
        return self.tool_rules.get(tool, self.rule)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: Literal[1]
    servers: list[ServerConfig]


def unique_id(name: str, taken: set[str]) -> str:
    """An id made from ``name`` (``My Files`` → ``My-Files``), unique among ``taken``."""
    base = _NOT_IN_ID.sub("-", name).strip("-.")[:_ID_LENGTH] or "server"
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    return candidate


def load_servers(path: Path) -> list[ServerConfig]:
    """The stored servers; a broken file is set aside and none are returned."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    try:
        return _File.model_validate_json(text).servers
    except (ValueError, ValidationError) as exc:
        kept = set_aside(path)
        log.warning("The tool servers file was unreadable (%s); kept it as %s", exc, kept)
        return []


def save_servers(path: Path, servers: list[ServerConfig]) -> None:
    """Replace the file with ``servers`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = _File(version=_FORMAT_VERSION, servers=servers)
    write_atomic(path, document.model_dump_json(indent=2).encode())
