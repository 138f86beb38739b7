"""GUI smoke test: the real app in a subprocess, a real window, a real llama-server.

The app's ``--self-test`` types a question into the chat form the way a person would, waits for
the streamed answer to be complete in the page, takes a screenshot, and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.gui, pytest.mark.real_server]


def test_a_question_typed_in_the_window_gets_a_streamed_answer(
    x_display: str, engine_binary: Path, default_model: Path, tmp_path: Path, llamadesk_home: Path
) -> None:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    env = {
        **os.environ,
        "DISPLAY": x_display,
        "QT_QPA_PLATFORM": "xcb",
        "LLAMADESK_HOME": str(llamadesk_home),
    }
    command = [
        sys.executable,
        "-m",
        "backend",
        "--set",
        "generation.temperature=0",
        "--set",
        "generation.max_tokens=48",
        "--self-test",
        "What is the capital of France?",
        "--self-test-dir",
        str(tmp_path),
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("SELFTEST ")]
    assert lines, f"no self-test report; exit {result.returncode}\n{result.stderr[-4000:]}"
    report = json.loads(lines[-1].removeprefix("SELFTEST "))
    assert report["ok"], report
    assert "paris" in report["answer"].lower()
    assert report["chunks"] > 1
    shot = Path(report["screenshot"])
    assert shot.parent == tmp_path
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
    assert result.returncode == 0


def test_services_that_cannot_start_close_the_open_window_with_one_message(
    x_display: str, llamadesk_home: Path, tmp_path: Path
) -> None:
    # The window opens while the services start; a start that fails (here: the log folder's
    # name is taken by a file) closes it, and the app ends with one clear line, as before.
    llamadesk_home.mkdir()
    (llamadesk_home / "logs").write_text("not a folder\n")
    env = {**os.environ, "DISPLAY": x_display, "LLAMADESK_HOME": str(llamadesk_home)}
    command = [sys.executable, "-m", "backend", "--self-test", "Hi", "--self-test-dir"]
    result = subprocess.run(
        [*command, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: LlamaDesk could not use {llamadesk_home / 'logs'}: File exists."]
    assert "Traceback" not in result.stderr
