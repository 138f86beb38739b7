"""Supervising one running llama-server: its output, readiness, health, hangs and idleness.

A :class:`ServerRun` is one spawned process and what is known about it. The
:class:`Supervisor` owns each run in its own task: it awaits the child's exit (a crash is seen at
once, not at the next request), reads its output into the log and a short tail, polls
``/health`` until ready (killing the server at ``start_timeout_s``; a line saying the model is
loaded asks at once, so readiness is seen within milliseconds of it, not at the next poll) and
then every ``health_interval_s``, or at once when ``check_soon`` says an answer stalled; idle
(no request for ``idle_after_s``, no idle unloading, no router) only every ``idle_health_s``,
and at once when a request comes. A failed check makes the server ``unhealthy``;
``hang_after_failures`` in a row mean it hangs, and it is killed. With ``idle_unload_minutes``
set, a healthy check that finds no request for that long and no slot still processing
(``/slots``; when it cannot tell, the server stays) reports the run idle; a router's models are
tended one by one instead. When the process ends, the pid record goes and, unless the monitor
stopped it, ``on_exit`` decides what comes next.

Long because: one run's lifecycle (launch, readiness, health, idleness, exit) reads as one piece.
"""

from __future__ import annotations

import re
import secrets
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import httpx
from anyio.abc import TaskGroup

from ..config import EngineSettings, Settings
from ..errors import ModelError
from ..llama import Endpoint
from ._diagnose import Failure, describe_returncode, diagnose_exit, diagnose_spawn
from ._launch import ServerProcess, connect_url, server_environ
from ._log import ServerLog
from ._pidfile import remove_record
from ._plan import LaunchPlan, write_launch_files
from ._router import RouterModel, RouterSession
from ._state import Lifecycle, ServerPhase

__all__ = ["ServerRun", "Supervisor"]

_READY_POLL_S = 0.05
_IDLE_AFTER_S = 10.0
_IDLE_HEALTH_S = 15.0
# Lines llama-server prints once /health answers 200 (after its model is loaded).
_READY_LINE = re.compile(r"model loaded|listening on|all slots are idle")
_PROGRESS_EVERY_S = 1.0
_DRAIN_OUTPUT_S = 1.0
_TAIL_LINES = 60


@dataclass(eq=False)
class ServerRun:
    """One launched llama-server process and what the monitor knows about it."""

    process: ServerProcess
    generation: int
    host: str
    port: int
    fixed_port: bool
    api_key: str
    model: Path
    launched: float
    ready_at: float | None = None
    stopping: bool = False
    failure: Failure | None = None
    """Why the monitor killed it (a hang, a start timeout), which its exit code cannot say."""
    router: RouterSession | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=_TAIL_LINES))
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    said_ready: anyio.Event = field(default_factory=anyio.Event)
    """Set when the server printed a line that says it is ready (see ``_READY_LINE``)."""
    finished: anyio.Event = field(default_factory=anyio.Event)

    @classmethod
    async def launch(
        cls,
        plan: LaunchPlan,
        *,
        generation: int,
        environ: Mapping[str, str],
        log: ServerLog,
        client: httpx.AsyncClient,
        on_models: Callable[[], None],
    ) -> ServerRun | Failure:
        """Write the plan's files and start its process with a fresh API key; or why not."""
        refused = await write_launch_files(plan)
        if refused is not None:
            return refused
        api_key = secrets.token_urlsafe(24)
        if plan.note:
            log.note(plan.note)
        log.note(f"launching: {' '.join(plan.argv)}")
        try:
            env = server_environ({**dict(plan.extra_env), **environ}, api_key)
            process = ServerProcess.spawn(plan.argv, env)
        except OSError as exc:
            return diagnose_spawn(exc)
        run = cls(
            process=process,
            generation=generation,
            host=plan.host,
            port=plan.port,
            fixed_port=plan.fixed_port,
            api_key=api_key,
            model=plan.model,
            launched=time.monotonic(),
        )
        if plan.router is not None:
            run.router = RouterSession(
                plan.router,
                client=client,
                base_url=run.base_url,
                api_key=api_key,
                on_change=on_models,
            )
        return run

    @property
    def base_url(self) -> str:
        """Where the server listens."""
        return connect_url(self.host, self.port)

    def endpoint(self) -> Endpoint:
        """Where requests go now; a router's selected model counts as used."""
        name = self.router.selected if self.router is not None else None
        if self.router is not None and name is not None:
            self.router.touch(name)
        return Endpoint(
            base_url=self.base_url,
            api_key=self.api_key,
            model_path=str(self.model),
            generation=self.generation,
            model=name,
        )

    async def switch(self, model_id: str, timeout_s: float, *, fallback: str | None) -> None:
        """Router mode: load the plan's ``model_id`` and send new requests to it.

        When it fails to load, new requests go to ``fallback`` (the id of the model selected
        before, which a relaunch on the new plan may have replaced), and ``ModelError``
        carries the server's error lines.
        """
        assert self.router is not None
        chosen = self.router.plan.find(model_id)
        assert chosen is not None, "the monitor relaunched the router on the current plan"
        try:
            await self.router.load(chosen.name, timeout_s)
        except ModelError as exc:
            previous = self.router.plan.find(fallback) if fallback is not None else None
            if previous is not None:
                self._send_to(previous)
            lines = [line for line in self.tail if " E " in line]
            raise ModelError(exc.message, detail="\n".join(lines[-8:]) or None) from exc
        self._send_to(chosen)

    def _send_to(self, model: RouterModel) -> None:
        assert self.router is not None
        self.router.selected = model.name
        self.model = model.path

    def explain(self, returncode: int) -> Failure:
        """Why the process ended, with its last output as the detail."""
        detail = "\n".join(self.tail) or None
        if self.failure is not None:
            return replace(self.failure, detail=detail)
        return diagnose_exit(
            returncode,
            list(self.tail),
            model=self.model,
            host=self.host,
            port=self.port,
            fixed_port=self.fixed_port,
        )


