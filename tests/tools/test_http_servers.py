"""A real Streamable HTTP MCP server on 127.0.0.1, in a subprocess: headers, refusals, calls."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.contract import ToolServerSpec
from tests.tools.conftest import Watched, free_port

pytestmark = pytest.mark.anyio


def http_spec(url: str, headers: dict[str, str | None]) -> ToolServerSpec:
    return ToolServerSpec(name="remote", transport="http", url=url, headers=headers)


async def test_a_bearer_header_reaches_the_server_and_calls_work(
    watched: Watched, http_server: Callable[[str], str]
) -> None:
    url = http_server("tok-42")
    info = await watched.manager.add(http_spec(url, {"Authorization": "Bearer tok-42"}))
    ready = await watched.state(info.id, "ready", "failed")
    assert (ready.state, ready.header_names, ready.tool_count) == ("ready", ["Authorization"], 8)
    assert (await watched.manager.call(info.id, "add", {"a": 40, "b": 2})).text == "42"
    assert "tok-42" not in watched.manager.servers().model_dump_json()
    assert '"Authorization": ""' in watched.manager.export_json()


async def test_a_refused_token_fails_with_the_http_status(
    watched: Watched, http_server: Callable[[str], str]
) -> None:
    url = http_server("right")
    info = await watched.manager.add(http_spec(url, {"Authorization": "Bearer wrong"}))
    failed = await watched.state(info.id, "failed")
    assert failed.error == "it answered HTTP 401 Unauthorized (check its headers, e.g. the token)"


async def test_nothing_listening_fails_with_a_reason(watched: Watched) -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    info = await watched.manager.add(http_spec(url, {}))
    failed = await watched.state(info.id, "failed")
    assert failed.error
