"""The monitor with the real llama-server and SmolLM2: start, crash, hang, stop, endpoint."""

from __future__ import annotations

import os
import select
import signal
import socket
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import psutil
import pytest

from backend.errors import ModelError, ServerError, ServerUnavailable
from backend.llama import Endpoint
from backend.paths import AppPaths
from tests.conftest import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]


async def _ask(
    endpoint: Endpoint, prompt: str = "What is the capital of France?", max_tokens: int = 8
) -> str:
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(
            endpoint.url("/v1/chat/completions"),
            headers={"Authorization": f"Bearer {endpoint.api_key}"},
            json={
                "messages": [{"role": "user", "content": prompt}],
                "max_tokens": max_tokens,
                "temperature": 0,
                "ignore_eos": True,
            },
            timeout=60,
        )
    response.raise_for_status()
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


def _children() -> list[psutil.Process]:
    return psutil.Process().children(recursive=True)


async def test_start_serves_requests_with_a_secret_key(
    make_monitor: Any, real_engine: dict[str, Any], app_paths: AppPaths
) -> None:
    async with make_monitor(**real_engine) as (monitor, recorder):
        status = await monitor.start()
        assert status.state == "ready"
        assert status.model == real_engine["model"].name
        assert status.pid is not None
        assert status.port is not None
        assert status.uptime_s is not None
        assert recorder.states == ["starting", "ready"]
        endpoint = await monitor.endpoint()
        assert endpoint.base_url == f"http://127.0.0.1:{status.port}"
        assert endpoint.generation == 1
        assert endpoint.model_path == str(real_engine["model"])
        assert await _ask(endpoint)
        server = psutil.Process(status.pid)
        assert endpoint.api_key is not None
        assert not any(endpoint.api_key in arg for arg in server.cmdline())
        assert server.environ()["LLAMA_API_KEY"] == endpoint.api_key
        assert server.environ()["LLAMA_ARG_FIT"] == "off"
        assert "glibc.malloc.hugetlb=1" in server.environ()["GLIBC_TUNABLES"].split(":")
        assert str(app_paths.slot_dir) in server.cmdline()
        async with httpx.AsyncClient(trust_env=False) as client:
            unauthorised = await client.get(endpoint.url("/v1/models"))
        assert unauthorised.status_code == 401
        assert list(app_paths.run_dir.glob("llama-server-*.json"))
        assert any("ready on port" in line for line in monitor.logs(50))
        assert any("model loaded" in line for line in monitor.logs(200))
        assert (app_paths.log_dir / "llama-server.log").read_text().count("model loaded") == 1
        stopped = await monitor.stop()
    assert stopped.state == "stopped"
    assert stopped.pid is None
    assert recorder.states == ["starting", "ready", "stopped"]
    assert not psutil.pid_exists(status.pid)
    assert not list(app_paths.run_dir.glob("llama-server-*.json"))


