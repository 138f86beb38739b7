"""No orphan ever: the app dies by SIGKILL, a second instance shares the home."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from backend.paths import AppPaths
from tests.waiting import wait_until

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

REPO = Path(__file__).resolve().parents[2]

APP = """
import json, sys
import anyio
from backend.config import EngineSettings, Settings
from backend.paths import AppPaths
from backend.server import ServerMonitor

async def main() -> None:
    engine = EngineSettings(server_binary=sys.argv[1], model=sys.argv[2], context_size=1024,
                            parallel_slots=1, health_interval_s=0.2)
    settings = Settings(engine=engine)
    async with ServerMonitor(paths=AppPaths.from_env(), settings=lambda: settings,
                             sink=lambda event: None) as monitor:
        status = await monitor.start()
        print(json.dumps({"pid": status.pid, "port": status.port}), flush=True)
        await anyio.sleep_forever()

anyio.run(main)
"""


class App:
    """An app-like process that starts a monitor and its server, then waits to be killed."""

    def __init__(self, process: subprocess.Popen[str], server_pid: int) -> None:
        self.process = process
        self.server_pid = server_pid


@pytest.fixture
def launch_app(engine_binary: Path, default_model: Path) -> Iterator[Any]:
    apps: list[App] = []

    def launch() -> App:
        process = subprocess.Popen(
            [sys.executable, "-c", APP, str(engine_binary), str(default_model)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, f"the app exited with {process.wait()}"
        app = App(process, json.loads(line)["pid"])
        apps.append(app)
        return app

    yield launch
    for app in apps:
        app.process.kill()
        app.process.wait()
        assert app.process.stdout is not None
        app.process.stdout.close()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pid: int, timeout_s: float) -> float:
    started = time.monotonic()
    wait_until(lambda: _gone(pid), timeout_s=timeout_s, message=f"server {pid} outlived its app")
    return time.monotonic() - started


async def test_sigkill_of_the_app_takes_the_server_down_and_leaves_no_stale_pid_file(
    launch_app: Any, make_monitor: Any, app_paths: AppPaths
) -> None:
    app = launch_app()
    assert psutil.Process(app.server_pid).ppid() == app.process.pid
    assert len(list(app_paths.run_dir.glob("llama-server-*.json"))) == 1
    app.process.send_signal(signal.SIGKILL)
    assert _wait_gone(app.server_pid, 2.0) < 2.0
    async with make_monitor() as (monitor, _):
        assert not list(app_paths.run_dir.glob("llama-server-*.json"))
        assert any(
            f"Removed the stale pid file of llama-server pid {app.server_pid}" in line
            for line in monitor.logs(20)
        )


async def test_a_second_instance_leaves_the_first_ones_server_alone(
    launch_app: Any, make_monitor: Any, real_engine: dict[str, Any], app_paths: AppPaths
) -> None:
    first = launch_app()
    async with make_monitor(**real_engine) as (monitor, _):
        mine = await monitor.start()
        assert mine.pid != first.server_pid
        assert not _gone(first.server_pid)
        assert len(list(app_paths.run_dir.glob("llama-server-*.json"))) == 2
        await monitor.stop()
    assert not _gone(first.server_pid)
    assert len(list(app_paths.run_dir.glob("llama-server-*.json"))) == 1
    first.process.send_signal(signal.SIGTERM)
    _wait_gone(first.server_pid, 2.0)
