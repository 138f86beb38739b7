"""A tool round end to end in browser mode: the real app process, HTTP commands, SSE events, the
shared scenario's fake llama-server making the call on demand, and the test MCP server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.test_browser_mode import BrowserApp, _wait_ready

ROOT = Path(__file__).resolve().parents[2]
FAKE = ROOT / "tests" / "scenario" / "fake-llama-server"
MCP_SERVER = ROOT / "tests" / "tools" / "mcp_server.py"


@pytest.fixture
def tools_app(llamadesk_home: Path, tmp_path: Path) -> Iterator[BrowserApp]:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    reply = tmp_path / "reply.json"
    reply.write_text(json.dumps({"content": ["It ", "is ", "5."], "supports_tools": True}))
    command = [sys.executable, "-m", "backend", "--browser", "--port", "0"]
    env = {
        **os.environ,
        "LLAMADESK_HOME": str(llamadesk_home),
        "LLAMADESK_SERVER_BIN": str(FAKE),
        "LLAMADESK_FAKE_REPLY": str(reply),
    }
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", process.stdout.readline())
    assert match, "no URL line"
    yield BrowserApp(process, match.group(1), match.group(2))
    if process.poll() is None:
        process.terminate()
        process.wait(30)
    process.stdout.close()


def test_a_call_waits_for_approval_over_http_then_the_answer_goes_on(tools_app: BrowserApp) -> None:
    app = tools_app
    _wait_ready(app)
    spec = {
        "name": "test-tools",
        "transport": "stdio",
        "command": sys.executable,
        "args": [str(MCP_SERVER), "stdio"],
    }
    assert app.call("add_tool_server", server=spec).json()["ok"]
    conversation = app.call("create_conversation").json()["result"]
    events: list[dict[str, Any]] = []
    url = f"{app.base}/api/events?token={app.token}"
    with httpx.stream("GET", url, timeout=120) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith(": connected")
        started = app.call(
            "send_chat_message_stream",
            conversation_id=conversation["id"],
            content='Add them: [[tool:add {"a": 2, "b": 3}]]',
        ).json()["result"]
        for line in lines:
            if not line.startswith("data: "):
                continue
            event = json.loads(line.removeprefix("data: "))
            if event.get("stream_id") != started["stream_id"]:
                continue
            events.append(event)
            if event["type"] == "tool_call" and event["call"]["state"] == "awaiting_approval":
                answered = app.call(
                    "answer_tool_call",
                    message_id=event["message_id"],
                    call_id=event["call"]["id"],
                    decision="once",
                ).json()
                assert answered["ok"], answered
                assert answered["result"]["state"] == "running"
            if event["type"] in {"stream_end", "stream_error"}:
                break
    kinds = [e["type"] for e in events]
    states = [e["call"]["state"] for e in events if e["type"] == "tool_call"]
    assert states == ["pending", "awaiting_approval", "running", "done"]
    assert kinds.count("stream_round") == 1
    assert kinds[-1] == "stream_end", events[-1]
    (call,) = next(e for e in events if e["type"] == "stream_round")["message"]["tool_calls"]
    assert (call["tool"], call["arguments"], call["result"]) == ("add", '{"a": 2, "b": 3}', "5")
    assert events[-1]["message"]["content"] == "It is 5."
    shown = app.call("get_conversation", conversation_id=conversation["id"]).json()["result"]
    assert [m["role"] for m in shown["messages"]] == ["user", "assistant", "assistant"]
    assert shown["messages"][1]["tool_calls"][0]["state"] == "done"
