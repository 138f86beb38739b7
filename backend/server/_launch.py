"""Launching llama-server: its command line, its port, and a process that cannot outlive us.

The command line comes from ``EngineSettings``: model, context size, slots, GPU layers, threads
(left out when 0 so llama-server picks), host and port, ``--slot-save-path`` under the app's data
dir, the chat template and vision projector (``--mmproj``) when set, the model's speculative
decoding (``_speculation``), then the user's extra arguments. The per-launch API key goes in
``LLAMA_API_KEY``, never in argv, where ``ps`` would show it to every user of the machine.
``LLAMA_ARG_FIT=off`` skips the engine's trial fit of unset arguments to device memory: every
argument it would adjust is set here, and skipping it makes each (re)start about 0.1 s faster on 2
cores. It goes in the environment, not argv, so a user's older llama-server that lacks ``--fit``
still starts, and a user who sets it in their environment wins.
``GLIBC_TUNABLES`` gains ``glibc.malloc.hugetlb=1``: glibc then asks for transparent huge pages
(``madvise``) on its large allocations, so the KV cache, which llama-server zeroes at every start,
takes one page fault per 2 MiB instead of one per 4 KiB: about 55 ms of a 0.24 s SmolLM2 (re)start
on 2 cores, far more for a bigger context, for ~12 MB more resident memory. A glibc older than 2.35
ignores the name; a user's own tunables are kept, their own ``hugetlb`` value wins.

The child is started by ``backend.processes.spawn_child``: its own session and process group, and
on Linux ``PR_SET_PDEATHSIG(SIGKILL)``, so it cannot outlive the app. That is why
:meth:`ServerProcess.spawn` is a plain synchronous call made on the event loop's thread (a
long-lived thread), never from a worker thread that ends after the call.

Exit is awaited through a pidfd (readable once the child ends), so a crash is seen the moment
it happens, and the child is always reaped: no zombie, even when supervision is cancelled.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import anyio

from ..child_env import child_environ
from ..config import EngineSettings
from ..processes import signal_group, spawn_child
from ._diagnose import Failure, port_taken
from ._speculation import speculation_argv

__all__ = [
    "ServerProcess",
    "build_argv",
    "check_extra_args",
    "choose_port",
    "connect_url",
    "server_environ",
]

_READ_CHUNK = 65536
_TUNABLES = "GLIBC_TUNABLES"
_HUGETLB_NAME = "glibc.malloc.hugetlb"
_HUGETLB = f"{_HUGETLB_NAME}=1"


def build_argv(
    engine: EngineSettings,
    *,
    binary: Path,
    model: Path,
    port: int,
    slot_dir: Path,
    rpc_args: Sequence[str] = (),
) -> list[str]:
    """llama-server's command line for these settings (the API key is not in it).

    ``rpc_args`` (``--rpc``, ``--tensor-split``) put the model on RPC workers, which llama.cpp
    counts as GPUs: GPU layers 0 (the default) then means all of them.
    """
    offload_all = engine.gpu_layers == -1 or (rpc_args and engine.gpu_layers == 0)
    gpu_layers = "all" if offload_all else str(engine.gpu_layers)
    argv = [
        str(binary),
        "--model",
        str(model),
        "--host",
        engine.host,
        "--port",
        str(port),
        "--ctx-size",
        str(engine.context_size),
        "--parallel",
        str(engine.parallel_slots),
        "--n-gpu-layers",
        gpu_layers,
        "--slot-save-path",
        str(slot_dir),
        "--log-colors",
        "off",
    ]
    if engine.threads:
        argv += ["--threads", str(engine.threads)]
    if engine.chat_template_file is not None:
        argv += ["--chat-template-file", str(engine.chat_template_file)]
    if engine.mmproj_file is not None:
        argv += ["--mmproj", str(engine.mmproj_file)]
    argv += speculation_argv(engine)
    return argv + list(rpc_args) + list(engine.extra_args)


_RESERVED = {
    "-m": "model",
    "--model": "model",
    "--host": "host",
    "--port": "port",
    "--api-key": "",
    "--api-key-file": "",
}


def check_extra_args(extra_args: Sequence[str]) -> Failure | None:
    """Refuse extra arguments that would take the server away from the monitor.

    A second ``--port`` or ``--host`` makes the health checks look in the wrong place, and an
    ``--api-key`` locks the app out of its own server; the model, host and port have settings.
    """
    for arg in extra_args:
        flag = arg.split("=", 1)[0]
        if flag in _RESERVED:
            setting = _RESERVED[flag]
            instead = f"use Settings → Engine → {setting}" if setting else "LlamaDesk sets a key"
            return Failure(
                f"The extra arguments set {flag}, which LlamaDesk sets itself.",
                f"Remove {flag} from Settings → Engine → extra arguments; {instead}.",
                permanent=True,
            )
    return None


def server_environ(environ: Mapping[str, str], api_key: str) -> dict[str, str]:
    """The child's environment: the app's (``child_environ``), the API key, and by default
    ``LLAMA_ARG_FIT=off`` and huge pages for glibc's large allocations (see above)."""
    env = {"LLAMA_ARG_FIT": "off", **child_environ(environ), "LLAMA_API_KEY": api_key}
    env[_TUNABLES] = _with_huge_pages(env.get(_TUNABLES, ""))
    return env