async def test_kill_9_comes_back_ready_and_answers(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(**real_engine) as (monitor, recorder):
        first = await monitor.start()
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        await recorder.wait_for("crashed", timeout_s=5)
        endpoint = await monitor.endpoint()  # waits for the restart
        assert endpoint.generation == 2
        recovery_s = time.monotonic() - killed_at
        assert await _ask(endpoint)
        status = monitor.status()
        assert status.state == "ready"
        assert status.restarts == 1
        assert status.pid != first.pid
        assert status.last_error == "llama-server was killed by SIGKILL (Killed)."
        assert "OOM killer" in (status.hint or "")
        assert recorder.states == [
            "starting",
            "ready",
            "crashed",
            "restarting",
            "starting",
            "ready",
        ]
        crashed = next(e.status for e in recorder.events if e.status.state == "crashed")
        assert crashed.last_error == status.last_error
    assert recovery_s < 5


async def test_sigstop_is_detected_as_a_hang_and_restarted(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(**real_engine) as (monitor, recorder):
        first = await monitor.start()
        assert first.pid is not None
        os.kill(first.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        crashed = await recorder.wait_for("crashed", timeout_s=10)
        detected_s = time.monotonic() - stopped_at
        await recorder.wait_for("ready", after=crashed, timeout_s=20)
        status = monitor.status()
        assert "stopped answering (3 health checks in a row failed)" in (status.last_error or "")
        assert status.pid != first.pid
        assert not psutil.pid_exists(first.pid)
        assert recorder.states == [
            "starting",
            "ready",
            "unhealthy",
            "crashed",
            "restarting",
            "starting",
            "ready",
        ]
        assert await _ask(await monitor.endpoint())
    # 3 failed checks of 0.3 s, 0.1 s apart, plus the check in flight.
    assert detected_s < 3


async def test_a_brief_stall_is_unhealthy_then_ready_again(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(hang_after_failures=100, **real_engine) as (monitor, recorder):
        status = await monitor.start()
        assert status.pid is not None
        os.kill(status.pid, signal.SIGSTOP)
        unhealthy = await recorder.wait_for("unhealthy", timeout_s=5)
        os.kill(status.pid, signal.SIGCONT)
        await recorder.wait_for("ready", after=unhealthy, timeout_s=5)
        assert monitor.status().pid == status.pid
        assert monitor.status().restarts == 0
        assert (await monitor.endpoint()).generation == 1
    assert recorder.states == ["starting", "ready", "unhealthy", "ready", "stopped"]


async def test_a_stalled_answer_has_the_server_checked_at_once(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(health_interval_s=60, **real_engine) as (monitor, recorder):
        status = await monitor.start()
        assert status.pid is not None
        os.kill(status.pid, signal.SIGSTOP)
        try:
            asked_at = time.monotonic()
            monitor.check_soon()
            await recorder.wait_for("unhealthy", timeout_s=5)
            found_s = time.monotonic() - asked_at
        finally:
            os.kill(status.pid, signal.SIGCONT)
        assert any("an answer stalled" in line for line in monitor.logs(50))
    # One check of 0.3 s, instead of the next one due in 60 s.
    assert found_s < 2


async def test_restart_launches_a_new_generation(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(**real_engine) as (monitor, recorder):
        first = await monitor.start()
        restarted = await monitor.restart()
        assert restarted.state == "ready"
        assert restarted.pid != first.pid
        assert restarted.restarts == 0
        assert (await monitor.endpoint()).generation == 2
        assert recorder.states == ["starting", "ready", "restarting", "starting", "ready"]
        assert first.pid is not None
        assert not psutil.pid_exists(first.pid)


async def test_a_taken_port_fails_with_its_owner_named(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        async with make_monitor(port=port, **real_engine) as (monitor, recorder):
            with pytest.raises(ServerError, match=f"Port {port} on 127.0.0.1 is already in use by"):
                await monitor.start()
            status = monitor.status()
            assert status.state == "failed"
            assert f"(pid {os.getpid()})" in (status.last_error or "")
            assert "port to 0" in (status.hint or "")
            with pytest.raises(ServerUnavailable, match=f"Port {port}"):
                await monitor.endpoint()
    assert recorder.states == ["starting", "failed", "stopped"]


async def test_a_fixed_free_port_is_used(make_monitor: Any, real_engine: dict[str, Any]) -> None:
    port = free_port()
    async with make_monitor(port=port, **real_engine) as (monitor, _):
        assert (await monitor.start()).port == port
        assert (await monitor.endpoint()).base_url.endswith(f":{port}")


def _truncated(default_model: Path, tmp_path: Path) -> Path:
    path = tmp_path / "truncated.gguf"
    with default_model.open("rb") as source:
        path.write_bytes(source.read(5_000_000))
    return path


@pytest.mark.parametrize(
    ("make_model", "message", "hint"),
    [
        (lambda model, tmp: tmp / "missing.gguf", "does not exist", "Settings → Engine → model"),
        (
            lambda model, tmp: (tmp / "empty.gguf", (tmp / "empty.gguf").write_bytes(b""))[0],
            "is empty or unreadable",
            "Download the model again",
        ),
        (
            lambda model, tmp: (tmp / "notes.gguf", (tmp / "notes.gguf").write_text("hello"))[0],
            "is not a GGUF model file",
            "convert the model to GGUF",
        ),
        (_truncated, "is incomplete or corrupted", "download it again"),
    ],
    ids=["missing", "empty", "not-gguf", "truncated"],
)
async def test_bad_model_files_fail_at_once_with_a_hint(
    make_monitor: Any,
    engine_binary: Path,
    default_model: Path,
    tmp_path: Path,
    make_model: Any,
    message: str,
    hint: str,
) -> None:
    model = make_model(default_model, tmp_path)
    async with make_monitor(server_binary=engine_binary, model=model) as (monitor, recorder):
        with pytest.raises(ModelError, match=message) as raised:
            await monitor.start()
        status = monitor.status()
        assert status.state == "failed"
        assert str(model) in (status.last_error or "")
        assert hint in (status.hint or "")
        assert "Last lines from llama-server" in (raised.value.detail or "")
        assert status.restarts == 0
    assert recorder.states == ["starting", "crashed", "failed", "stopped"]


async def test_twenty_start_stop_cycles_leave_no_zombie(
    make_monitor: Any, real_engine: dict[str, Any], app_paths: AppPaths
) -> None:
    pids = []
    before = {child.pid for child in _children()}  # e.g. the session's shared llama-server
    async with make_monitor(**real_engine) as (monitor, _):
        for _ in range(20):
            pids.append((await monitor.start()).pid)
            await monitor.stop()
            assert [child for child in _children() if child.pid not in before] == []
    assert len(set(pids)) == 20
    assert not any(psutil.pid_exists(pid) for pid in pids)
    assert not list(app_paths.run_dir.glob("llama-server-*.json"))


async def test_a_bad_extra_argument_fails_at_once_quoting_the_server(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(extra_args=["--bogus"], **real_engine) as (monitor, recorder):
        with pytest.raises(ServerError, match="rejected its command line"):
            await monitor.start()
        status = monitor.status()
        assert status.last_error == (
            "llama-server rejected its command line: error: invalid argument: --bogus"
        )
        assert "extra arguments" in (status.hint or "")
        assert any("invalid argument: --bogus" in line for line in monitor.logs(100))
    assert recorder.states == ["starting", "crashed", "failed", "stopped"]


async def test_a_busy_server_is_not_mistaken_for_a_hung_one(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    # Both slots generating on 2 cores while health checks run every 0.1 s, each allowed half
    # the default timeout, and one failure would count as a hang.
    async with make_monitor(
        parallel_slots=2, hang_after_failures=1, health_timeout_s=1.0, **real_engine
    ) as (
        monitor,
        recorder,
    ):
        await monitor.start()
        endpoint = await monitor.endpoint()
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for _ in range(2):
                tg.start_soon(_ask, endpoint, "Tell me a long story about a dragon.", 160)
        assert time.monotonic() - started > 1.0  # long enough for several health checks
        assert recorder.states == ["starting", "ready"]


async def test_a_request_right_after_a_crash_waits_for_the_restart(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    # The stream that broke with the server can be answered before the monitor's own task has
    # seen the exit; the next message must still go to the restarted server, not the dead one.
    async with make_monitor(**real_engine) as (monitor, recorder):
        first = await monitor.start()
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        _wait_exited_without_reaping(first.pid)  # blocks the loop: the monitor cannot run
        assert monitor.status().state == "ready"
        endpoint = await monitor.endpoint()
        assert endpoint.generation == 2
        assert await _ask(endpoint)
        assert recorder.states[2:] == ["crashed", "restarting", "starting", "ready"]


def _wait_exited_without_reaping(pid: int, timeout_s: float = 10.0) -> None:
    """Block until ``pid`` has exited (its pidfd turns readable); the zombie stays unreaped."""
    descriptor = os.pidfd_open(pid)
    try:
        readable, _, _ = select.select([descriptor], [], [], timeout_s)
    finally:
        os.close(descriptor)
    assert readable, f"pid {pid} did not exit within {timeout_s} s"


async def test_a_relaunch_after_kill_9_does_not_ask_the_binary_its_version_again(
    make_monitor: Any, real_engine: dict[str, Any], engine_binary: Path, tmp_path: Path
) -> None:
    # The --version probe proves a binary once; a crash's relaunch spawns only the server.
    runs = tmp_path / "version-runs.log"
    wrapper = tmp_path / "llama-server"
    wrapper.write_text(
        f'#!/bin/sh\n[ "$1" = --version ] && echo run >> {runs}\nexec {engine_binary} "$@"\n'
    )
    wrapper.chmod(0o755)
    async with make_monitor(**{**real_engine, "server_binary": wrapper}) as (monitor, recorder):
        first = await monitor.start()
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        await recorder.wait_for("crashed", timeout_s=5)
        endpoint = await monitor.endpoint()
        assert endpoint.generation == 2
        assert await _ask(endpoint)
    assert runs.read_text().splitlines() == ["run"]


async def test_readiness_is_seen_from_the_servers_model_loaded_line(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    # With the fallback poll an hour apart, only the line llama-server prints once /health
    # answers 200 can wake the probe that finds it ready, at start and after a crash.
    async with make_monitor(**real_engine) as (monitor, recorder):
        monitor._supervisor.ready_poll_s = 3600.0
        with anyio.fail_after(60):
            first = await monitor.start()
            assert first.state == "ready"
            assert first.pid is not None
            os.kill(first.pid, signal.SIGKILL)
            await recorder.wait_for("crashed", timeout_s=5)
            endpoint = await monitor.endpoint()
        assert endpoint.generation == 2
        assert recorder.states[-1] == "ready"


async def test_an_idle_server_is_checked_rarely_and_at_once_when_a_request_comes(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(**real_engine) as (monitor, recorder):
        monitor._supervisor.idle_after_s = 0.5
        monitor._supervisor.idle_health_s = 3600.0
        status = await monitor.start()
        assert status.pid is not None
        await anyio.sleep(1.0)  # no request for longer than idle_after_s: idle
        os.kill(status.pid, signal.SIGSTOP)
        try:
            # At health_interval_s (0.1 s) a stopped server is unhealthy within ~0.4 s; idle,
            # it is not asked at all meanwhile (a machine's load only makes checks rarer).
            await anyio.sleep(2.0)
            assert recorder.states == ["starting", "ready"]
            asked_at = time.monotonic()
            with anyio.move_on_after(0.5):
                await monitor.endpoint()  # a request: the idle server is checked at once
            await recorder.wait_for("unhealthy", timeout_s=5)
            found_s = time.monotonic() - asked_at
        finally:
            os.kill(status.pid, signal.SIGCONT)
    assert found_s < 2  # one check of 0.3 s, not the next one due in an hour
