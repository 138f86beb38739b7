"""Fixtures for the server monitor: fast settings, a recording sink, and a fake llama-server.

The real llama-server with SmolLM2 covers everything it can do on demand (crash by kill -9,
hang by SIGSTOP, fail on a bad model); ``fake_server`` is a small Python script standing in for
it only where the real one cannot misbehave on demand (crash after every start, not be
llama-server at all).
"""

from __future__ import annotations

import stat
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from backend.config import EngineSettings, Settings
from backend.contract import BridgeEvent, ServerStatusEvent
from backend.paths import AppPaths
from backend.server import RouterPlan, ServerMonitor
from tests.waiting import wait_until_async

FAST = {
    "start_timeout_s": 30.0,
    "stop_timeout_s": 2.0,
    "health_interval_s": 0.1,
    "health_timeout_s": 0.3,
    "hang_after_failures": 3,
    "restart_backoff_s": 0.05,
    "context_size": 1024,
    "parallel_slots": 1,
}


class Recorder:
    """A sink that keeps every status event, and waits for states."""

    def __init__(self) -> None:
        self.events: list[ServerStatusEvent] = []
        self.times: list[float] = []

    def __call__(self, event: BridgeEvent) -> None:
        assert isinstance(event, ServerStatusEvent)
        self.events.append(event)
        self.times.append(time.monotonic())

    @property
    def states(self) -> list[str]:
        """Each emitted state, consecutive repeats folded."""
        folded: list[str] = []
        for event in self.events:
            if not folded or folded[-1] != event.status.state:
                folded.append(event.status.state)
        return folded

    async def wait_for(self, state: str, after: int = 0, timeout_s: float = 30.0) -> int:
        """Wait until an event in ``state`` arrives at index >= ``after``; return its index."""
        found = await wait_until_async(
            lambda: [
                index
                for index in range(after, len(self.events))
                if self.events[index].status.state == state
            ],
            timeout_s=timeout_s,
            message=lambda: f"no {state!r} after event {after}: {self.states}",
        )
        return found[0]


@pytest.fixture
def make_monitor(
    app_paths: AppPaths,
) -> Callable[..., Any]:
    """``async with make_monitor(**engine) as (monitor, recorder)``: fast settings.

    ``router_plan`` (with ``router_mode=True``) makes it launch a router over those models.
    """

    @asynccontextmanager
    async def factory(
        *,
        environ: dict[str, str] | None = None,
        router_plan: Callable[[], RouterPlan] | None = None,
        on_models: Callable[[], None] = lambda: None,
        **engine: Any,
    ) -> AsyncIterator[tuple[ServerMonitor, Recorder]]:
        settings = Settings(engine=EngineSettings(**{**FAST, **engine}))
        recorder = Recorder()
        monitor = ServerMonitor(
            paths=app_paths,
            settings=lambda: settings,
            sink=recorder,
            environ=environ,
            router_plan=router_plan,
            on_models=on_models,
        )
        async with monitor:
            yield monitor, recorder

    return factory


FAKE_SERVER = """\
#!{python}
'''A stand-in for llama-server: answers --version like it, then misbehaves as told.'''
import os, signal, sys, time
if "--version" in sys.argv:
    time.sleep(float(os.environ.get("FAKE_VERSION_DELAY", "0")))
    print("version: 0.0.0-fake (build 1, commit fake)")
    sys.exit(0)
mode = os.environ.get("FAKE_MODE", "segv")
print("0.00.001.000 I srv  llama_server: initializing ...", flush=True)
if mode == "segv":
    print("0.00.002.000 E srv  fake: about to crash", flush=True)
    os.kill(os.getpid(), signal.SIGSEGV)
if mode == "sigill":
    os.kill(os.getpid(), signal.SIGILL)
if mode == "oom":
    print("0.00.002.000 E llama_init_from_model: failed to initialize the context: "
          "failed to allocate buffer for kv cache", flush=True)
    sys.exit(1)
if mode == "sleep":
    time.sleep(3600)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("0.00.002.000 W srv  fake: ignoring SIGTERM", flush=True)
    time.sleep(3600)
sys.exit(3)
"""


@pytest.fixture
def fake_server(tmp_path: Path) -> Path:
    """An executable fake llama-server (see ``FAKE_SERVER``); ``FAKE_MODE`` picks its failure."""
    path = tmp_path / "fake-llama-server"
    path.write_text(FAKE_SERVER.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def dummy_model(tmp_path: Path) -> Path:
    """A model path for the fake server, which never opens it."""
    path = tmp_path / "dummy.gguf"
    path.write_bytes(b"GGUF")
    return path


@pytest.fixture
def real_engine(engine_binary: Path, default_model: Path) -> dict[str, Any]:
    """Engine settings naming the real binary and SmolLM2 explicitly."""
    return {"server_binary": engine_binary, "model": default_model}
