"""Failures the real llama-server cannot produce on demand: bad binaries and crash loops."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import psutil
import pytest

from backend.config import EngineSettings, Settings
from backend.errors import (
    EngineError,
    ModelError,
    ServerError,
    ServerTimeout,
    ServerUnavailable,
)
from backend.server import PidRecord, RouterModel, RouterPlan, ServerMonitor, write_record
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio


def _env(mode: str) -> dict[str, str]:
    return {**os.environ, "FAKE_MODE": mode}


async def _fails_with(
    make_monitor: Any, error: type[Exception], match: str, **engine: Any
) -> tuple[Any, Any]:
    async with make_monitor(**engine) as (monitor, recorder):
        with pytest.raises(error, match=match):
            await monitor.start()
        status = monitor.status()
    return status, recorder


async def test_a_missing_binary_says_where_it_looked(
    make_monitor: Any, tmp_path: Path, dummy_model: Path
) -> None:
    missing = tmp_path / "nowhere" / "llama-server"
    status, recorder = await _fails_with(
        make_monitor, EngineError, "not found", server_binary=missing, model=dummy_model
    )
    assert status.state == "failed"
    assert str(missing) in (status.last_error or "")
    assert "Settings → Engine" in (status.hint or "")
    assert recorder.states == ["starting", "failed", "stopped"]


async def test_a_binary_that_is_not_executable(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    fake_server.chmod(0o644)  # noqa: ASYNC240 - a test setup step
    status, _ = await _fails_with(
        make_monitor,
        EngineError,
        "not an executable",
        server_binary=fake_server,
        model=dummy_model,
    )
    assert "chmod +x" in (status.hint or "")


async def test_a_binary_for_another_machine_gets_an_architecture_hint(
    make_monitor: Any, tmp_path: Path, dummy_model: Path
) -> None:
    foreign = tmp_path / "llama-server"
    foreign.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))
    foreign.chmod(0o755)
    status, _ = await _fails_with(
        make_monitor, EngineError, "could not be run", server_binary=foreign, model=dummy_model
    )
    assert "wrong CPU architecture" in (status.hint or "")


async def test_a_program_that_is_not_llama_server(
    make_monitor: Any, tmp_path: Path, dummy_model: Path
) -> None:
    impostor = tmp_path / "llama-server"
    impostor.write_text("#!/bin/sh\necho 'hello, I am cowsay'\n")
    impostor.chmod(0o755)
    status, _ = await _fails_with(
        make_monitor,
        EngineError,
        "does not look like llama-server",
        server_binary=impostor,
        model=dummy_model,
    )
    assert "cowsay" in (status.hint or "")


async def test_a_crash_loop_ends_in_failed_with_the_reason(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(
        server_binary=fake_server,
        model=dummy_model,
        environ=_env("segv"),
        restart_max=3,
        restart_backoff_s=1.0,
    ) as (monitor, recorder):
        with pytest.raises(ServerError, match="crashed 3 times within 60 s") as raised:
            await monitor.start()
        status = monitor.status()
        assert status.state == "failed"
        assert status.restarts == 2
        assert status.last_error == (
            "llama-server crashed 3 times within 60 s, so LlamaDesk stopped restarting it. "
            "Last time it was killed by SIGSEGV (Segmentation fault): srv  fake: about to "
            "crash."
        )
        assert "fake: about to crash" in (raised.value.detail or "")
        with pytest.raises(ServerUnavailable, match="crashed 3 times"):
            await monitor.endpoint()
    cycle = ["starting", "crashed", "restarting"]
    assert recorder.states == [*cycle, *cycle, "starting", "crashed", "failed", "stopped"]
    # The first crash restarts at once; the second waits the backoff, 1 s.
    states = [event.status.state for event in recorder.events]
    waits = [
        recorder.times[index + 1] - recorder.times[index]
        for index, state in enumerate(states)
        if state == "restarting"
    ]
    assert len(waits) == 2
    assert waits[0] < 1.0
    assert waits[1] >= 1.0


async def test_an_illegal_instruction_fails_at_once_with_what_to_do(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(
        server_binary=fake_server, model=dummy_model, environ=_env("sigill")
    ) as (monitor, recorder):
        with pytest.raises(EngineError, match="SIGILL"):
            await monitor.start()
        assert "CPU instructions this computer cannot run" in (monitor.status().hint or "")
    assert recorder.states == ["starting", "crashed", "failed", "stopped"]


async def test_start_after_failed_tries_again_with_a_fresh_budget(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(
        server_binary=fake_server, model=dummy_model, environ=_env("segv"), restart_max=1
    ) as (monitor, recorder):
        for _ in range(2):
            with pytest.raises(ServerError, match="crashed 1 time within"):
                await monitor.start()
    assert recorder.states.count("failed") == 2


async def test_out_of_memory_at_load_is_not_retried(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(server_binary=fake_server, model=dummy_model, environ=_env("oom")) as (
        monitor,
        recorder,
    ):
        with pytest.raises(ModelError, match="ran out of memory"):
            await monitor.start()
        assert "smaller model" in (monitor.status().hint or "")
    assert recorder.states == ["starting", "crashed", "failed", "stopped"]


async def test_a_server_that_never_becomes_ready_times_out(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(
        server_binary=fake_server,
        model=dummy_model,
        environ=_env("sleep"),
        start_timeout_s=1.5,
    ) as (monitor, recorder):
        with pytest.raises(ServerError, match=r"did not become ready within 1\.5 s"):
            await monitor.start()
        assert "start timeout" in (monitor.status().hint or "")
    assert recorder.states == ["starting", "crashed", "failed", "stopped"]
    # While it loads, a status goes out every second with the time spent so far.
    loading = [e.status for e in recorder.events if e.status.state == "starting"]
    assert loading[-1].pid is not None
    assert loading[-1].elapsed_s is not None
    assert loading[-1].elapsed_s >= 1.0


async def test_stop_during_the_restart_backoff_stays_stopped(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(
        server_binary=fake_server,
        model=dummy_model,
        environ=_env("segv"),
        restart_backoff_s=5.0,
    ) as (monitor, recorder):
        async with anyio.create_task_group() as tg:
            tg.start_soon(_expect_unavailable, monitor)
            # The first crash restarts at once; the second waits out the 5 s backoff.
            first = await recorder.wait_for("restarting")
            await recorder.wait_for("restarting", after=first + 1)
            status = await monitor.stop()
        assert status.state == "stopped"
        await anyio.sleep(0.2)
        assert monitor.status().state == "stopped"
        with pytest.raises(ServerUnavailable, match="not running"):
            await monitor.endpoint()
    cycle = ["starting", "crashed", "restarting"]
    assert recorder.states == [*cycle, *cycle, "stopped"]


async def _expect_unavailable(monitor: Any) -> None:
    with pytest.raises(ServerUnavailable, match="stopped before it became ready"):
        await monitor.start()


async def test_commands_need_an_entered_monitor(app_paths: Any) -> None:
    monitor = ServerMonitor(paths=app_paths, settings=Settings, sink=lambda event: None)
    with pytest.raises(ServerUnavailable, match="not running"):
        await monitor.start()
    assert monitor.status().state == "stopped"


async def test_endpoint_gives_up_on_a_server_that_never_comes_back(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    # Crashes further apart than the window never add up to a crash loop: it restarts forever.
    async with (
        make_monitor(
            server_binary=fake_server,
            model=dummy_model,
            environ=_env("segv"),
            restart_window_s=0.01,
            restart_max=2,
            restart_backoff_s=0.05,
            start_timeout_s=0.5,
        ) as (monitor, recorder),
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(_expect_unavailable, monitor)
        await wait_until_async(lambda: recorder.states.count("crashed") >= 3, timeout_s=30)
        assert monitor.status().restarts >= 2
        started = time.monotonic()
        with pytest.raises(ServerTimeout, match=r"did not become ready within 1 s"):
            await monitor.endpoint()
        assert time.monotonic() - started >= 0.7
        await monitor.stop()


async def test_a_failing_sink_does_not_break_supervision(
    app_paths: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("the page is gone")

    settings = Settings(engine=EngineSettings(server_binary=tmp_path / "missing"))
    async with ServerMonitor(paths=app_paths, settings=lambda: settings, sink=broken) as monitor:
        with pytest.raises(EngineError, match="not found"):
            await monitor.start()
        assert monitor.status().state == "failed"
    assert "The server status sink failed" in caplog.text


async def test_cancelled_supervision_still_kills_reaps_and_forgets_the_server(
    make_monitor: Any, fake_server: Path, dummy_model: Path, app_paths: Any
) -> None:
    records = app_paths.run_dir.glob
    async with make_monitor(
        server_binary=fake_server, model=dummy_model, environ=_env("sleep")
    ) as (monitor, recorder):
        monitor._supervisor.tasks.start_soon(monitor.start)
        await recorder.wait_for("starting")
        await wait_until_async(lambda: monitor.status().pid is not None)
        pid = monitor.status().pid
        assert list(records("llama-server-*.json"))
        # What a bug in a supervision task does: the monitor's task group is cancelled (and
        # with it this block, which runs inside it, so the checks below are shielded).
        monitor._supervisor.tasks.cancel_scope.cancel()
        with anyio.CancelScope(shield=True):
            await wait_until_async(lambda: not list(records("llama-server-*.json")))
            assert not psutil.pid_exists(pid)
            checked = True
    assert checked


async def test_aclose_inside_the_block_stops_the_server_without_cancelling_the_caller(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(
        server_binary=fake_server, model=dummy_model, environ=_env("sleep")
    ) as (monitor, recorder):
        async with anyio.create_task_group() as tg:
            tg.start_soon(_expect_unavailable, monitor)
            await recorder.wait_for("starting")
            await wait_until_async(lambda: monitor.status().pid is not None)
            pid = monitor.status().pid
            await monitor.aclose()
            await monitor.aclose()
        assert not psutil.pid_exists(pid)
        await anyio.lowlevel.checkpoint()  # still running: aclose did not cancel this block
        after_close = monitor.status().state
        with pytest.raises(ServerUnavailable, match="not running"):
            await monitor.start()
    assert after_close == "stopped"
    assert recorder.states == ["starting", "stopped"]


@pytest.mark.real_server
async def test_a_start_abandoned_by_its_caller_still_runs_its_course(
    make_monitor: Any, fake_server: Path, default_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VERSION_DELAY", "0.5")  # a slow launch: the caller gives up first
    # No model set: the launch goes on to find the default one (in the shared cache), a
    # second step the abandoned caller's cancellation would otherwise cut off.
    async with make_monitor(
        server_binary=fake_server, model=None, environ=_env("segv"), restart_max=1
    ) as (monitor, recorder):
        with anyio.move_on_after(0.1) as gave_up:
            await monitor.start()
        assert gave_up.cancelled_caught
        await recorder.wait_for("failed", timeout_s=5)
        assert "crashed 1 time" in (monitor.status().last_error or "")


async def test_a_stop_abandoned_after_sigterm_still_kills_a_stubborn_server(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    async with make_monitor(
        server_binary=fake_server,
        model=dummy_model,
        environ=_env("stubborn"),
        stop_timeout_s=0.5,
    ) as (monitor, recorder):
        monitor._supervisor.tasks.start_soon(_expect_unavailable, monitor)
        await recorder.wait_for("starting")
        await wait_until_async(lambda: monitor.status().pid is not None)
        pid = monitor.status().pid
        await wait_until_async(  # it ignores SIGTERM from here on
            lambda: any("fake: ignoring SIGTERM" in line for line in monitor.logs(20))
        )
        with anyio.move_on_after(0.1) as gave_up:
            await monitor.stop()
        assert gave_up.cancelled_caught is False
        assert not psutil.pid_exists(pid)
        assert monitor.status().state == "stopped"


async def test_reserved_extra_args_fail_before_launch(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    status, recorder = await _fails_with(
        make_monitor,
        ServerError,
        "The extra arguments set --port",
        server_binary=fake_server,
        model=dummy_model,
        extra_args=["--port", "1"],
    )
    assert status.pid is None
    assert recorder.states == ["starting", "failed", "stopped"]


async def test_a_router_models_reserved_extra_args_fail_before_launch(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    engine = EngineSettings(extra_args=["--host", "0.0.0.0"])
    plan = RouterPlan((RouterModel("x", "x", dummy_model, engine),), "x")
    status, _recorder = await _fails_with(
        make_monitor,
        ServerError,
        "dummy.gguf: The extra arguments set --host",
        server_binary=fake_server,
        model=dummy_model,
        router_mode=True,
        router_plan=lambda: plan,
    )
    assert status.pid is None


async def test_router_mode_without_models_fails_with_what_to_do(
    make_monitor: Any, fake_server: Path, dummy_model: Path
) -> None:
    status, _recorder = await _fails_with(
        make_monitor,
        ModelError,
        "Router mode has no model to serve.",
        server_binary=fake_server,
        model=dummy_model,
        router_mode=True,
        router_plan=lambda: RouterPlan((), None),
    )
    assert "Settings → Models" in (status.hint or "")


@pytest.fixture
def orphan(fake_server: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A "server" whose pid file names an app that is gone (as if PDEATHSIG had not fired)."""
    process = subprocess.Popen([str(fake_server)], env=_env("sleep"))
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def gone_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


async def test_entering_stops_a_server_orphaned_by_a_dead_app(
    make_monitor: Any,
    orphan: subprocess.Popen[bytes],
    gone_pid: int,
    app_paths: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = psutil.Process(orphan.pid).create_time()
    write_record(app_paths.run_dir, PidRecord(orphan.pid, started, gone_pid, 1.0, port=4321))
    note = (
        f"Stopped an orphaned llama-server (pid {orphan.pid}, port 4321) left running "
        f"by LlamaDesk pid {gone_pid}, which is gone."
    )
    async with make_monitor() as (monitor, _):
        assert monitor.logs(5) == [f"[llamadesk] {note}"]
    assert not psutil.pid_exists(orphan.pid)
    assert note in caplog.text
    assert not list(app_paths.run_dir.glob("llama-server-*.json"))
