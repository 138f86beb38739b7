"""Tool commands: the MCP servers on Settings → Tools, their tools, rules, import and export."""

from __future__ import annotations

from ...contract import (
    AddToolServerParams,
    EmptyParams,
    ExportToolServersResult,
    ImportToolServersParams,
    ImportToolServersResult,
    ListToolsParams,
    SetToolRuleParams,
    SetToolServerEnabledParams,
    ToolInfo,
    ToolServerInfo,
    ToolServerRef,
    ToolServers,
    UpdateToolServerParams,
)
from ._base import HandlerBase

__all__ = ["ToolCommands"]


class ToolCommands(HandlerBase):
    """MCP tool servers: add, edit, enable, remove, restart; their tools and rules."""

    async def list_tool_servers(self, params: EmptyParams) -> ToolServers:
        """Every tool server with its state, and where their secrets are kept."""
        return self._services.tools.servers()

    async def add_tool_server(self, params: AddToolServerParams) -> ToolServerInfo:
        """Add an MCP server; an enabled one starts at once."""
        return await self._services.tools.add(params.server)

    async def update_tool_server(self, params: UpdateToolServerParams) -> ToolServerInfo:
        """Replace a server's set-up (secrets mapped to null are kept); it restarts on it."""
        return await self._services.tools.update(params.server_id, params.server)

    async def remove_tool_server(self, params: ToolServerRef) -> ToolServers:
        """Stop a server and forget it, its secrets and its rules."""
        return await self._services.tools.remove(params.server_id)

    async def set_tool_server_enabled(self, params: SetToolServerEnabledParams) -> ToolServerInfo:
        """Enable (it starts) or disable (it stops) a server."""
        return await self._services.tools.set_enabled(params.server_id, params.enabled)

    async def restart_tool_server(self, params: ToolServerRef) -> ToolServerInfo:
        """Stop a server and start it again."""
        return await self._services.tools.restart(params.server_id)

    async def list_tools(self, params: ListToolsParams) -> list[ToolInfo]:
        """One server's tools (it starts if it is enabled and stopped), or every ready one's."""
        return await self._services.tools.tools(params.server_id)

    async def set_tool_rule(self, params: SetToolRuleParams) -> ToolServerInfo:
        """Ask, allow or deny the calls of a server's tools, or of one tool."""
        return await self._services.tools.set_rule(params.server_id, params.tool, params.rule)

    async def import_tool_servers(self, params: ImportToolServersParams) -> ImportToolServersResult:
        """Add the servers of an mcp.json document (a taken name gets a suffix)."""
        added = await self._services.tools.import_json(params.data)
        return ImportToolServersResult(added=added, servers=self._services.tools.servers())

    async def export_tool_servers(self, params: EmptyParams) -> ExportToolServersResult:
        """Every server as an mcp.json document, with secret values left empty."""
        from ...tools import EXPORT_FILENAME  # noqa: PLC0415 - keeps the MCP SDK off the start

        return ExportToolServersResult(
            filename=EXPORT_FILENAME, content=self._services.tools.export_json()
        )
