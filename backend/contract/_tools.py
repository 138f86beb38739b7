"""Tools: MCP servers, their state and tools, and the rules that say which calls may run.

A server's secrets (its environment values and HTTP header values) go to the backend and never
come back: the page sees their names only. When editing, a name mapped to ``null`` keeps the
stored value, a string replaces it, and a name left out is removed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ._base import Params, Wire

__all__ = [
    "AddToolServerParams",
    "ApprovalRule",
    "ExportToolServersResult",
    "ImportToolServersParams",
    "ImportToolServersResult",
    "ListToolsParams",
    "SetToolRuleParams",
    "SetToolServerEnabledParams",
    "ToolInfo",
    "ToolServerInfo",
    "ToolServerRef",
    "ToolServerSpec",
    "ToolServerState",
    "ToolServerTransport",
    "ToolServers",
    "UpdateToolServerParams",
]

ToolServerTransport = Literal["stdio", "http", "sse"]
"""stdio: a local command; http: Streamable HTTP; sse: the older HTTP+SSE transport."""

ToolServerState = Literal["stopped", "starting", "ready", "failed"]
"""stopped: not running (disabled, or not used yet); failed: ``error`` says why."""

ApprovalRule = Literal["ask", "allow", "deny"]
"""ask: before each call; allow: run without asking; deny: never run."""

_ServerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
_ToolName = Annotated[str, Field(min_length=1, max_length=128)]
_SecretNames = dict[str, str | None]


class ToolServerSpec(Params):
    """How to reach one MCP server: a command for stdio, a URL for http and sse.

    ``env`` (stdio) and ``headers`` (http, sse) are secrets: ``null`` keeps a stored value.
    """

    name: str = Field(min_length=1, max_length=200)
    transport: ToolServerTransport
    command: str | None = Field(None, min_length=1, max_length=4096)
    args: list[str] = Field(default_factory=list, max_length=256)
    cwd: str | None = Field(None, min_length=1, max_length=4096)
    env: _SecretNames = Field(default_factory=dict, max_length=256)
    url: str | None = Field(None, max_length=8192, pattern=r"^https?://\S+$")
    headers: _SecretNames = Field(default_factory=dict, max_length=64)
    enabled: bool = True

    @model_validator(mode="after")
    def _fits_transport(self) -> ToolServerSpec:
        if self.transport == "stdio":
            if self.command is None:
                raise ValueError("a stdio server needs a command")
            if self.url is not None or self.headers:
                raise ValueError("a stdio server takes no url or headers")
        else:
            if self.url is None:
                raise ValueError(f"an {self.transport} server needs a url")
            if self.command is not None or self.args or self.cwd is not None or self.env:
                raise ValueError(f"an {self.transport} server takes no command, args, cwd or env")
        return self


class ToolServerInfo(Wire):
    """One MCP server as the page shows it: its set-up (secrets by name only) and its state."""

    id: str
    name: str
    transport: ToolServerTransport
    command: str | None
    args: list[str]
    cwd: str | None
    env_names: list[str]
    url: str | None
    header_names: list[str]
    enabled: bool
    state: ToolServerState
    tool_count: int = Field(description="How many tools it offers (0 until it is ready).")
    error: str | None = Field(None, description="Why it failed, when it did.")
    warning: str | None = Field(None, description="Something odd it did that did not stop it.")
    stderr_tail: list[str] = Field(
        default_factory=list, description="Its last stderr lines (stdio), secrets masked."
    )
    rule: ApprovalRule = Field(description="What happens to a call of any of its tools.")
    tool_rules: dict[str, ApprovalRule] = Field(
        default_factory=dict, description="Per-tool rules, overriding ``rule``."
    )


class ToolServers(Wire):
    """Every configured server, and where their secrets are kept."""

    servers: list[ToolServerInfo]
    secret_storage: str = Field(description="The OS keyring's name, or the secrets file's path.")


class ToolInfo(Wire):
    """One tool a ready server offers, and the rule its calls follow."""

    server_id: str
    name: str
    description: str
    input_schema: dict[str, Any]
    rule: ApprovalRule = Field(description="The tool's own rule, or else its server's.")


class ExportToolServersResult(Wire):
    """An ``mcp.json`` document (secrets left out) and a file name to save it under."""

    filename: str
    content: str


class ImportToolServersResult(Wire):
    """The servers an import added, and every server after it."""

    added: list[str]
    servers: ToolServers


class AddToolServerParams(Params):
    """A new server; its id is made from its name."""

    server: ToolServerSpec


class UpdateToolServerParams(Params):
    """A server's new set-up (replacing the old); a running server restarts on it."""

    server_id: _ServerId
    server: ToolServerSpec


class ToolServerRef(Params):
    """Names one server."""

    server_id: _ServerId


class SetToolServerEnabledParams(Params):
    """Enable (it starts) or disable (it stops) a server."""

    server_id: _ServerId
    enabled: bool


class ListToolsParams(Params):
    """The tools of one server (started when enabled and not running), or of every ready one."""

    server_id: _ServerId | None = None


class SetToolRuleParams(Params):
    """A rule for a whole server (``tool`` null), or for one of its tools (``rule`` null: the
    tool follows its server's rule again)."""

    server_id: _ServerId
    tool: _ToolName | None = None
    rule: ApprovalRule | None


class ImportToolServersParams(Params):
    """An ``mcp.json`` document: ``{"mcpServers": {"name": {...}}}`` (text or parsed)."""

    data: str | dict[str, Any]