class Supervisor:
    """Watches every run the monitor launches, each in its own task; tells the lifecycle.

    Entered with the monitor (``async with``): it owns the HTTP client for the health checks and
    the task group the runs are watched in. ``current`` is the run the monitor holds (a run it
    let go is no longer reported on); ``on_idle`` is started as its own task for a run idle for
    too long, ``on_exit`` awaited after an exit nobody asked for.
    """

    def __init__(
        self,
        *,
        log: ServerLog,
        lifecycle: Lifecycle,
        run_dir: Path,
        settings: Callable[[], Settings],
        current: Callable[[], ServerRun | None],
        on_idle: Callable[[ServerRun], Coroutine[Any, Any, None]],
        on_exit: Callable[[ServerRun, EngineSettings, int], Awaitable[None]],
    ) -> None:
        self._log = log
        self._life = lifecycle
        self._run_dir = run_dir
        self._settings = settings
        self._current = current
        self._on_idle = on_idle
        self._on_exit = on_exit
        self._last_use = time.monotonic()
        self._check_now: anyio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self._tasks: TaskGroup | None = None
        self._stack: AsyncExitStack | None = None
        self.ready_poll_s = _READY_POLL_S
        """How often ``/health`` is asked while a server loads, besides when it says ready."""
        self.idle_after_s, self.idle_health_s = _IDLE_AFTER_S, _IDLE_HEALTH_S
        """No request for ``idle_after_s``: checks only every ``idle_health_s`` (an idle app
        polls ~nothing; its exit is seen at once all the same)."""

    async def __aenter__(self) -> Supervisor:
        """Open the HTTP client and the task group."""
        async with AsyncExitStack() as stack:
            self._check_now = anyio.Event()
            self._client = await stack.enter_async_context(httpx.AsyncClient(trust_env=False))
            self._tasks = await stack.enter_async_context(anyio.create_task_group())
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Wait for every watched run to end, then close the client."""
        assert self._stack is not None
        return await self._stack.__aexit__(exc_type, exc, tb)

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client for health checks (and the router's requests)."""
        assert self._client is not None, "use the supervisor inside async with"
        return self._client

    @property
    def tasks(self) -> TaskGroup:
        """The task group the runs are watched in."""
        assert self._tasks is not None, "use the supervisor inside async with"
        return self._tasks

    def watch(self, run: ServerRun, engine: EngineSettings) -> None:
        """Start supervising ``run`` (launched with ``engine``) in its own task."""
        self.tasks.start_soon(self._supervise, run, engine, name=f"llama-server {run.process.pid}")

    def touch(self) -> None:
        """Note a request now (for the idle timeout); after an idle time, check health now."""
        was_idle = self._idle()
        self._last_use = time.monotonic()
        if was_idle and self._check_now is not None:
            self._check_now.set()

    def _idle(self) -> bool:
        return time.monotonic() - self._last_use >= self.idle_after_s

    def _health_pause_s(self, run: ServerRun, engine: EngineSettings) -> float:
        """The pause before the next check: longer while idle, unless the checks also time
        idle unloading or tend a router's models."""
        tending = run.router is not None or bool(engine.idle_unload_minutes)
        if tending or not self._idle():
            return engine.health_interval_s
        return max(engine.health_interval_s, self.idle_health_s)

    def check_soon(self) -> None:
        """Run the next health check now (an answer stalled), so a hung server is found sooner."""
        self._log.note("an answer stalled; checking llama-server now")
        if self._check_now is not None:
            self._check_now.set()

    def idle_expired(self) -> bool:
        """No request for ``idle_unload_minutes`` (never, when that is 0)."""
        minutes = self._settings().engine.idle_unload_minutes
        return bool(minutes) and time.monotonic() - self._last_use >= minutes * 60

    async def _supervise(self, run: ServerRun, engine: EngineSettings) -> None:
        """Own one process: its output, its health, its exit, then ``on_exit`` if unexpected."""
        output_done = anyio.Event()

        async def pump() -> None:
            await run.process.pump(self._recorder(run))
            output_done.set()

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(pump)
                tg.start_soon(self._check_health, run, engine)
                returncode = await run.process.watch()
                run.scope.cancel()
                with anyio.move_on_after(_DRAIN_OUTPUT_S):
                    await output_done.wait()
                tg.cancel_scope.cancel()
        finally:
            # Also when supervision is cancelled: watch() has killed and reaped the server.
            remove_record(self._run_dir, run.process.pid)
            run.finished.set()
        self._log.note(f"llama-server pid {run.process.pid} {describe_returncode(returncode)}")
        if not run.stopping:
            await self._on_exit(run, engine, returncode)

    def _recorder(self, run: ServerRun) -> Callable[[str], None]:
        def record(line: str) -> None:
            run.tail.append(line)
            self._log.write(line)
            if _READY_LINE.search(line):
                run.said_ready.set()

        return record

    async def _probe(self, run: ServerRun, timeout_s: float) -> bool:
        try:
            response = await self.client.get(f"{run.base_url}/health", timeout=timeout_s)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _check_health(self, run: ServerRun, engine: EngineSettings) -> None:
        with run.scope:
            if not await self._await_ready(run, engine):
                return
            failures = 0
            while True:
                await self._pause(self._health_pause_s(run, engine))
                healthy = await self._probe(run, engine.health_timeout_s)
                if self._current() is not run:
                    return
                if healthy:
                    failures = 0
                    await self._healthy(run, engine)
                    continue
                failures += 1
                if self._life.phase is ServerPhase.READY:
                    self._life.enter(ServerPhase.UNHEALTHY)
                if failures >= engine.hang_after_failures:
                    run.failure = Failure(
                        f"llama-server stopped answering ({failures} health checks in a row "
                        "failed) and was killed.",
                        "It may have deadlocked or been paused; it is restarted automatically.",
                    )
                    run.process.signal(signal.SIGKILL)
                    return

    async def _pause(self, seconds: float) -> None:
        """Wait until the next health check is due, or until ``check_soon`` asks for it."""
        assert self._check_now is not None
        with anyio.move_on_after(seconds):
            await self._check_now.wait()
        if self._check_now.is_set():
            self._check_now = anyio.Event()

    async def _healthy(self, run: ServerRun, engine: EngineSettings) -> None:
        if self._life.phase is ServerPhase.UNHEALTHY:
            self._life.enter(ServerPhase.READY)
        if run.router is not None:
            await run.router.tend(engine, self._log.note)
        elif await self._idle_for_long(run):
            self.tasks.start_soon(self._on_idle, run)

    async def _idle_for_long(self, run: ServerRun) -> bool:
        """No request for ``idle_unload_minutes`` and no slot processing (a long answer)."""
        if not self.idle_expired():
            return False
        try:
            response = await self.client.get(
                f"{run.base_url}/slots",
                headers={"Authorization": f"Bearer {run.api_key}"},
                timeout=self._settings().engine.health_timeout_s,
            )
            response.raise_for_status()
            busy = any(slot.get("is_processing") for slot in response.json())
        except (httpx.HTTPError, ValueError, TypeError, AttributeError):
            return False
        if busy:
            self.touch()
        return not busy

    async def _await_ready(self, run: ServerRun, engine: EngineSettings) -> bool:
        """Poll ``/health`` until it answers 200; kill the server at ``start_timeout_s``."""
        last_progress = run.launched
        while not await self._probe(run, min(engine.health_timeout_s, 1.0)):
            now = time.monotonic()
            if now - run.launched >= engine.start_timeout_s:
                run.failure = Failure(
                    f"llama-server did not become ready within {engine.start_timeout_s:g} s.",
                    "A large model may need longer: raise Settings → Engine → start timeout. "
                    "The log shows how far loading got.",
                    permanent=True,
                )
                run.process.signal(signal.SIGKILL)
                return False
            if now - last_progress >= _PROGRESS_EVERY_S:
                last_progress = now
                self._life.announce()
            with anyio.move_on_after(self.ready_poll_s):
                await run.said_ready.wait()
            run.said_ready = anyio.Event()  # each line that says so wakes one probe, no more
        if self._current() is not run:
            return False
        run.ready_at = self._last_use = time.monotonic()
        self._log.note(
            f"ready on port {run.port} after {run.ready_at - run.launched:.2f} s "
            f"(generation {run.generation})"
        )
        self._life.enter(ServerPhase.READY)
        return True
