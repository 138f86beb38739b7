"""Tools: MCP servers through the official SDK (``mcp``), with the user in control.

``ToolManager`` is what the app uses: the configured servers, each one's state (stopped,
starting, ready with its tools, failed with the reason and its stderr tail), lazy starts,
restarts, calls with a timeout and a result cap, and the approval rules.

- ``_config``: ``ServerConfig`` and ``tools.json`` (set-up and rules, no secret values).
- ``_store``: ``ServerStore``: servers and their secrets (``backend.secrets``) kept in step;
  import and export.
- ``_mcpjson``: the common ``{"mcpServers": {...}}`` format.
- ``_stdio``: the stdio transport, a child process that cannot outlive the app.
- ``_connection``: ``ServerConnection``: one server's handshake, tools, calls and end.
- ``_results``: a call's result as capped text (``ToolOutcome``).
- ``_manager``: ``ToolManager``, and what an answer may use (``Offered``).
"""

from ._config import ServerConfig
from ._connection import ServerConnection
from ._manager import Offered, ToolManager, UnavailableServer
from ._mcpjson import EXPORT_FILENAME, format_mcp_json, parse_mcp_json
from ._results import ToolOutcome, outcome_of
from ._stdio import StderrTail
from ._store import ServerSecrets, ServerStore

__all__ = [
    "EXPORT_FILENAME",
    "Offered",
    "ServerConfig",
    "ServerConnection",
    "ServerSecrets",
    "ServerStore",
    "StderrTail",
    "ToolManager",
    "ToolOutcome",
    "UnavailableServer",
    "format_mcp_json",
    "outcome_of",
    "parse_mcp_json",
]
