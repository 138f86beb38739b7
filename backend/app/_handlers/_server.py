"""Server commands: the llama-server process's status, start/stop, defaults and log."""

from __future__ import annotations

from ...contract import (
    EmptyParams,
    LogsParams,
    ServerDefaults,
    ServerLogs,
    ServerStatus,
)
from ...llama import parse_server_defaults
from ._base import HandlerBase

__all__ = ["ServerCommands"]


class ServerCommands(HandlerBase):
    """The llama-server process: status, start, stop, restart, defaults, log."""

    async def get_server_status(self, params: EmptyParams) -> ServerStatus:
        """The server's state."""
        return self._services.monitor.status()

    async def start_server(self, params: EmptyParams) -> ServerStatus:
        """Start the server if it is stopped or failed."""
        return await self._services.monitor.start()

    async def stop_server(self, params: EmptyParams) -> ServerStatus:
        """Stop the server."""
        return await self._services.monitor.stop()

    async def restart_server(self, params: EmptyParams) -> ServerStatus:
        """Restart the server (e.g. after a setting that needs it); KV caches are saved first."""
        return await self._services.models.reload()

    async def get_server_defaults(self, params: EmptyParams) -> ServerDefaults | None:
        """llama-server's sampling defaults, or None while it is not ready (asking never loads a
        model that was unloaded)."""
        if self._services.monitor.status().state != "ready":
            return None
        return parse_server_defaults(await self._services.chat.adapter.props())

    async def get_server_logs(self, params: LogsParams) -> ServerLogs:
        """The server's last log lines."""
        return ServerLogs(lines=self._services.monitor.logs(params.lines))
