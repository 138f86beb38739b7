"""The tool commands through the assembled app: strict arguments, a real stdio MCP server, and
no server left running after the app exits."""

from __future__ import annotations

import sys
from typing import Any

import psutil

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.tools.conftest import SERVER_SCRIPT, START_TIMEOUT_S
from tests.waiting import wait_until

_SERVER = {
    "name": "local",
    "transport": "stdio",
    "command": sys.executable,
    "args": [str(SERVER_SCRIPT), "stdio"],
}


def _server(runtime: AppRuntime, server_id: str) -> dict[str, Any]:
    servers = runtime.api.list_tool_servers({})["result"]["servers"]
    found: dict[str, Any] = next(s for s in servers if s["id"] == server_id)
    return found


def test_tool_servers_through_the_commands(app_paths: AppPaths) -> None:
    config = ConfigService(app_paths, environ={}, cli={"tools.start_timeout_s": START_TIMEOUT_S})
    with AppRuntime(app_paths, config) as runtime:
        api = runtime.api
        assert api.list_tool_servers({})["result"]["servers"] == []
        no_command = api.add_tool_server({"server": {"name": "x", "transport": "stdio"}})
        assert no_command["error"]["code"] == "invalid_argument"
        assert "needs a command" in no_command["error"]["message"]
        unknown = api.add_tool_server({"server": {**_SERVER, "shell": True}})
        assert unknown["error"]["fields"][0]["field"] == "server.shell"
        added = api.add_tool_server({"server": _SERVER})["result"]
        tools = api.list_tools({"server_id": added["id"]})
        assert tools["ok"], tools
        assert "add" in {tool["name"] for tool in tools["result"]}
        server = _server(runtime, added["id"])
        assert (server["state"], server["tool_count"]) == ("ready", 8)
        ruled = api.set_tool_rule({"server_id": "local", "tool": "add", "rule": "allow"})
        assert ruled["result"]["tool_rules"] == {"add": "allow"}
        exported = api.export_tool_servers({})["result"]
        assert exported["filename"] == "mcp.json"
        imported = api.import_tool_servers({"data": exported["content"]})["result"]
        assert imported["added"] == ["local-2"]
        assert api.remove_tool_server({"server_id": "local-2"})["ok"]
        missing = api.restart_tool_server({"server_id": "nope"})
        assert missing["error"]["code"] == "not_found"
        children = [
            child
            for child in psutil.Process().children(recursive=True)
            if "mcp_server.py" in " ".join(child.cmdline())
        ]
        assert len(children) == 1
    wait_until(lambda: not any(child.is_running() for child in children), timeout_s=10)