def _with_huge_pages(tunables: str) -> str:
    """``tunables`` (``name=value:...``) with ``glibc.malloc.hugetlb=1``, unless it sets that."""
    names = {item.split("=", 1)[0] for item in tunables.split(":") if item}
    if _HUGETLB_NAME in names:
        return tunables
    return f"{tunables}:{_HUGETLB}" if tunables else _HUGETLB


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def choose_port(host: str, configured: int) -> int | Failure:
    """A free port on ``host``: any when ``configured`` is 0, else that one if nobody holds it."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        # llama-server binds with SO_REUSEADDR too: only a listening socket makes the port taken,
        # not the TIME_WAIT connections a previous server on the same port left behind.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, configured))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return port_taken(host, configured)
            return Failure(
                f"llama-server cannot listen on {host}:{configured}: {exc.strerror}.",
                "Check Settings → Engine → host (127.0.0.1 is the safe default).",
                permanent=True,
            )
        port: int = sock.getsockname()[1]
        return port


def connect_url(host: str, port: int) -> str:
    """The URL to reach a server listening on ``host`` (a wildcard host means this machine)."""
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - mapped away
    target = wildcard.get(host, host)
    if ":" in target:
        target = f"[{target}]"
    return f"http://{target}:{port}"


class ServerProcess:
    """A running llama-server child: its output, its exit, and signals to its process group."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        self._pidfd = os.pidfd_open(popen.pid)
        self.exited = anyio.Event()

    @classmethod
    def spawn(cls, argv: Sequence[str], env: Mapping[str, str]) -> ServerProcess:
        """Start ``argv`` in its own session; call it on the event loop's thread (see above)."""
        return cls(spawn_child(argv, env))

    @property
    def pid(self) -> int:
        """The server's pid (also its process group id)."""
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """How it ended (negative: killed by that signal), or None while it runs."""
        return self._popen.returncode

    @property
    def alive(self) -> bool:
        """Whether it still runs: False from the moment it exits, before :meth:`watch` reaps it."""
        if self._popen.returncode is not None:
            return False
        state = os.waitid(os.P_PIDFD, self._pidfd, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return state is None

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the server's process group, if it has not been reaped yet."""
        signal_group(self._popen, sig)

    async def pump(self, on_line: Callable[[str], None]) -> None:
        """Pass each line the server prints to ``on_line`` until its output closes."""
        stream = self._popen.stdout
        assert stream is not None
        fd = stream.fileno()
        os.set_blocking(fd, False)
        pending = b""
        try:
            while True:
                await anyio.wait_readable(fd)
                try:
                    chunk = os.read(fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    on_line(line.decode("utf-8", "replace").rstrip("\r"))
            if pending:
                on_line(pending.decode("utf-8", "replace").rstrip("\r"))
        finally:
            stream.close()

    async def watch(self) -> int:
        """Wait until the server exits, reap it and return its return code.

        If the wait is cancelled while the server runs, the server is killed and reaped before
        the cancellation goes on: supervision never ends with a live child nobody awaits.
        """
        try:
            await anyio.wait_readable(self._pidfd)
        finally:
            if self._popen.returncode is None and self._popen.poll() is None:
                self.signal(signal.SIGKILL)
            returncode = self._popen.wait()
            os.close(self._pidfd)
            self.exited.set()
        return returncode

    async def terminate(self, timeout_s: float) -> None:
        """SIGTERM, then SIGKILL after ``timeout_s``; returns once :meth:`watch` reaped it."""
        self.signal(signal.SIGTERM)
        self.signal(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
        with anyio.move_on_after(timeout_s):
            await self.exited.wait()
        self.signal(signal.SIGKILL)
        await self.exited.wait()
