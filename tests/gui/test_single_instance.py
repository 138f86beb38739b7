"""A second launch on the data folder of an open window brings that window to the front."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from backend.app import SingleInstance, knock
from backend.errors import Conflict
from backend.paths import AppPaths
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.gui, pytest.mark.real_server]


def _reply(paths: AppPaths) -> str | None:
    try:
        return knock(SingleInstance(paths), timeout_s=0.5)
    except Conflict:
        return None  # not listening yet


def test_a_second_launch_brings_the_window_forward_and_exits_0(
    x_display: str, engine_binary: Path, app_paths: AppPaths, llamadesk_home: Path
) -> None:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    env = {
        **os.environ,
        "DISPLAY": x_display,
        "QT_QPA_PLATFORM": "xcb",
        "LLAMADESK_HOME": str(llamadesk_home),
    }
    first = subprocess.Popen(
        [sys.executable, "-m", "backend"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: _reply(app_paths) == "window", timeout_s=120, interval_s=0.2)
        second = subprocess.run(
            [sys.executable, "-m", "backend"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert second.returncode == 0, second.stderr
    assert second.stdout == (
        "LlamaDesk is already running on this data folder; its window is in front now.\n"
    )
    assert "bringing the window to the front" in out
    assert first.returncode == 0, err[-3000:]
