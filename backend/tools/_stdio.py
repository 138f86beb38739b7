"""The stdio transport: a local MCP server as a child that cannot outlive the app.

The SDK's ``ClientSession`` speaks the protocol; this module only carries its newline-delimited
JSON-RPC messages (parsed and serialised with the SDK's own types) over the child's stdin and
stdout, because the SDK's ``stdio_client`` cannot give the child the guarantees llama-server has:

- its own session and process group, and on Linux ``PR_SET_PDEATHSIG(SIGKILL)``
  (``backend.processes.spawn_child``; the spawn is a plain call on the event loop's thread);
- its stderr kept as a tail of lines for the page (``StderrTail``);
- its exit seen at once through a pidfd, and always reaped.

Stopping closes its stdin (the spec's way to ask it to exit), then after a grace period sends
SIGTERM to its group, then SIGKILL. A line of stdout that is not a JSON-RPC message goes to the
session as an exception (the SDK hands it to the message handler); a line longer than
``max_line_bytes`` is dropped the same way, so a runaway server cannot exhaust memory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import mcp_types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage

from ..child_env import child_environ
from ..errors import ToolError
from ..processes import signal_group, spawn_child

__all__ = ["StderrTail", "StdioChild", "open_stdio"]

_READ_CHUNK = 1 << 16
_STOP_GRACE_S = 2.0
_TERM_GRACE_S = 2.0
_TAIL_LINES = 40
_TAIL_LINE_CHARS = 500


class StderrTail:
    """The last lines a server wrote to stderr, each cut to a readable length."""

    def __init__(self) -> None:
        self._lines: deque[str] = deque(maxlen=_TAIL_LINES)
        self._pending = b""

    def feed(self, chunk: bytes) -> None:
        """Add raw stderr bytes."""
        *lines, self._pending = (self._pending + chunk).split(b"\n")
        self._pending = self._pending[-_TAIL_LINE_CHARS * 4 :]
        for line in lines:
            self._lines.append(line.decode(errors="replace").rstrip("\r")[:_TAIL_LINE_CHARS])

    def lines(self, masked: Sequence[str] = ()) -> list[str]:
        """The tail, with every value in ``masked`` replaced by ``•••``."""
        lines = list(self._lines)
        if self._pending:
            lines.append(self._pending.decode(errors="replace")[:_TAIL_LINE_CHARS])
        for secret in masked:
            lines = [line.replace(secret, "•••") for line in lines]
        return lines


@dataclass
class StdioChild:
    """A running server process: its pid, how it ended, and its stderr."""

    popen: subprocess.Popen[bytes]
    stderr: StderrTail
    exited: anyio.Event

    @property
    def returncode(self) -> int | None:
        """Its exit status (negative: killed by that signal), None while it runs."""
        return self.popen.returncode

    def signal(self, sig: signal.Signals) -> None:
        """Signal its whole process group, unless it has been reaped."""
        signal_group(self.popen, sig)


def _spawn(
    command: str, args: Sequence[str], cwd: str | None, env: Mapping[str, str]
) -> StdioChild:
    try:
        popen = spawn_child(
            [command, *args],
            {**child_environ(get_default_environment()), **env},
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
    except OSError as exc:
        missing = cwd if cwd is not None and not Path(cwd).is_dir() else command
        raise ToolError(
            f"Could not start {command!r}: {exc.strerror or exc}.",
            detail=f"{missing}: {exc}",
        ) from exc
    for pipe in (popen.stdin, popen.stdout, popen.stderr):
        assert pipe is not None
        os.set_blocking(pipe.fileno(), False)
    return StdioChild(popen, StderrTail(), anyio.Event())


async def _chunks(fd: int) -> AsyncIterator[bytes]:
    while True:
        await anyio.wait_readable(fd)
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except BlockingIOError:
            continue
        if not chunk:
            return
        yield chunk


def _message(line: bytes) -> SessionMessage | Exception:
    try:
        return SessionMessage(mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError as exc:
        return exc


class _Pipes:
    """The three pipes' loops and the exit watcher, for one child."""

    def __init__(self, child: StdioChild, max_line_bytes: int) -> None:
        self.child = child
        self.max_line_bytes = max_line_bytes

    async def read_stdout(self, sink: MemoryObjectSendStream[SessionMessage | Exception]) -> None:
        stdout = self.child.popen.stdout
        assert stdout is not None
        parts: list[bytes] = []
        size, overflow = 0, False
        async with sink:
            async for chunk in _chunks(stdout.fileno()):
                pieces = chunk.split(b"\n")
                for index, piece in enumerate(pieces):
                    if not overflow:
                        size += len(piece)
                        parts.append(piece)
                        if size > self.max_line_bytes:
                            parts, overflow = [], True
                            await sink.send(self._too_long())
                    if index < len(pieces) - 1:  # a newline ends the line
                        line = b"".join(parts)
                        if line.strip():
                            await sink.send(_message(line))
                        parts, size, overflow = [], 0, False

    def _too_long(self) -> ValueError:
        return ValueError(f"a message over {self.max_line_bytes:,} bytes was dropped")

    async def write_stdin(self, source: MemoryObjectReceiveStream[SessionMessage]) -> None:
        stdin = self.child.popen.stdin
        assert stdin is not None
        fd = stdin.fileno()
        async with source:
            async for message in source:
                text = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                data = memoryview((text + "\n").encode())
                try:
                    while data:
                        await anyio.wait_writable(fd)
                        with contextlib.suppress(BlockingIOError):
                            data = data[os.write(fd, data) :]
                except (BrokenPipeError, OSError):
                    return  # it exited; the exit watcher says how

    async def read_stderr(self) -> None:
        stderr = self.child.popen.stderr
        assert stderr is not None
        async for chunk in _chunks(stderr.fileno()):
            self.child.stderr.feed(chunk)

    async def watch_exit(self) -> None:
        pidfd = os.pidfd_open(self.child.popen.pid)
        try:
            await anyio.wait_readable(pidfd)
        finally:
            os.close(pidfd)
        self.child.popen.wait()
        self.child.exited.set()

    async def stop(self) -> None:
        """Close stdin, then SIGTERM, then SIGKILL its group, each after a grace period."""
        stdin = self.child.popen.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):
            stdin.close()
        for sig, grace in ((signal.SIGTERM, _STOP_GRACE_S), (signal.SIGKILL, _TERM_GRACE_S)):
            with anyio.move_on_after(grace):
                await self.child.exited.wait()
                return
            self.child.signal(sig)
        await self.child.exited.wait()


@asynccontextmanager
async def open_stdio(
    command: str,
    args: Sequence[str],
    cwd: str | None,
    env: Mapping[str, str],
    *,
    max_line_bytes: int,
) -> AsyncIterator[
    tuple[
        MemoryObjectReceiveStream[SessionMessage | Exception],
        MemoryObjectSendStream[SessionMessage],
        StdioChild,
    ]
]:
    """Start the server and yield the session's streams and the child; stop it on exit."""
    child = _spawn(command, args, cwd, env)
    pipes = _Pipes(child, max_line_bytes)
    to_session, from_server = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    to_server, from_session = anyio.create_memory_object_stream[SessionMessage](0)
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(pipes.watch_exit)
            tasks.start_soon(pipes.read_stdout, to_session)
            tasks.start_soon(pipes.write_stdin, from_session)
            tasks.start_soon(pipes.read_stderr)
            try:
                yield from_server, to_server, child
            finally:
                with anyio.CancelScope(shield=True):
                    await pipes.stop()
                tasks.cancel_scope.cancel()
    finally:
        for pipe in (child.popen.stdin, child.popen.stdout, child.popen.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        for stream in (from_server, to_server):
            stream.close()
