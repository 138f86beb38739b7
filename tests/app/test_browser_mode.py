"""Browser mode end to end: a real app process and llama-server, HTTP commands, SSE events."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.real_server


@dataclass
class BrowserApp:
    process: subprocess.Popen[str]
    base: str
    token: str

    def call(self, name: str, **params: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.post(f"{self.base}/api/{name}", json=params, headers=headers, timeout=60)


@pytest.fixture
def browser_app(
    llamadesk_home: Path, engine_binary: Path, default_model: Path
) -> Iterator[BrowserApp]:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    command = [
        sys.executable,
        "-m",
        "backend",
        "--browser",
        "--port",
        "0",
        "--set",
        "generation.max_tokens=12",
        "--set",
        "generation.temperature=0",
    ]
    env = {**os.environ, "LLAMADESK_HOME": str(llamadesk_home)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
    assert match, f"no URL line, got {line!r}"
    app = BrowserApp(process, match.group(1), match.group(2))
    yield app
    if process.poll() is None:
        process.kill()
        process.wait()
    process.stdout.close()


def _status(app: BrowserApp) -> dict[str, Any]:
    status: dict[str, Any] = app.call("get_server_status").json()["result"]
    return status


def _ready_pid(app: BrowserApp) -> int | None:
    status = _status(app)
    return int(status["pid"]) if status["state"] == "ready" else None


def _wait_ready(app: BrowserApp) -> int:
    return wait_until(
        lambda: _ready_pid(app),
        timeout_s=60,
        interval_s=0.1,
        message=lambda: f"server not ready: {_status(app)}",
    )


def test_a_streamed_answer_over_http_and_sse_then_a_clean_exit(browser_app: BrowserApp) -> None:
    server_pid = _wait_ready(browser_app)
    assert "<html" in httpx.get(browser_app.base + "/").text.lower()
    conversation = browser_app.call("create_conversation").json()["result"]
    events: list[dict[str, object]] = []
    url = f"{browser_app.base}/api/events?token={browser_app.token}"
    with httpx.stream("GET", url, timeout=60) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith(": connected")
        started = browser_app.call(
            "send_chat_message_stream",
            conversation_id=conversation["id"],
            content="What is the capital of France?",
        ).json()["result"]
        for line in lines:
            if not line.startswith("data: "):
                continue
            event = json.loads(line.removeprefix("data: "))
            if event.get("stream_id") == started["stream_id"]:
                events.append(event)
                if event["type"] in {"stream_end", "stream_error"}:
                    break
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "stream_end", events[-1]
    text = "".join(str(e["content"]) for e in events if e["type"] == "stream_chunk")
    final = events[-1]["message"]
    assert isinstance(final, dict)
    assert text
    assert final["content"] == text

    refused = httpx.post(f"{browser_app.base}/api/list_conversations", json={})
    assert refused.status_code == 401

    browser_app.process.send_signal(signal.SIGTERM)
    assert browser_app.process.wait(30) == 0
    wait_until(
        lambda: not psutil.pid_exists(server_pid),
        interval_s=0.05,
        message="llama-server outlived the app",
    )


def test_hostile_requests_get_the_typed_envelope_from_the_real_server(
    browser_app: BrowserApp,
) -> None:
    """Through uvicorn itself: every refusal is JSON with a code, and the app keeps answering."""
    auth = {"Authorization": f"Bearer {browser_app.token}"}
    api = f"{browser_app.base}/api"
    deep = b'{"data": ' + b"[" * 1_000 + b"]" * 1_000 + b"}"
    cases: list[tuple[httpx.Response, int]] = [
        (httpx.post(f"{api}/import_conversations", content=deep, headers=auth), 400),
        (
            httpx.post(
                f"{api}/search_conversations",
                content='{"query": "é"}'.encode("utf-16"),
                headers=auth,
            ),
            400,
        ),
        (
            httpx.post(
                f"{api}/list_conversations", headers={b"Authorization": "Bearer é".encode()}
            ),
            401,
        ),
        (httpx.post(f"{api}/list%2fconversations", json={}, headers=auth), 404),
        (httpx.get(f"{api}/list_conversations", headers=auth), 405),
        (httpx.get(f"{browser_app.base}/missing.js"), 404),
        (
            httpx.post(
                f"{api}/list_conversations", json={}, headers={**auth, "Host": "evil.example"}
            ),
            403,
        ),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert set(response.json()["error"]) == {"code", "message", "detail", "fields"}
    assert browser_app.call("list_conversations").json() == {"ok": True, "result": []}
    page = browser_app.call("list_conversations", offset=0, limit=50)
    assert page.json() == {"ok": True, "result": []}
    empty_page = browser_app.call("list_conversations", limit=0)
    assert empty_page.status_code == 400
    assert empty_page.json()["error"]["fields"][0]["field"] == "limit"
    loose = browser_app.call("save_config", config={"engine": {"router_mode": "yes"}})
    assert loose.status_code == 400
    assert loose.json()["error"]["code"] == "config_invalid"
    view = browser_app.call("get_config").json()["result"]
    assert view["values"]["engine"]["router_mode"] is False
    pinned = browser_app.call("pin_conversation", conversation_id="c1", pinned="true")
    assert pinned.json()["error"]["fields"][0]["field"] == "pinned"
