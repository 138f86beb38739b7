"""Fixtures shared by every test: an isolated home, a real llama-server with SmolLM2, and a
virtual X display for the tests that open the real window (the GUI and the package tests).

The engine binary and the model are never built or downloaded here: ``python build.py test``
prepares them before pytest starts. A test that needs them and finds them missing fails with the
command that fixes it; it never skips.

Every llama-server the tests start (directly, through the monitor, or as a router's model
server) runs one thread: ``LLAMA_ARG_THREADS=1`` is set for the session unless the environment
already sets it. llama.cpp's threads meet at a barrier after every operation, so when the cores
are oversubscribed (parallel test runs on 2 cores, load 15) each barrier waits for the other
thread's next time slice: 60 tokens of SmolLM2 took 55-78 s with 2 threads and 3-4 s with one,
and the real-monitor tests took 290 s with two failed timeouts instead of 64 s.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.engine import EngineBinary, cached_binary, default_model_path, locate_engine
from backend.errors import EngineError
from backend.paths import AppPaths
from tests.waiting import wait_until

_PREPARE = "run `python build.py test` (it builds the engine and fetches the model first)"

os.environ.setdefault("LLAMA_ARG_THREADS", "1")

pytest_plugins = ["tests.fixtures"]


@pytest.fixture(autouse=True)
def llamadesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty LlamaDesk home; the shared cache stays shared."""
    home = tmp_path / "home"
    monkeypatch.setenv("LLAMADESK_HOME", str(home))
    return home


@pytest.fixture
def app_paths(llamadesk_home: Path) -> AppPaths:
    """The isolated home's folders."""
    return AppPaths.from_env()


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> EngineBinary:
    """The llama-server the app would use (settings unset), verified."""
    cache = AppPaths.from_env().engine_cache
    try:
        return locate_engine(None, cache)
    except EngineError as exc:
        pytest.fail(
            f"No llama-server for the tests ({exc.message}); {_PREPARE}. "
            f"Expected at {cached_binary(cache)}."
        )


@pytest.fixture(scope="session")
def engine_binary(engine: EngineBinary) -> Path:
    """Path of the real llama-server binary."""
    return engine.path


@pytest.fixture(scope="session")
def default_model() -> Path:
    """Path of the real SmolLM2-135M-Instruct GGUF."""
    path = default_model_path(AppPaths.from_env().model_cache)
    if not path.exists():
        pytest.fail(f"The SmolLM2 model is missing at {path}; {_PREPARE}.")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    """A llama-server started by the tests."""

    process: subprocess.Popen[bytes]
    port: int
    api_key: str
    model_path: Path
    slot_dir: Path
    log_path: Path
    args: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s; always reaped."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


ServerFactory = Callable[..., RunningServer]


def _ready_or_exited(server: RunningServer) -> str | None:
    if server.process.poll() is not None:
        return "exited"
    try:
        if httpx.get(f"{server.base_url}/health", timeout=1.0).status_code == 200:
            return "ready"
    except httpx.TransportError:
        pass
    return None


def _wait_ready(server: RunningServer, timeout_s: float = 60.0) -> None:
    try:
        outcome = wait_until(lambda: _ready_or_exited(server), timeout_s=timeout_s, interval_s=0.05)
    except AssertionError:
        outcome = "timed out"
    if outcome == "ready":
        return
    server.stop()
    pytest.fail(f"llama-server did not become ready; log:\n{server.log_path.read_text()[-3000:]}")


def _start(
    binary: Path,
    model: Path,
    workdir: Path,
    *,
    slot_dir: Path | None = None,
    parallel: int = 2,
    ctx: int = 4096,
    extra: tuple[str, ...] = (),
) -> RunningServer:
    workdir.mkdir(parents=True, exist_ok=True)
    slots = slot_dir or workdir / "slots"
    slots.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_key = secrets.token_urlsafe(16)
    args = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port)]
    args += ["--parallel", str(parallel), "-c", str(ctx), "--slot-save-path", str(slots), *extra]
    log_path = workdir / f"llama-server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "LLAMA_API_KEY": api_key},
        )
    server = RunningServer(process, port, api_key, model, slots, log_path, args)
    _wait_ready(server)
    return server


@pytest.fixture(scope="session")
def llama_server(
    engine_binary: Path, default_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """One real llama-server with SmolLM2 for the whole test session (2 slots, 4096 context)."""
    server = _start(engine_binary, default_model, tmp_path_factory.mktemp("llama-server"))
    yield server
    server.stop()


@pytest.fixture
def llama_server_factory(
    engine_binary: Path, default_model: Path, tmp_path: Path
) -> Iterator[ServerFactory]:
    """Start extra real servers (e.g. to restart one on the same slot dir); all stopped after."""
    started: list[RunningServer] = []

    def factory(**options: Any) -> RunningServer:
        server = _start(
            engine_binary, default_model, tmp_path / f"server-{len(started)}", **options
        )
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def x_display() -> Iterator[str]:
    """Start Xvfb on a free display number and yield it (``:N``)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail(
            "Xvfb is missing: `apt-get install -y xvfb` (python build.py test does it as root)"
        )
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1280x860x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        process.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    process.terminate()
    process.wait(10)
