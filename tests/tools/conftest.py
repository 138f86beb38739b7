"""Fixtures for the tool tests: real MCP servers (``mcp_server.py``) and a manager around them."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from backend.config import ToolsSettings
from backend.contract import ToolServerInfo, ToolServers, ToolServerSpec
from backend.secrets import SecretStore
from backend.tools import ServerStore, ToolManager
from tests.waiting import wait_until

SERVER_SCRIPT = Path(__file__).with_name("mcp_server.py")
# A server is a Python process importing the SDK: seconds to start on a busy 2-core machine.
START_TIMEOUT_S = 60.0


def stdio_spec(mode: str = "stdio", **changes: Any) -> ToolServerSpec:
    """A spec running ``mcp_server.py MODE`` with this interpreter."""
    base: dict[str, Any] = {
        "name": f"test-{mode}",
        "transport": "stdio",
        "command": sys.executable,
        "args": [str(SERVER_SCRIPT), mode],
    }
    return ToolServerSpec.model_validate({**base, **changes})


class Watched:
    """A manager and the server lists it reported, with a way to wait for a state."""

    def __init__(self, manager: ToolManager, events: list[ToolServers]) -> None:
        self.manager = manager
        self.events = events
        self._changed = anyio.Event()

    def notify(self, servers: ToolServers) -> None:
        self.events.append(servers)
        self._changed.set()

    async def state(self, server_id: str, *states: str, timeout_s: float = START_TIMEOUT_S) -> Any:
        """Wait until the server is in one of ``states``; return its info."""
        return await self.until(server_id, lambda info: info.state in states, timeout_s)

    async def until(
        self,
        server_id: str,
        predicate: Callable[[ToolServerInfo], bool],
        timeout_s: float = START_TIMEOUT_S,
    ) -> ToolServerInfo:
        """Wait until the server's info satisfies ``predicate`` (checked at each change)."""
        with anyio.fail_after(timeout_s):
            while True:
                info = self.manager.server(server_id)
                if predicate(info):
                    return info
                self._changed = anyio.Event()
                await self._changed.wait()


@pytest.fixture
def store(tmp_path: Path) -> ServerStore:
    """A server store in the test's folder; secrets in a file (there is no keyring in CI)."""
    secrets = SecretStore(tmp_path / "tool-secrets.json", "llamadesk-test", use_keyring=False)
    return ServerStore(tmp_path / "tools.json", secrets)


@pytest.fixture
def limits() -> dict[str, float]:
    """The manager's limits; a test may change them before it opens the manager."""
    return {"start_timeout_s": START_TIMEOUT_S, "call_timeout_s": 30.0, "result_max_chars": 1000}


@pytest.fixture
async def watched(store: ServerStore, limits: dict[str, float]) -> AsyncIterator[Watched]:
    """An open manager over ``store``; closed (every server stopped) after the test."""
    events: list[ToolServers] = []
    holder: list[Watched] = []

    def notify(servers: ToolServers) -> None:
        holder[0].notify(servers)

    manager = ToolManager(store, lambda: ToolsSettings.model_validate(limits), notify)
    holder.append(Watched(manager, events))
    async with manager:
        yield holder[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def http_server() -> Iterator[Callable[[str], str]]:
    """Start ``mcp_server.py http`` with a token; returns its URL once it accepts connections."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(token: str) -> str:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), "http", str(port)],
            env={"PATH": "/usr/bin:/bin", "TEST_TOKEN": token},
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)

        def accepting() -> bool:
            assert process.poll() is None, "the HTTP MCP server exited"
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_until(accepting, timeout_s=START_TIMEOUT_S, interval_s=0.1)
        return f"http://127.0.0.1:{port}/mcp"

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)
