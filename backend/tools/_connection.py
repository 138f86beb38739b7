"""One MCP server's life: started on demand, its handshake, its tools, its calls, its end.

A connection is ``stopped`` until something needs it (a call, its tool list, or enabling it),
then ``starting`` while the transport opens and the SDK's ``ClientSession`` does the handshake
and lists the tools (bounded by ``tools.start_timeout_s``), then ``ready``. Anything that goes
wrong makes it ``failed`` with a reason a person can act on; a stdio server that exits is
``failed`` with its exit status and stderr tail, and the next use starts it again.

The session lives in one task of the manager's task group (the transport's cancel scopes must
open and close in the same task); calls from other tasks share it, as the SDK allows. Every
library error is translated here into a ``ToolError``.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx2
import mcp_types
from anyio.abc import TaskGroup
from mcp import ClientSession, MCPError
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types.jsonrpc import CONNECTION_CLOSED

from ..config import ToolsSettings
from ..contract import ToolServerState
from ..errors import ToolError
from ._config import ServerConfig
from ._results import ToolOutcome, outcome_of
from ._stdio import StderrTail, StdioChild, open_stdio
from ._store import ServerSecrets

__all__ = ["ServerConnection"]

_MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)
_SETTLE_AFTER_DROP_S = 2.0


def _exit_reason(returncode: int | None) -> str:
    if returncode is None:
        return "closed its connection"
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _unwrapped(exc: BaseException) -> BaseException:
    """The one error inside task groups' exception groups."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _reason(exc: BaseException, start_timeout_s: float) -> str:
    """A readable reason from whatever a transport raised (task groups wrap it in a group)."""
    exc = _unwrapped(exc)
    if isinstance(exc, TimeoutError):
        return f"it did not finish starting within {start_timeout_s:g} s"
    if isinstance(exc, ToolError):
        return exc.message
    if isinstance(exc, MCPError):
        return f"it answered with an error: {exc.message}"
    if isinstance(exc, httpx2.HTTPStatusError):
        return f"HTTP {exc.response.status_code} from {exc.request.url}"
    if isinstance(exc, httpx2.HTTPError):
        return f"it could not be reached ({type(exc).__name__}: {exc})"
    return f"{type(exc).__name__}: {exc}"


