"""The worker this machine runs: supervised like the server, and ``python -m backend worker``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import psutil
import pytest

from backend.rpc import LocalWorker, network_warning, probe_worker, still_listening, worker_line
from tests.conftest import free_port
from tests.waiting import wait_until, wait_until_async

pytestmark = pytest.mark.real_server

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.anyio
async def test_the_local_worker_is_restarted_after_a_crash_and_stopped_with_supervision(
    engine_binary: Path, worker_binary: Path, tmp_path: Path
) -> None:
    port = free_port()
    address = f"127.0.0.1:{port}"
    env = {**os.environ, "LLAMA_CACHE": str(tmp_path / "cache")}
    worker = LocalWorker(lambda: worker_binary, env, tmp_path / "rpc-worker.log")
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(worker.run, "127.0.0.1", port)
        await wait_until_async(lambda: worker.state == "running", timeout_s=30)
        check = await anyio.to_thread.run_sync(probe_worker, engine_binary, address, 5.0, env)
        assert check.state == "reachable", check.error
        (child,) = [p for p in psutil.Process().children() if p.name() == "ggml-rpc-server"]
        child.kill()
        await wait_until_async(lambda: worker.state == "restarting", timeout_s=10)
        assert "exited (-9)" in (worker.error or "")
        await wait_until_async(lambda: worker.state == "running", timeout_s=30)
        (again,) = [p for p in psutil.Process().children() if p.name() == "ggml-rpc-server"]
        assert again.pid != child.pid
        assert "--cache" in again.cmdline()  # its tensor cache is on
        worker.cancel()
    assert worker.state == "off"
    assert not again.is_running()
    assert still_listening(address, 1.0) is not None
    assert "Accepted client connection" in (tmp_path / "rpc-worker.log").read_text()


def test_a_worker_on_a_network_address_is_warned_about() -> None:
    assert network_warning("127.0.0.1") is None
    assert network_warning("::1") is None
    warning = network_warning("192.168.1.20")
    assert warning is not None
    assert "no authentication" in warning
    assert worker_line("192.168.1.20", 50052) == "192.168.1.20:50052"
    assert worker_line("::1", 50052) == "[::1]:50052"
    assert not worker_line("0.0.0.0", 50052).startswith("0.0.0.0")


def test_the_worker_command_prints_what_to_paste_and_stops_on_ctrl_c(
    engine_binary: Path, llamadesk_home: Path
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "backend", "worker", "--port", str(port), "--threads", "1"]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        assert "Settings → Engine → RPC workers" in lines[0]
        assert lines[1].strip() == f"127.0.0.1:{port}"
        wait_until(lambda: still_listening(f"127.0.0.1:{port}", 1.0) is None, timeout_s=30)
        check = probe_worker(engine_binary, f"127.0.0.1:{port}", 5.0, os.environ)
        assert check.state == "reachable", check.error
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert process.returncode == 130
    assert still_listening(f"127.0.0.1:{port}", 1.0) is not None  # the worker went with it
