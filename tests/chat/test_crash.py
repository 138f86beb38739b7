"""Crash safety: a writer, or the whole app, killed mid-answer loses at most 500 ms of text."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from backend.chat import ConversationStore
from backend.paths import AppPaths
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).with_name("crash_writer.py")


def test_a_killed_writer_loses_at_most_500_ms(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    seen: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append((time.monotonic(), line.strip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:  # ~1.5 s of streaming at 200 tokens/s
        wait_until(
            lambda: len(seen) >= 300,
            timeout_s=30,
            interval_s=0.01,
            message="the writer did not stream",
        )
    finally:
        killed_at = time.monotonic()
        process.send_signal(signal.SIGKILL)
    process.wait(10)
    reader.join(5)
    assert process.stdout is not None
    process.stdout.close()
    assert len(seen) >= 300, "the writer did not stream"
    kind, message_id = seen[0][1].split()
    assert kind == "message"
    pieces = [piece for _, piece in seen[1:]]
    promised = [piece for at, piece in seen[1:] if at <= killed_at - 0.5]

    with ConversationStore(db) as store:
        assert store.recovered == 1
        message = store.get_message(message_id)
    assert message.status == "cancelled"
    stored = message.content.split()
    assert stored == pieces[: len(stored)], "the stored text is not what was streamed"
    assert len(stored) >= len(promised), f"lost more than 500 ms: {len(stored)} < {len(promised)}"


def test_a_killed_app_keeps_its_streamed_answer_but_the_last_500_ms(
    llamadesk_home: Path, engine_binary: Path, default_model: Path
) -> None:
    """The whole app (browser mode, real llama-server, SSE) SIGKILLed while it streams."""
    command = [sys.executable, "-m", "backend", "--browser"]
    command += ["--set", "generation.max_tokens=3000", "--set", "generation.temperature=0"]
    app = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, "LLAMADESK_HOME": str(llamadesk_home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert app.stdout is not None
        match = re.search(r"(http://\S+)/\?token=(\S+)", app.stdout.readline())
        assert match, "the app did not start"
        base, token = match.groups()
        headers = {"Authorization": f"Bearer {token}"}

        def call(command: str, **params: object) -> dict[str, Any]:
            answer = httpx.post(f"{base}/api/{command}", json=params, headers=headers, timeout=60)
            result: dict[str, Any] = answer.json()["result"]
            return result

        wait_until(lambda: call("get_server_status")["state"] == "ready", timeout_s=60)
        conversation = call("create_conversation")["id"]
        seen: list[tuple[float, str]] = []
        with httpx.stream("GET", f"{base}/api/events?token={token}", timeout=60) as events:
            lines = events.iter_lines()
            next(lines)  # ": connected"
            started = call(
                "send_chat_message_stream",
                conversation_id=conversation,
                content="Write a long story about a llama who travels the world.",
            )
            for line in lines:
                event = json.loads(line.removeprefix("data: ")) if line.startswith("data:") else {}
                if event.get("stream_id") != started["stream_id"]:
                    continue
                if event["type"] == "stream_progress":
                    continue  # the prompt being read, before the first token
                assert event["type"] == "stream_chunk", f"the answer ended early: {event}"
                seen.append((time.monotonic(), event["content"]))
                if seen[-1][0] - seen[0][0] >= 1.5 and sum(len(t) for _, t in seen) >= 100:
                    break  # a second and a half of streaming, and enough text to measure
            killed_at = time.monotonic()
            app.send_signal(signal.SIGKILL)
            app.wait(10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        if app.stdout is not None:
            app.stdout.close()
    streamed = "".join(text for _, text in seen)
    promised = "".join(text for at, text in seen if at <= killed_at - 0.5)

    with ConversationStore(AppPaths.from_env().database) as store:
        message = store.get_message(started["assistant_message"]["id"])
    assert message.status == "cancelled"
    assert streamed.startswith(message.content), "the stored text is not what was streamed"
    assert len(message.content) >= len(promised), (
        f"lost more than 500 ms: kept {len(message.content)} of {len(streamed)} characters, "
        f"{len(promised)} had streamed by 500 ms before the kill"
    )
