"""A worker on this machine: ``ggml-rpc-server`` supervised like llama-server, or run alone.

``LocalWorker`` runs one worker for other machines' LlamaDesk to use (Settings → Engine → RPC
workers → run a worker on this machine). It is spawned by ``backend.processes.spawn_child`` (own
process group, killed with the app), its exit is awaited through a pidfd and reaped, and an exit
nobody asked for is followed by a restart after a backoff that doubles up to
``_BACKOFF_MAX_S``. Its local tensor cache (``-c``) is on, so a model is not sent again at every
load; the cache lives under ``LLAMA_CACHE`` (llama.cpp's own cache folder by default). It binds
127.0.0.1 unless the user picks another address, and then the warning below goes to the log and
the page: the RPC protocol has no authentication and upstream calls it unsafe on an open network.

``run_worker`` is ``python -m backend worker``: a worker in the foreground on another machine,
printing what to paste into the first one's settings (``worker_line``), and the warning when it
listens on a network.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio

from ..child_env import child_environ
from ..processes import signal_group, spawn_child
from ._probe import still_listening

__all__ = [
    "LocalWorker",
    "LocalWorkerState",
    "network_warning",
    "run_worker",
    "worker_argv",
    "worker_line",
]

logger = logging.getLogger(__name__)

LocalWorkerState = Literal["off", "starting", "running", "restarting", "failed"]
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_BACKOFF_FIRST_S = 0.5
_BACKOFF_MAX_S = 10.0
_READY_POLL_S = 0.05
_READY_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 3.0
_TAIL = 20


def network_warning(host: str) -> str | None:
    """The warning for a worker bound to ``host``; None for loopback."""
    if host in _LOOPBACK:
        return None
    return (
        f"The RPC worker listens on {host}: anyone who can reach this machine on that network can "
        "use it and run work on it (the protocol has no authentication). Use it only on a network "
        "you trust."
    )


def worker_argv(binary: Path, host: str, port: int, threads: int = 0) -> list[str]:
    """``ggml-rpc-server``'s command line: the address, its tensor cache on, threads if set."""
    argv = [str(binary), "--host", host, "--port", str(port), "--cache"]
    return argv + (["--threads", str(threads)] if threads else [])


def _reachable_address(host: str) -> str:
    """The address another machine would use for ``host`` (a wildcard: this machine's own)."""
    if host not in ("0.0.0.0", "::", ""):  # noqa: S104 - mapped to a concrete address
        return host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for a UDP connect
            address: str = probe.getsockname()[0]
        except OSError:
            return socket.gethostname()
    return address


def worker_line(host: str, port: int) -> str:
    """What to paste into the other machine's settings: ``host:port`` (IPv6 in brackets)."""
    address = _reachable_address(host)
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def run_worker(binary: Path, host: str, port: int, threads: int = 0) -> int:
    """Run a worker in the foreground until it exits or Ctrl-C; its exit code (130 on Ctrl-C)."""
    warning = network_warning(host)
    if warning:
        print(f"warning: {warning}", file=sys.stderr, flush=True)
    popen = spawn_child(
        worker_argv(binary, host, port, threads), child_environ(), stdout=None, stderr=None
    )
    print(
        f"RPC worker running. On the machine with the model, add this worker in Settings → "
        f"Engine → RPC workers:\n    {worker_line(host, port)}",
        flush=True,
    )
    try:
        return popen.wait()
    except KeyboardInterrupt:
        signal_group(popen, signal.SIGTERM)
        try:
            popen.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            signal_group(popen, signal.SIGKILL)
            popen.wait()
        return 130


@dataclass
class _Run:
    popen: subprocess.Popen[bytes]
    exited: anyio.Event
    stopping: bool = False


