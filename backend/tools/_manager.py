"""``ToolManager``: the configured MCP servers, their connections, and what the page sees.

It joins the ``ServerStore`` (set-up, secrets, rules) with one ``ServerConnection`` per server,
all running in the manager's own task group. Servers start lazily: when enabled, or on first use
(a tool list or a call); a disabled server is never started. Changing a server's set-up
restarts it if it was running; removing or disabling it stops it. Every state change is
reported through ``on_change`` with the whole list (at most a few per second per server).

On exit every connection is stopped (stdin closed, then SIGTERM, then SIGKILL of its process
group) before the task group ends, so no server outlives the app; if the app dies instead,
``PR_SET_PDEATHSIG`` kills stdio servers (see ``_stdio``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup

from ..config import ToolsSettings
from ..contract import (
    ApprovalRule,
    ToolInfo,
    ToolServerInfo,
    ToolServers,
    ToolServerSpec,
)
from ..errors import Conflict, ToolError
from ._config import ServerConfig
from ._connection import ServerConnection
from ._results import ToolOutcome
from ._store import ServerStore

__all__ = ["Offered", "ToolManager", "UnavailableServer"]

_STDERR_HINT_CHARS = 200


@dataclass(frozen=True)
class UnavailableServer:
    """An enabled server an answer could not use, and why (as Settings → Tools says it)."""

    server_id: str
    name: str
    reason: str
    """Its ``error``: why it failed to start or could not be reached (secrets masked)."""
    last_stderr: str | None = None
    """The last line it wrote to stderr (secrets masked), often the real cause."""

    @property
    def notice(self) -> str:
        """What an answer without its tools tells the user."""
        said = f' (its last stderr line: "{self.last_stderr}")' if self.last_stderr else ""
        return (
            f"The tool server {self.name} is not available: {self.reason}{said}. This answer "
            "goes on without its tools; Settings → Tools can restart it."
        )


@dataclass(frozen=True)
class Offered:
    """What an answer may use: the tools, and the enabled servers that could not be reached."""

    tools: list[ToolInfo]
    unavailable: list[UnavailableServer]


class ToolManager:
    """The servers and their connections; an async context manager that stops them all."""

    def __init__(
        self,
        store: ServerStore,
        limits: Callable[[], ToolsSettings],
        on_change: Callable[[ToolServers], None],
    ) -> None:
        self._store = store
        self._limits = limits
        self._on_change = on_change
        self._connections: dict[str, ServerConnection] = {}
        self._tasks: TaskGroup | None = None

    async def __aenter__(self) -> ToolManager:
        self._tasks = await anyio.create_task_group().__aenter__()
        for server in self._store.servers():
            self._connections[server.id] = self._connection(server)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tasks is not None
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as stopping:
                for connection in self._connections.values():
                    stopping.start_soon(connection.stop)
        self._tasks.cancel_scope.cancel()
        return await self._tasks.__aexit__(exc_type, exc, tb)

    def servers(self) -> ToolServers:
        """Every server with its state, and where secrets are kept."""
        return ToolServers(
            servers=[
                _info(server, self._connections.get(server.id)) for server in self._store.servers()
            ],
            secret_storage=self._store.secret_storage,
        )

    def server(self, server_id: str) -> ToolServerInfo:
        """One server with its state; ``NotFound`` when it does not exist."""
        return _info(self._store.get(server_id), self._connections.get(server_id))

    async def add(self, spec: ToolServerSpec) -> ToolServerInfo:
        """Add a server; an enabled one starts at once."""
        server = await anyio.to_thread.run_sync(self._store.add, spec)
        await self._replace(server, restart=True)
        return self.server(server.id)

    async def update(self, server_id: str, spec: ToolServerSpec) -> ToolServerInfo:
        """Replace a server's set-up; it restarts on it if it was running (or is enabled)."""
        server = await anyio.to_thread.run_sync(self._store.update, server_id, spec)
        await self._replace(server, restart=self._connections[server_id].state != "stopped")
        return self.server(server.id)

    async def remove(self, server_id: str) -> ToolServers:
        """Stop a server and forget it and its secrets."""
        self._store.get(server_id)
        await self._connections.pop(server_id).stop()
        await anyio.to_thread.run_sync(self._store.remove, server_id)
        self._changed()
        return self.servers()

    async def set_enabled(self, server_id: str, enabled: bool) -> ToolServerInfo:
        """Enable (start) or disable (stop) a server."""
        server = await anyio.to_thread.run_sync(
            lambda: self._store.change(server_id, enabled=enabled)
        )
        await self._replace(server, restart=enabled)
        return self.server(server.id)

    async def restart(self, server_id: str) -> ToolServerInfo:
        """Stop a server and start it again; ``Conflict`` when it is disabled."""
        server = self._store.get(server_id)
        if not server.enabled:
            raise Conflict(f"{server.name} is disabled; enable it to start it.")
        await self._replace(server, restart=True)
        return self.server(server.id)

    async def tools(self, server_id: str | None) -> list[ToolInfo]:
        """One server's tools (starting it if enabled), or those of every ready server."""
        if server_id is None:
            servers = [s for s in self._store.servers() if self._connections[s.id].state == "ready"]
        else:
            server = self._store.get(server_id)
            if not server.enabled:
                raise Conflict(f"{server.name} is disabled; enable it to list its tools.")
            await self._connections[server_id].ready(self._running())
            servers = [server]
        return [
            tool for server in servers for tool in _tool_infos(server, self._connections[server.id])
        ]

    async def offered(self) -> Offered:
        """The tools a model may call now: of every enabled server (started and waited for,
        each within its start timeout), except those a rule denies; and the enabled servers
        that are not ready, with why. A server that failed to start is not tried again here
        (each answer would wait for it) but is still named; one that crashed after starting is
        tried again. Restarting or editing it in Settings tries a failed one again."""
        enabled = [s for s in self._store.servers() if s.enabled]
        skipped = {
            s.id
            for s in enabled
            if self._connections[s.id].state == "failed"
            and not self._connections[s.id].reached_ready
        }

        async def settle(server_id: str) -> None:
            with suppress(ToolError):  # its state says why; the model is offered the others
                await self._connections[server_id].ready(self._running())

        async with anyio.create_task_group() as starting:
            for server in enabled:
                if server.id not in skipped:
                    starting.start_soon(settle, server.id)
        tools: list[ToolInfo] = []
        unavailable: list[UnavailableServer] = []
        for server in enabled:
            connection = self._connections[server.id]
            if connection.state == "ready":
                tools.extend(t for t in _tool_infos(server, connection) if t.rule != "deny")
            else:
                unavailable.append(_unavailable(server, connection))
        return Offered(tools, unavailable)

    async def set_rule(
        self, server_id: str, tool: str | None, rule: ApprovalRule | None
    ) -> ToolServerInfo:
        """Set a server's rule, or one tool's (None: it follows the server's again)."""
        server = await anyio.to_thread.run_sync(self._store.set_rule, server_id, tool, rule)
        self._connections[server_id].server = server
        self._changed()
        return self.server(server.id)

    async def call(self, server_id: str, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
        """Call a tool (starting its server if needed); ``ToolError`` when it cannot."""
        server = self._store.get(server_id)
        if not server.enabled:
            raise Conflict(f"{server.name} is disabled.")
        return await self._connections[server_id].call(self._running(), tool, arguments)

    async def import_json(self, data: str | dict[str, Any]) -> list[str]:
        """Add the servers of an ``mcp.json`` document; their ids (the enabled ones start)."""
        added = await anyio.to_thread.run_sync(self._store.import_json, data)
        for server in added:
            await self._replace(server, restart=True)
        return [server.id for server in added]

    def export_json(self) -> str:
        """Every server as ``mcp.json``, secret values left empty."""
        return self._store.export_json()

    def _connection(self, server: ServerConfig) -> ServerConnection:
        return ServerConnection(server, self._store.secrets(server), self._limits, self._changed)

    async def _replace(self, server: ServerConfig, *, restart: bool) -> None:
        """A fresh connection for ``server`` (the old one stopped), started if asked and enabled."""
        old = self._connections.get(server.id)
        if old is not None:
            await old.stop()
        connection = self._connections[server.id] = self._connection(server)
        if restart and server.enabled:
            connection.start(self._running())
        self._changed()

    def _running(self) -> TaskGroup:
        if self._tasks is None:
            raise RuntimeError("ToolManager is used outside its async with block")
        return self._tasks

    def _changed(self) -> None:
        self._on_change(self.servers())


def _tool_infos(server: ServerConfig, connection: ServerConnection) -> list[ToolInfo]:
    return [
        ToolInfo(
            server_id=server.id,
            name=tool.name,
            description=tool.description or "",
            input_schema=tool.input_schema,
            rule=server.rule_for(tool.name),
        )
        for tool in connection.tools
    ]


def _unavailable(server: ServerConfig, connection: ServerConnection) -> UnavailableServer:
    tail = [line.strip() for line in connection.stderr_tail() if line.strip()]
    last = tail[-1][:_STDERR_HINT_CHARS] if tail else None
    reason = connection.error or f"it is {connection.state}"
    return UnavailableServer(server.id, server.name, reason, last)


def _info(server: ServerConfig, connection: ServerConnection | None) -> ToolServerInfo:
    return ToolServerInfo(
        id=server.id,
        name=server.name,
        transport=server.transport,
        command=server.command,
        args=list(server.args),
        cwd=server.cwd,
        env_names=list(server.env_names),
        url=server.url,
        header_names=list(server.header_names),
        enabled=server.enabled,
        state=connection.state if connection else "stopped",
        tool_count=len(connection.tools) if connection and connection.state == "ready" else 0,
        error=connection.error if connection else None,
        warning=connection.warning if connection else None,
        stderr_tail=connection.stderr_tail() if connection else [],
        rule=server.rule,
        tool_rules=dict(server.tool_rules),
    )
