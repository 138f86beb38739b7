"""Crash safety: a writer killed mid-answer loses at most the last 500 ms of text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from backend.chat import ConversationStore
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
