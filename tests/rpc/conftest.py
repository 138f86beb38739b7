"""Real RPC workers for the tests: ``ggml-rpc-server`` processes on 127.0.0.1, and bad addresses.

Each worker is the one built beside the engine the tests use, on a free port, with its tensor
cache in the test's own folder (``LLAMA_CACHE``). The three addresses that are not usable
workers are real sockets too: a port nobody listens on, a listener that accepts connections and
never answers, and a TCP server that answers like a web server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from backend.engine import EngineBinary, locate_worker
from backend.processes import spawn_child
from backend.rpc import worker_argv
from tests.conftest import free_port
from tests.waiting import wait_until


@dataclass
class Worker:
    """A ggml-rpc-server started by a test, and its output file."""

    process: subprocess.Popen[bytes]
    address: str
    log: Path

    def resident_bytes(self) -> int:
        """Its resident memory: it grows by the layers it is sent."""
        return int(psutil.Process(self.process.pid).memory_info().rss)

    def output(self) -> str:
        """What it printed so far."""
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL it and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def _listening(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def worker_binary(engine: EngineBinary) -> Path:
    """The ggml-rpc-server beside the tests' llama-server."""
    found = locate_worker(engine.path)
    if found is None:
        pytest.fail(
            f"No ggml-rpc-server beside {engine.path}: rebuild the engine with RPC "
            "(`python -m backend engine --build`)."
        )
    return found


@pytest.fixture
def start_worker(worker_binary: Path, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start a worker on 127.0.0.1 (a free port, or ``port``); each is killed at the end."""
    started: list[Worker] = []

    def start(port: int | None = None) -> Worker:
        port = port or free_port()
        log = tmp_path / f"worker-{port}.log"
        env = {**os.environ, "LLAMA_CACHE": str(tmp_path / "rpc-cache")}
        with log.open("wb") as out:  # killed with the tests however they end (PDEATHSIG)
            argv = worker_argv(worker_binary, "127.0.0.1", port, threads=1)
            process = spawn_child(argv, env, stdout=out.fileno(), stderr=subprocess.STDOUT)
        worker = Worker(process, f"127.0.0.1:{port}", log)
        started.append(worker)
        wait_until(
            lambda: _listening(worker.address) or process.poll() is not None,
            timeout_s=30,
            message=lambda: f"worker did not listen: {worker.output()}",
        )
        assert process.poll() is None, worker.output()
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture
def silent_address() -> Iterator[str]:
    """An address that accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def web_address() -> Iterator[str]:
    """An address where a web server (not a worker) answers whatever it is sent."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            with client:
                client.settimeout(2)
                try:
                    client.recv(4096)
                    client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    server.close()


@pytest.fixture
def refused_address() -> str:
    """An address where nothing listens."""
    return f"127.0.0.1:{free_port()}"
