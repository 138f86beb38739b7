"""Real stdio MCP servers through the manager: start, tools, calls, and every fault we know."""

from __future__ import annotations

import json
from pathlib import Path

import psutil
import pytest

from backend.config import ToolsSettings
from backend.errors import Conflict, ToolError
from backend.tools import ServerStore, ToolManager
from tests.tools.conftest import Watched, stdio_spec

pytestmark = pytest.mark.anyio

TOOLS = {"add", "echo_env", "big", "crash", "sleep", "log", "noop", "garbage"}


async def test_a_server_starts_when_added_and_answers_calls(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec())
    assert info.state == "starting"
    ready = await watched.state(info.id, "ready", "failed")
    assert (ready.state, ready.error, ready.tool_count) == ("ready", None, len(TOOLS))
    tools = await watched.manager.tools(info.id)
    assert {tool.name for tool in tools} == TOOLS
    add = next(tool for tool in tools if tool.name == "add")
    assert add.input_schema["required"] == ["a", "b"]
    assert add.rule == "ask"
    outcome = await watched.manager.call(info.id, "add", {"a": 2, "b": 3})
    assert (outcome.text, outcome.is_error) == ("5", False)
    assert [s.servers[0].state for s in watched.events][:1] == ["starting"]


async def test_a_disabled_server_never_starts_and_enabling_starts_it(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec(enabled=False))
    assert info.state == "stopped"
    with pytest.raises(Conflict, match="disabled"):
        await watched.manager.call(info.id, "add", {"a": 1, "b": 1})
    await watched.manager.set_enabled(info.id, True)
    assert (await watched.state(info.id, "ready", "failed")).state == "ready"
    await watched.manager.set_enabled(info.id, False)
    assert watched.manager.server(info.id).state == "stopped"


async def test_an_enabled_server_starts_lazily_on_first_use(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec(enabled=False))
    await watched.manager.set_enabled(info.id, False)
    store_only = watched.manager.server(info.id)
    assert store_only.state == "stopped"
    await watched.manager.set_enabled(info.id, True)
    await watched.state(info.id, "ready")
    await watched.manager.restart(info.id)
    outcome = await watched.manager.call(info.id, "add", {"a": 1, "b": 1})
    assert outcome.text == "2"


async def test_a_missing_command_fails_with_the_reason(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec(command="/nonexistent/mcp-server"))
    failed = await watched.state(info.id, "failed")
    assert "Could not start '/nonexistent/mcp-server'" in (failed.error or "")
    with pytest.raises(ToolError, match="not available"):
        await watched.manager.tools(info.id)


async def test_a_server_that_exits_at_start_shows_its_code_and_stderr(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec("fail"))
    failed = await watched.state(info.id, "failed")
    assert failed.error is not None
    assert "cannot start: the database is missing" in failed.stderr_tail


async def test_a_handshake_that_never_ends_times_out(
    watched: Watched, limits: dict[str, float]
) -> None:
    limits["start_timeout_s"] = 2.0
    info = await watched.manager.add(stdio_spec("hang"))
    failed = await watched.state(info.id, "failed")
    assert failed.error == "it did not finish starting within 2 s"


async def test_a_crash_mid_call_is_reported_and_the_next_use_restarts_it(
    watched: Watched,
) -> None:
    info = await watched.manager.add(stdio_spec())
    await watched.state(info.id, "ready")
    with pytest.raises(ToolError, match="stopped during the call of crash: it exited with code 7"):
        await watched.manager.call(info.id, "crash", {})
    failed = watched.manager.server(info.id)
    assert failed.state == "failed"
    assert "crashing on purpose" in failed.stderr_tail
    outcome = await watched.manager.call(info.id, "add", {"a": 20, "b": 22})
    assert outcome.text == "42"
    assert watched.manager.server(info.id).state == "ready"


