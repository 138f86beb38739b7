"""One app per data folder, with real processes: a second launch points at the first and exits."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from backend.app import SingleInstance
from backend.paths import AppPaths

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.real_server
URL = re.compile(r"LlamaDesk is running at (http://127\.0\.0\.1:\d+)/\?token=(\S+)")


def _command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "backend", "--browser", *extra]


@pytest.fixture
def launch(
    llamadesk_home: Path, engine_binary: Path
) -> Iterator[Callable[[], subprocess.Popen[str]]]:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    started: list[subprocess.Popen[str]] = []
    env = {**os.environ, "LLAMADESK_HOME": str(llamadesk_home)}

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            _command(), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    match = URL.search(line)
    assert match, f"no URL line: {line!r}"
    return match.group(0).removeprefix("LlamaDesk is running at ")


def _second(llamadesk_home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(),
        cwd=ROOT,
        env={**os.environ, "LLAMADESK_HOME": str(llamadesk_home)},
        capture_output=True,
        text=True,
        timeout=60,  # today: a second app starts and runs until killed
        check=False,
    )


def test_a_second_launch_prints_where_the_first_runs_and_exits_0(
    launch: Callable[[], subprocess.Popen[str]], llamadesk_home: Path
) -> None:
    first = launch()
    url = _url(first)

    second = _second(llamadesk_home)

    assert second.returncode == 0, second.stderr
    assert second.stdout == f"LlamaDesk is already running at {url}\n"
    base, token = url.split("/?token=")
    answer = httpx.post(
        f"{base}/api/list_conversations", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.json() == {"ok": True, "result": []}, "the first one still serves"
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 0

    third = launch()
    assert _url(third) != url, "with the first gone, a launch starts its own app"


def test_the_lock_dies_with_a_killed_app(
    launch: Callable[[], subprocess.Popen[str]], app_paths: AppPaths
) -> None:
    first = launch()
    _url(first)
    instance = SingleInstance(app_paths)
    assert instance.socket_path.exists()
    first.send_signal(signal.SIGKILL)
    first.wait(30)

    second = launch()

    _url(second)
    assert instance.holder() == second.pid
