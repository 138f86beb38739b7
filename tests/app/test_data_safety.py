"""The real app in browser mode in bad conditions: a damaged database, SIGTERM while starting."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from backend.chat import ConversationStore
from backend.paths import AppPaths
from tests.server.conftest import FAKE_SERVER
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.real_server


@dataclass
class RunningApp:
    process: subprocess.Popen[str]
    base: str
    token: str

    def call(self, name: str, **params: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.post(f"{self.base}/api/{name}", json=params, headers=headers, timeout=60)

    def stop(self) -> str:
        """SIGTERM, wait, and return what it wrote to stderr."""
        self.process.send_signal(signal.SIGTERM)
        _out, err = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, err
        return err


def _launch(home: Path) -> subprocess.Popen[str]:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    return subprocess.Popen(
        [sys.executable, "-m", "backend", "--browser", "--port", "0"],
        cwd=ROOT,
        env={**os.environ, "LLAMADESK_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def start_app(llamadesk_home: Path, engine_binary: Path) -> Iterator[Callable[[], RunningApp]]:
    started: list[subprocess.Popen[str]] = []

    def start() -> RunningApp:
        process = _launch(llamadesk_home)
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
        if not match:
            process.kill()
            _out, err = process.communicate(timeout=30)
            pytest.fail(f"no URL line, got {line!r}; stderr: {err[-2000:]}")
        return RunningApp(process, match.group(1), match.group(2))

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def test_a_damaged_database_is_recovered_at_start_and_the_user_told(
    start_app: Callable[[], RunningApp], app_paths: AppPaths
) -> None:
    with ConversationStore(app_paths.database) as store:
        kept = [store.create_conversation(f"Trip {n}").id for n in range(5)]
    damaged = bytearray(app_paths.database.read_bytes())
    damaged[:100] = os.urandom(100)
    app_paths.database.write_bytes(damaged)

    app = start_app()
    listed = app.call("list_conversations").json()["result"]
    assert sorted(c["id"] for c in listed) == sorted(kept)
    created = app.call("create_conversation", title="after").json()
    assert created["ok"], created
    err = app.stop()

    (aside,) = app_paths.data_dir.glob("conversations.damaged-*.db")
    assert aside.read_bytes() == bytes(damaged)
    assert "conversation database was damaged" in err
    assert "recovered 5 conversations" in err
    assert str(aside) in err
    assert "Traceback" not in err


@pytest.fixture
def fake_engine(tmp_path: Path) -> Path:
    """A stand-in for llama-server that never becomes ready (``FAKE_MODE`` says how it ends)."""
    path = tmp_path / "fake-llama-server"
    path.write_text(FAKE_SERVER.format(python=sys.executable))
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("mode", ["sleep", "stubborn"])
def test_sigterm_while_the_server_is_starting_exits_within_the_stop_timeout(
    llamadesk_home: Path, fake_engine: Path, mode: str
) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backend",
            "--browser",
            "--set",
            f"engine.server_binary={fake_engine}",
            "--set",
            "engine.stop_timeout_s=2",
        ],
        cwd=ROOT,
        env={**os.environ, "LLAMADESK_HOME": str(llamadesk_home), "FAKE_MODE": mode},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        match = re.search(r"(http://\S+)/\?token=(\S+)", process.stdout.readline())
        assert match, process.stderr.read() if process.stderr else ""
        app = RunningApp(process, match.group(1), match.group(2))

        def starting_pid() -> int | None:
            status = app.call("get_server_status").json()["result"]
            assert status["state"] == "starting", status
            pid: int | None = status["pid"]
            return pid

        server_pid = wait_until(starting_pid, timeout_s=30)
        assert server_pid is not None
        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
        took = time.monotonic() - asked
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert took < 2 + 2, f"exit took {took:.1f} s with a 2 s stop timeout"
    assert not psutil.pid_exists(server_pid) or psutil.Process(server_pid).status() == "zombie"