class LocalWorker:
    """One supervised ``ggml-rpc-server`` on this machine; ``changed`` hears each state."""

    def __init__(
        self,
        binary: Callable[[], Path | None],
        environ: Mapping[str, str],
        log_path: Path,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self._binary = binary
        self._environ = child_environ(environ)
        self._log_path = log_path
        self._changed = changed
        self.state: LocalWorkerState = "off"
        self.error: str | None = None
        self.address: str | None = None
        self.tail: deque[str] = deque(maxlen=_TAIL)
        self._run: _Run | None = None
        self._scope: anyio.CancelScope | None = None

    def _enter(self, state: LocalWorkerState, error: str | None = None) -> None:
        self.state, self.error = state, error
        self._changed()

    async def run(self, host: str, port: int) -> None:
        """Run and restart the worker until cancelled (then stop it); one call at a time."""
        self.address = f"{host}:{port}"
        warning = network_warning(host)
        if warning:
            logger.warning("%s", warning)
        backoff = _BACKOFF_FIRST_S
        with anyio.CancelScope() as self._scope:
            try:
                while True:
                    started = time.monotonic()
                    error = await self._one_run(host, port)
                    if time.monotonic() - started > _BACKOFF_MAX_S:
                        backoff = _BACKOFF_FIRST_S
                    if error is None:
                        return  # it could not start at all: ``failed`` says why
                    self._enter("restarting", error)
                    await anyio.sleep(backoff)
                    backoff = min(backoff * 2, _BACKOFF_MAX_S)
            finally:
                with anyio.CancelScope(shield=True):
                    await self._stop()
                if self.state != "failed" or self._scope.cancel_called:
                    self._enter("off")

    def cancel(self) -> None:
        """Stop supervising; :meth:`run` stops the worker and returns."""
        if self._scope is not None:
            self._scope.cancel()

    async def _one_run(self, host: str, port: int) -> str | None:
        """One process's life; the reason to restart it, or None when it cannot start at all."""
        binary = self._binary()
        if binary is None:
            self._enter("failed", "No ggml-rpc-server beside llama-server: rebuild the engine.")
            return None
        self._enter("starting")
        try:
            popen = spawn_child(worker_argv(binary, host, port), self._environ)
        except OSError as exc:
            self._enter("failed", f"Could not start {binary}: {exc.strerror}.")
            return None
        run = self._run = _Run(popen, anyio.Event())
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._pump, run)
            tasks.start_soon(self._await_ready, run, host, port)
            returncode = await self._watch(run)
            tasks.cancel_scope.cancel()
        self._run = None
        last = self.tail[-1] if self.tail else ""
        return f"The worker exited ({returncode}): {last}".strip()

    async def _await_ready(self, run: _Run, host: str, port: int) -> None:
        connect = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - a wildcard
        with anyio.move_on_after(_READY_TIMEOUT_S):
            while not run.exited.is_set():
                gone = await anyio.to_thread.run_sync(still_listening, f"{connect}:{port}", 1.0)
                if gone is None:
                    self._enter("running")
                    return
                await anyio.sleep(_READY_POLL_S)

    async def _pump(self, run: _Run) -> None:
        stream = run.popen.stdout
        assert stream is not None
        fd = stream.fileno()
        os.set_blocking(fd, False)
        with stream, self._log_path.open("ab") as log:
            while True:
                await anyio.wait_readable(fd)
                with contextlib.suppress(BlockingIOError):
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        return
                    log.write(chunk)
                    log.flush()
                    lines = chunk.decode("utf-8", "replace").splitlines()
                    self.tail.extend(line for line in lines if line.strip())

    async def _watch(self, run: _Run) -> int:
        pidfd = os.pidfd_open(run.popen.pid)
        try:
            await anyio.wait_readable(pidfd)
        finally:
            os.close(pidfd)
            if run.popen.poll() is None:
                signal_group(run.popen, signal.SIGKILL)
            returncode = run.popen.wait()
            run.exited.set()
        return returncode

    async def _stop(self) -> None:
        run = self._run
        if run is None:
            return
        run.stopping = True
        signal_group(run.popen, signal.SIGTERM)
        with anyio.move_on_after(_STOP_TIMEOUT_S):
            await run.exited.wait()
        signal_group(run.popen, signal.SIGKILL)
        await anyio.to_thread.run_sync(run.popen.wait)