class ServerConnection:
    """One server: its state for the page, and ``call`` for the tools."""

    def __init__(
        self,
        server: ServerConfig,
        secrets: ServerSecrets,
        limits: Callable[[], ToolsSettings],
        on_change: Callable[[], None],
    ) -> None:
        self.server = server
        self.state: ToolServerState = "stopped"
        self.error: str | None = None
        self.tools: list[mcp_types.Tool] = []
        self.stderr = StderrTail()
        self._secrets = secrets
        self._limits = limits
        self._on_change = on_change
        self._session: ClientSession | None = None
        self.reached_ready = False
        """Whether its last start got as far as ``ready`` (a crash since is worth a retry)."""
        self._stop = anyio.Event()
        self._settled = anyio.Event()
        self._ended = anyio.Event()
        self._ended.set()
        self._invalid_output = 0
        self._child: StdioChild | None = None
        self._http_refusal: str | None = None

    @property
    def warning(self) -> str | None:
        """What it did wrong without failing: output on stdout that is not MCP."""
        if not self._invalid_output:
            return None
        return (
            f"It wrote {self._invalid_output} line(s) to stdout that are not MCP messages "
            "(ignored); a server should log to stderr."
        )

    def stderr_tail(self) -> list[str]:
        """The server's last stderr lines, its secrets masked."""
        return self.stderr.lines(self._secrets.values())

    def start(self, tasks: TaskGroup) -> None:
        """Start it in ``tasks`` unless it is starting or running already."""
        if not self._ended.is_set():
            return
        self._stop, self._settled, self._ended = anyio.Event(), anyio.Event(), anyio.Event()
        self.stderr = StderrTail()
        self._invalid_output = 0
        self.reached_ready = False
        self._set("starting", None)
        tasks.start_soon(self._run)

    async def ready(self, tasks: TaskGroup) -> ClientSession:
        """The live session, starting the server first if needed; ``ToolError`` if it fails."""
        self.start(tasks)
        await self._settled.wait()
        if self._session is None:
            raise ToolError(
                f"The tool server {self.server.name} is not available: {self.error}",
                detail="\n".join(self.stderr_tail()) or None,
            )
        return self._session

    async def stop(self) -> None:
        """Stop it (if running) and wait until it has ended."""
        self._stop.set()
        await self._ended.wait()

    async def call(
        self, tasks: TaskGroup, tool: str, arguments: dict[str, Any] | None
    ) -> ToolOutcome:
        """Run ``tool``; its result as text (cut to the limit), or ``ToolError``."""
        session = await self.ready(tasks)
        limits = self._limits()
        where = f"{tool} on {self.server.name}"
        try:
            with anyio.fail_after(limits.call_timeout_s):
                result = await session.call_tool(tool, arguments)
        except TimeoutError as exc:
            raise ToolError(f"{where} did not answer within {limits.call_timeout_s:g} s.") from exc
        except Exception as exc:
            if not isinstance(exc, MCPError) or exc.code == CONNECTION_CLOSED:
                with anyio.move_on_after(_SETTLE_AFTER_DROP_S):
                    await self._ended.wait()  # a dropped connection: let the state catch up
            if self.state == "failed":
                raise ToolError(
                    f"{self.server.name} stopped during the call of {tool}: {self.error}",
                    detail="\n".join(self.stderr_tail()) or None,
                ) from exc
            raise ToolError(f"{where} failed: {_reason(exc, limits.start_timeout_s)}") from exc
        return outcome_of(result, limits.result_max_chars)

    def _set(self, state: ToolServerState, error: str | None) -> None:
        # The error reaches the page (Settings, an answer's notice): never with a secret in it.
        self.state, self.error = state, _masked(error, self._secrets.values())
        self._on_change()

    async def _on_message(self, message: object) -> None:
        if isinstance(message, Exception):
            self._invalid_output += 1
            self._on_change()

    async def _run(self) -> None:
        try:
            async with AsyncExitStack() as stack:
                gone = await self._serve(stack)
            self._set("failed" if gone else "stopped", gone)
        except Exception as exc:
            reason = _reason(exc, self._limits().start_timeout_s)
            if self._http_refusal is not None:
                reason = f"it answered {self._http_refusal}"
            elif self._closed_by_exit(exc):
                assert self._child is not None
                reason = f"it {_exit_reason(self._child.returncode)} before it was ready"
            self._set("failed", reason)
        finally:
            self._session = None
            self._settled.set()
            self._ended.set()

    def _closed_by_exit(self, exc: BaseException) -> bool:
        """Whether a stdio server ended the connection itself by exiting (its stdout closed
        before we stopped it, which is when its exit status is known)."""
        exc = _unwrapped(exc)
        closed = isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED
        return closed and self._child is not None and self._child.returncode is not None

    async def _serve(self, stack: AsyncExitStack) -> str | None:
        """Open, hand-shake, list the tools, then wait: None when asked to stop, else why not."""
        read, write, exited = await stack.enter_async_context(self._transport())
        session = await stack.enter_async_context(
            ClientSession(read, write, message_handler=self._on_message)
        )
        with anyio.fail_after(self._limits().start_timeout_s):
            await session.initialize()
            self.tools = await _all_tools(session)
        self._session = session
        self.reached_ready = True
        self._set("ready", None)
        self._settled.set()
        async with anyio.create_task_group() as waiting:
            for event in (self._stop, exited):
                waiting.start_soon(_cancel_when_set, event, waiting.cancel_scope)
        if exited.is_set() and not self._stop.is_set():
            self.tools = []
            return f"it {_exit_reason(self._child.returncode if self._child else None)}"
        return None

    @asynccontextmanager
    async def _transport(self) -> AsyncIterator[tuple[Any, Any, anyio.Event]]:
        server = self.server
        self._child, self._http_refusal = None, None
        if server.transport == "stdio":
            assert server.command is not None
            async with open_stdio(
                server.command,
                server.args,
                server.cwd,
                self._secrets.env,
                max_line_bytes=_MAX_MESSAGE_BYTES,
            ) as (read, write, child):
                self.stderr, self._child = child.stderr, child
                exited = anyio.Event()

                async def watch() -> None:
                    await child.exited.wait()
                    exited.set()

                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(watch)
                    yield read, write, exited
                    tasks.cancel_scope.cancel()
            return
        assert server.url is not None
        headers = self._secrets.headers
        if server.transport == "sse":
            async with sse_client(server.url, headers=headers) as sse_streams:
                yield *sse_streams, anyio.Event()
            return

        async def note_status(response: httpx2.Response) -> None:
            if response.status_code >= 400:
                hint = (
                    " (check its headers, e.g. the token)"
                    if response.status_code in (401, 403)
                    else ""
                )
                self._http_refusal = f"HTTP {response.status_code} {response.reason_phrase}{hint}"

        hooks = {"response": [note_status]}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=_HTTP_TIMEOUT, event_hooks=hooks) as client,
            streamable_http_client(server.url, http_client=client) as http_streams,
        ):
            yield *http_streams, anyio.Event()


def _masked(text: str | None, secrets: list[str]) -> str | None:
    """``text`` with every secret value replaced by ``•••`` (like the stderr tail)."""
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, "•••")
    return text


async def _cancel_when_set(event: anyio.Event, scope: anyio.CancelScope) -> None:
    await event.wait()
    scope.cancel()


async def _all_tools(session: ClientSession) -> list[mcp_types.Tool]:
    """Every tool, following the pagination cursor."""
    tools: list[mcp_types.Tool] = []
    cursor: str | None = None
    while True:
        params = mcp_types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            return tools
