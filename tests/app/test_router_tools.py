"""Tools through the assembled app in router mode, on the real llama-server router.

llama.cpp #25211 reports tool calls failing behind its router; here the router loads SmolLM2
with the pinned source's Qwen2.5 template (``engine.chat_template_file``, written into the
router's presets), the app offers the test MCP server's tools with a streamed answer, and they
reach the model's prompt: its size grows by the tools' descriptions.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.engine import chat_templates_dir
from backend.paths import AppPaths
from tests.app.test_models import Recorder
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server

MCP_SERVER = Path(__file__).resolve().parents[1] / "tools" / "mcp_server.py"


@pytest.fixture
def router_with_template(app_paths: AppPaths) -> Iterator[AppRuntime]:
    template = chat_templates_dir(app_paths.engine_cache) / "Qwen-Qwen2.5-7B-Instruct.jinja"
    assert template.exists(), "run `python -m backend engine --prepare` to get the chat templates"
    cli = {
        "engine.router_mode": True,
        "engine.context_size": 4096,
        "engine.chat_template_file": str(template),
        "generation.max_tokens": 4,
        "generation.temperature": 0,
        "tools.start_timeout_s": 60,
    }
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli=cli)) as running:
        yield running


def _prompt_size(runtime: AppRuntime, events: Recorder, conversation: str) -> int:
    before = len(events.events)
    started = runtime.api.send_chat_message_stream(
        {"conversation_id": conversation, "content": "2+3?"}
    )
    assert started["ok"], started
    stream_id = started["result"]["stream_id"]
    events.wait_for(
        lambda e: e["type"] in ("stream_end", "stream_error") and e["stream_id"] == stream_id,
        timeout_s=180,
    )
    end = next(
        e
        for e in events.events[before:]
        if e.get("stream_id") == stream_id
        and "message" in e
        and e["type"] in ("stream_end", "stream_error")
    )
    assert end["type"] == "stream_end", end["error"]
    timings = end["message"]["timings"]
    size: int = timings["prompt_n"] + timings["cache_n"]
    return size


def test_router_mode_offers_the_tools_and_they_reach_the_prompt(
    router_with_template: AppRuntime,
) -> None:
    runtime = router_with_template
    events = Recorder()
    runtime.attach(events)
    wait_until(
        lambda: runtime.api.get_server_status({})["result"]["state"] == "ready",
        timeout_s=120,
        interval_s=0.1,
    )
    spec = {
        "name": "test-tools",
        "transport": "stdio",
        "command": sys.executable,
        "args": [str(MCP_SERVER), "stdio"],
    }
    added = runtime.api.add_tool_server({"server": spec})
    assert added["ok"], added
    server_id = added["result"]["id"]
    assert runtime.api.set_tool_rule({"server_id": server_id, "rule": "allow"})["ok"]
    conversation = runtime.api.create_conversation({"title": "Router tools"})["result"]["id"]
    with_tools = _prompt_size(runtime, events, conversation)
    assert not [e for e in events.events if e["type"] == "stream_notice"]
    assert runtime.api.set_tool_server_enabled({"server_id": server_id, "enabled": False})["ok"]
    other = runtime.api.create_conversation({"title": "Router, no tools"})["result"]["id"]
    without = _prompt_size(runtime, events, other)
    assert with_tools > without + 200, (with_tools, without)