async def test_a_50_mb_result_is_cut_with_a_note(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec())
    outcome = await watched.manager.call(info.id, "big", {"megabytes": 50})
    assert outcome.full_chars == 50 * 1024 * 1024
    assert outcome.text.startswith("x" * 1000 + "\n[truncated: the result was 52,428,800")
    assert len(outcome.text) < 1200


async def test_stray_output_on_stdout_is_ignored_with_a_warning(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec("banner"))
    outcome = await watched.manager.call(info.id, "add", {"a": 1, "b": 1})
    assert outcome.text == "2"
    info = await watched.until(info.id, lambda info: info.warning is not None)
    assert info.state == "ready"
    assert "2 line(s) to stdout that are not MCP messages" in (info.warning or "")


async def test_a_slow_call_times_out_and_the_server_stays_usable(
    watched: Watched, limits: dict[str, float]
) -> None:
    limits["call_timeout_s"] = 1.0
    info = await watched.manager.add(stdio_spec())
    await watched.state(info.id, "ready")
    with pytest.raises(ToolError, match="sleep on test-stdio did not answer within 1 s"):
        await watched.manager.call(info.id, "sleep", {"seconds": 30})
    assert (await watched.manager.call(info.id, "add", {"a": 1, "b": 2})).text == "3"


async def test_a_tool_error_comes_back_as_an_error_result(watched: Watched) -> None:
    info = await watched.manager.add(stdio_spec())
    outcome = await watched.manager.call(info.id, "add", {"a": "x"})
    assert outcome.is_error
    unknown = await watched.manager.call(info.id, "nope", {})
    assert unknown.is_error
    assert "nope" in unknown.text


async def test_secrets_reach_the_server_but_never_the_page_file_or_export(
    watched: Watched, tmp_path: Path
) -> None:
    secret = "s3cret-value-123"
    info = await watched.manager.add(stdio_spec(env={"API_TOKEN": secret}))
    assert info.env_names == ["API_TOKEN"]
    assert (await watched.manager.call(info.id, "echo_env", {"name": "API_TOKEN"})).text == secret
    await watched.manager.call(info.id, "log", {"text": f"token is {secret}"})
    tail = watched.manager.server(info.id).stderr_tail
    assert "token is •••" in tail
    page = (
        json.dumps([s.model_dump() for s in watched.events])
        + watched.manager.servers().model_dump_json()
    )
    assert secret not in page
    export = json.loads(watched.manager.export_json())
    assert export["mcpServers"]["test-stdio"]["env"] == {"API_TOKEN": ""}
    assert secret not in (tmp_path / "tools.json").read_text()
    assert secret in (tmp_path / "tool-secrets.json").read_text()


async def test_an_update_keeps_null_secrets_and_restarts_on_the_new_set_up(
    watched: Watched,
) -> None:
    info = await watched.manager.add(stdio_spec(env={"A": "one", "B": "two"}))
    await watched.state(info.id, "ready")
    spec = stdio_spec(name="renamed", env={"A": None, "C": "three"})
    updated = await watched.manager.update(info.id, spec)
    assert (updated.id, updated.name, updated.env_names) == (info.id, "renamed", ["A", "C"])
    await watched.state(info.id, "ready")
    values = [
        (await watched.manager.call(info.id, "echo_env", {"name": name})).text
        for name in ("A", "B", "C")
    ]
    assert values == ["one", "", "three"]


@pytest.mark.parametrize("mode", ["stdio", "stubborn"])
async def test_closing_the_manager_stops_every_server_process(
    store: ServerStore, limits: dict[str, float], mode: str
) -> None:
    manager = ToolManager(store, lambda: ToolsSettings.model_validate(limits), lambda _s: None)
    async with manager:
        info = await manager.add(stdio_spec(mode))
        await manager.tools(info.id)
        children = [
            child
            for child in psutil.Process().children()
            if "mcp_server.py" in " ".join(child.cmdline())
        ]
        assert len(children) == 1
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert (len(gone), alive) == (1, [])
