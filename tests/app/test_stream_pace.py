"""Browser mode pushes streamed text less often while the model uses every core.

The real app in browser mode with the shared scenario's fake llama-server, because only a fake
streams at a steady, known rate on demand (300 tokens/s here, where SmolLM2's own rate depends on
the machine's load). ``engine.threads`` is set to every CPU of the machine, so the engine shares
all of them with the UI and streamed text goes out every ``behaviour.stream_flush_shared_ms``
(250 ms) instead of every 25 ms: the page gets at most one chunk per 250 ms, about a tenth of
the chunks it would get otherwise. Load from elsewhere can only make chunks fewer and larger.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.app.test_browser_mode import BrowserApp, _wait_ready

ROOT = Path(__file__).resolve().parents[2]
FAKE = ROOT / "tests" / "scenario" / "fake-llama-server"
TOKENS = 300
RATE = 300.0


@pytest.fixture
def shared_app(llamadesk_home: Path, tmp_path: Path) -> Iterator[BrowserApp]:
    reply = tmp_path / "reply.json"
    reply.write_text(json.dumps({"content": [f"w{n} " for n in range(TOKENS)], "rate": RATE}))
    threads = len(os.sched_getaffinity(0))
    command = [sys.executable, "-m", "backend", "--browser", "--port", "0"]
    command += ["--set", f"engine.threads={threads}"]
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


def test_streamed_text_goes_out_every_250_ms_when_the_model_uses_every_core(
    shared_app: BrowserApp,
) -> None:
    app = shared_app
    _wait_ready(app)
    conversation = app.call("create_conversation").json()["result"]
    arrivals: list[float] = []
    text = ""
    url = f"{app.base}/api/events?token={app.token}"
    with httpx.stream("GET", url, timeout=60) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith(": connected")
        started = app.call(
            "send_chat_message_stream", conversation_id=conversation["id"], content="Go on."
        ).json()["result"]
        for line in lines:
            if not line.startswith("data: "):
                continue
            event = json.loads(line.removeprefix("data: "))
            if event.get("stream_id") != started["stream_id"]:
                continue
            if event["type"] == "stream_chunk":
                arrivals.append(time.monotonic())
                text += event["content"]
            elif event["type"] in {"stream_end", "stream_error"}:
                assert event["type"] == "stream_end", event
                ended = time.monotonic()
                break
    assert text == "".join(f"w{n} " for n in range(TOKENS))  # nothing lost by coalescing
    streamed_s = ended - arrivals[0]
    assert streamed_s > 0.5  # the fake really streamed over time (300 tokens at 300/s)
    # The first chunk goes at once, then one per interval at most (+1 for the last one).
    assert len(arrivals) <= streamed_s / 0.25 + 2, (len(arrivals), streamed_s)
