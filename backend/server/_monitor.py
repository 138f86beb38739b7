"""The server monitor: launches llama-server, watches it, restarts it, and tells the UI.

One :class:`ServerPhase` is the only truth about the server; every transition goes through
``_enter`` (which checks it against the lifecycle table) and is pushed to the sink as a
``ServerStatusEvent``. Three things can change it:

* the user's commands (``start``/``stop``/``restart``), serialised by one lock, so a stop never
  interleaves with a launch;
* the launch's supervisor task, which awaits the child's exit (a crash is seen at once, not at the
  next request), reads its output into the log, polls ``/health`` until ready and then every
  ``health_interval_s`` (at once when ``check_soon`` says an answer stalled): a failed check makes
  the server ``unhealthy``, ``hang_after_failures`` in a row mean it hangs, and it is killed;
* recovery after an exit nobody asked for: the exit is explained (``_diagnose``), and the server is
  relaunched after ``restart_backoff_s``, doubling per crash; a cause no restart can fix, or
  ``restart_max`` crashes within ``restart_window_s``, ends in ``failed`` instead of a loop.

``endpoint()`` (the adapter's ``EndpointProvider``) waits through ``starting``/``crashed``/
``restarting``, so the message after a crash goes to the restarted server with no user action;
and it starts a server that was stopped for being idle: with ``idle_unload_minutes`` set, a
health check finding no request for that long (``endpoint()`` calls count as requests) and no
slot still processing (``/slots``; when it cannot tell, the server stays) stops the server to free
its memory, and the next request loads it again.

With ``engine.router_mode`` the process is llama-server's router (``_router``): the monitor writes
the presets file from ``router_plan()`` at each launch, supervises the router exactly like a
single server, polls each model's state with the health checks (``on_models`` hears of changes),
and unloads each idle model on its own instead of stopping the server. ``select()`` switches the
model new requests name without a restart (relaunching only when the presets changed);
``endpoint()`` then carries that model's name.
``generation`` grows with every launch, which tells the slot manager the server's slots are
empty. Supervision runs in the monitor's own task group (``async with ServerMonitor(...)``);
``aclose()`` stops the server even while the surrounding scope is being cancelled.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType

import anyio
import httpx
from anyio.abc import TaskGroup

from ..config import EngineSettings, Settings
from ..contract import BridgeEvent, ModelLoadState, ServerStatus, ServerStatusEvent
from ..engine import ensure_default_model, locate_engine
from ..errors import (
    Conflict,
    EngineError,
    ModelError,
    ServerError,
    ServerTimeout,
    ServerUnavailable,
)
from ..llama import Endpoint
from ..paths import AppPaths
from ._diagnose import (
    Failure,
    describe_returncode,
    diagnose_engine,
    diagnose_exit,
    diagnose_spawn,
)
from ._launch import (
    ServerProcess,
    build_argv,
    check_extra_args,
    choose_port,
    connect_url,
    server_environ,
)
from ._log import ServerLog
from ._pidfile import PidRecord, remove_record, sweep, write_record
from ._router import RouterPlan, RouterSession, preset_text, router_argv
from ._state import ServerPhase, check_transition

__all__ = ["ServerMonitor"]

logger = logging.getLogger(__name__)

_READY_POLL_S = 0.02
_PROGRESS_EVERY_S = 1.0
_DRAIN_OUTPUT_S = 1.0
_TAIL_LINES = 60
_RUNNING = (ServerPhase.READY, ServerPhase.UNHEALTHY)
_SETTLED = (*_RUNNING, ServerPhase.FAILED, ServerPhase.STOPPED)
_IDLE_HINT = "Stopped after a while without requests to free memory; the next message starts it."


@dataclass(frozen=True)
class _Resolved:
    """What a launch needs: the binary, the (selected) model, the port, the router's plan."""

    binary: Path
    model: Path
    port: int
    plan: RouterPlan | None = None


@dataclass(eq=False)
class _Run:
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
    router: RouterSession | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=_TAIL_LINES))
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    finished: anyio.Event = field(default_factory=anyio.Event)

    @property
    def base_url(self) -> str:
        return connect_url(self.host, self.port)


class ServerMonitor:
    """Supervises one llama-server for the app: the bridge's commands and the adapter's endpoint."""

    def __init__(
        self,
        *,
        paths: AppPaths,
        settings: Callable[[], Settings],
        sink: Callable[[BridgeEvent], None],
        environ: Mapping[str, str] | None = None,
        router_plan: Callable[[], RouterPlan] | None = None,
        on_models: Callable[[], None] = lambda: None,
    ) -> None:
        self._paths = paths
        self._settings = settings
        self._sink = sink
        self._router_plan = router_plan
        self._on_models = on_models
        self._environ = dict(os.environ if environ is None else environ)
        self._log = ServerLog(paths.log_dir / "llama-server.log")
        self._phase = ServerPhase.STOPPED
        self._since = time.monotonic()
        self._run: _Run | None = None
        self._generation = 0
        self._restarts = 0
        self._crashes: deque[float] = deque()
        self._failure: Failure | None = None
        self._idle = False
        self._last_use = time.monotonic()
        self._recovery: anyio.CancelScope | None = None
        self._closed = False
        self._stack: AsyncExitStack | None = None
        self._tg: TaskGroup | None = None
        self._client: httpx.AsyncClient | None = None
        self._lock: anyio.Lock | None = None
        self._changed: anyio.Event | None = None
        self._check_now: anyio.Event | None = None

    # -- context -------------------------------------------------------------------------------

    async def __aenter__(self) -> ServerMonitor:
        """Sweep servers orphaned by a dead app, then open the supervision task group."""
        async with AsyncExitStack() as stack:
            self._lock = anyio.Lock()
            self._changed = anyio.Event()
            self._check_now = anyio.Event()
            self._client = await stack.enter_async_context(httpx.AsyncClient(trust_env=False))
            stack.callback(self._log.close)
            self._tg = await stack.enter_async_context(anyio.create_task_group())
            for note in await anyio.to_thread.run_sync(sweep, self._paths.run_dir):
                logger.warning("%s", note)
                self._log.note(note)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Stop the server, end supervision, and close the log and the HTTP client."""
        await self.aclose()
        assert self._stack is not None
        return await self._stack.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and end supervision; safe to call twice.

        Shielded from cancellation: this is what runs when the window closes or on Ctrl-C, and
        a cancelled shutdown is exactly how orphans are made. It does not cancel the monitor's
        task group (the caller's ``async with`` body runs inside it): with the server reaped and
        a pending restart cancelled, every supervision task ends by itself, and any command
        still waiting gets ``ServerUnavailable``.
        """
        if self._closed:
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            self._cancel_recovery()
            await self._terminate()
            if self._phase is not ServerPhase.STOPPED:
                self._enter(ServerPhase.STOPPED)

    # -- commands ------------------------------------------------------------------------------

    async def start(self) -> ServerStatus:
        """Launch the server unless it runs, and wait until it is ready or has failed.

        Raises the failure's error (``EngineError``, ``ModelError``, ``ServerError``) when the
        server ends in ``failed``; ``status()`` then has the same message and a hint.
        """
        async with self._locked():
            if self._phase in (ServerPhase.STOPPED, ServerPhase.FAILED):
                self._crashes.clear()
                await self._launch()
        return await self._settle()

    async def stop(self, *, unload: bool = False) -> ServerStatus:
        """Stop the server (SIGTERM, then SIGKILL after ``stop_timeout_s``) and reap it.

        With ``unload`` it is stopped as if idle: the next request starts it again.
        """
        async with self._locked():
            self._cancel_recovery()
            await self._terminate()
            self._failure = None
            if self._phase is not ServerPhase.STOPPED:
                self._enter(ServerPhase.STOPPED, idle=unload)
        return self.status()

    async def restart(self) -> ServerStatus:
        """Stop the server if it runs and launch it again with the current settings."""
        async with self._locked():
            self._cancel_recovery()
            await self._terminate()
            self._crashes.clear()
            self._failure = None
            if self._phase in (*_RUNNING, ServerPhase.STARTING, ServerPhase.CRASHED):
                self._enter(ServerPhase.RESTARTING)
            await self._launch()
        return await self._settle()

    def status(self) -> ServerStatus:
        """The current state, with pid, port, model, times, restarts and the last error."""
        now = time.monotonic()
        run = self._run
        failure = self._failure
        return ServerStatus(
            state=self._phase.value,
            pid=run.process.pid if run and run.process.returncode is None else None,
            port=run.port if run else None,
            model=run.model.name if run else None,
            uptime_s=now - run.ready_at if run and run.ready_at is not None else None,
            elapsed_s=now - self._since,
            restarts=self._restarts,
            last_error=failure.message if failure else None,
            hint=failure.hint if failure else _IDLE_HINT if self._idle else None,
        )

    def check_soon(self) -> None:
        """Run the next health check now (an answer stalled), so a hung server is found sooner."""
        self._log.note("an answer stalled; checking llama-server now")
        if self._check_now is not None:
            self._check_now.set()

    def logs(self, lines: int) -> list[str]:
        """The last ``lines`` lines of the server's output (and the monitor's notes)."""
        return self._log.tail(lines)

    async def endpoint(self) -> Endpoint:
        """Wait until the server is ready and return where it is (``EndpointProvider``).

        Waits through a launch or an automatic restart; raises ``ServerUnavailable`` when the
        server is stopped or has failed, and ``ServerTimeout`` when it does not come back.
        """
        engine = self._settings().engine
        patience = engine.start_timeout_s + min(
            engine.restart_backoff_s * 2.0 ** min(engine.restart_max, 16), 60.0
        )
        with anyio.move_on_after(patience):
            while True:
                run = self._run
                if self._phase in _RUNNING and run is not None:
                    self._last_use = time.monotonic()
                    name = run.router.selected if run.router is not None else None
                    if run.router is not None and name is not None:
                        run.router.touch(name)
                    return Endpoint(
                        base_url=run.base_url,
                        api_key=run.api_key,
                        model_path=str(run.model),
                        generation=run.generation,
                        model=name,
                    )
                if self._phase is ServerPhase.STOPPED and self._idle:
                    await self.start()
                    continue
                if self._phase is ServerPhase.STOPPED:
                    raise ServerUnavailable(
                        "llama-server is not running.", detail="Start it from the header."
                    )
                if self._phase is ServerPhase.FAILED:
                    assert self._failure is not None, "failed is always entered with a reason"
                    raise ServerUnavailable(self._failure.message, detail=self._failure.hint)
                await self._wait_change()
        raise ServerTimeout(
            f"llama-server did not become ready within {patience:.0f} s.",
            detail="A large model may need longer: raise Settings → Engine → start timeout.",
        )

    # -- router mode ---------------------------------------------------------------------------

    @property
    def is_router(self) -> bool:
        """Whether the running server is a router (several models)."""
        return self._run is not None and self._run.router is not None

    def model_states(self) -> dict[str, ModelLoadState]:
        """In router mode, each model's state by catalogue id; empty for a single server."""
        run = self._run
        return run.router.states() if run is not None and run.router is not None else {}

    async def select(self, model_id: str) -> ServerStatus:
        """Router mode: load ``model_id`` and send new requests to it, without a restart.

        The router is relaunched first when the presets changed since it started (a new model,
        or new load settings). ``ModelError`` says why a model failed to load; the model
        selected before stays selected.
        """
        async with self._locked():
            run = await self._router_run()
            plan = self._router_plan() if self._router_plan is not None else None
            if plan is None or plan.find(model_id) is None:
                raise ModelError(
                    f"The router does not offer model {model_id}.", detail="Refresh the models."
                )
            assert run.router is not None
            if preset_text(plan.models) != preset_text(run.router.plan.models):
                self._log.note("relaunching the router: its models or their settings changed")
                await self._terminate()
                self._enter(ServerPhase.RESTARTING)
                await self._launch()
        await self._settle()
        run = await self._router_run()
        assert run.router is not None
        chosen = run.router.plan.find(model_id)
        assert chosen is not None, "a relaunch above made the router's plan the current one"
        try:
            await run.router.load(chosen.name, self._settings().engine.start_timeout_s)
        except ModelError as exc:
            lines = [line for line in run.tail if " E " in line]
            raise ModelError(exc.message, detail="\n".join(lines[-8:]) or None) from exc
        run.router.selected = chosen.name
        run.model = chosen.path
        self._emit()
        return self.status()

    async def unload(self, model_id: str) -> None:
        """Router mode: free a model's memory; the next request to it loads it again."""
        run = await self._router_run()
        assert run.router is not None
        model = run.router.plan.find(model_id)
        if model is not None:
            await run.router.unload(model.name, self._settings().engine.health_timeout_s)

    async def _router_run(self) -> _Run:
        run = self._run
        if run is None or run.router is None:
            raise Conflict(
                "llama-server is not running in router mode.",
                detail="Turn on Settings → Engine → router mode, or start the server.",
            )
        return run

    # -- state ---------------------------------------------------------------------------------

    def _locked(self) -> anyio.Lock:
        if self._lock is None or self._closed:
            raise ServerUnavailable(
                "The server monitor is not running.",
                detail="Use ServerMonitor inside `async with`; it was not entered or is closed.",
            )
        return self._lock

    def _enter(
        self, phase: ServerPhase, failure: Failure | None = None, *, idle: bool = False
    ) -> None:
        check_transition(self._phase, phase)
        self._phase = phase
        self._idle = idle
        self._since = time.monotonic()
        if failure is not None:
            self._failure = failure
        self._emit()
        assert self._changed is not None
        self._changed.set()
        self._changed = anyio.Event()

    def _emit(self) -> None:
        try:
            self._sink(ServerStatusEvent(status=self.status()))
        except Exception:
            logger.exception("The server status sink failed")

    async def _wait_change(self) -> None:
        assert self._changed is not None
        await self._changed.wait()

    async def _settle(self) -> ServerStatus:
        while self._phase not in _SETTLED:
            await self._wait_change()
        if self._phase is ServerPhase.FAILED:
            assert self._failure is not None, "failed is always entered with a reason"
            raise self._failure.to_error()
        if self._phase is ServerPhase.STOPPED:
            raise ServerUnavailable("llama-server was stopped before it became ready.")
        return self.status()

    def _cancel_recovery(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            self._recovery = None

    # -- launch --------------------------------------------------------------------------------

    async def _resolve(self, engine: EngineSettings) -> _Resolved | Failure:
        """The binary, the model, the port and the router's plan for a launch, or why not."""
        refused = check_extra_args(engine.extra_args)
        if refused is not None:
            return refused
        try:
            binary = await anyio.to_thread.run_sync(
                locate_engine, engine.server_binary, self._paths.engine_cache, self._environ
            )
        except EngineError as exc:
            return diagnose_engine(exc)
        try:
            if engine.model is not None:
                model = engine.model.expanduser().absolute()
            else:
                model = await anyio.to_thread.run_sync(
                    ensure_default_model, self._paths.model_cache
                )
        except ModelError as exc:
            return Failure(exc.message, exc.detail, ModelError, permanent=True)
        port = choose_port(engine.host, engine.port)
        if isinstance(port, Failure):
            return port
        return self._with_plan(engine, _Resolved(binary.path, model, port))

    def _with_plan(self, engine: EngineSettings, resolved: _Resolved) -> _Resolved | Failure:
        """In router mode, the plan too (and its selected model); else ``resolved`` as is."""
        if not engine.router_mode or self._router_plan is None:
            return resolved
        plan = self._router_plan()
        if not plan.models:
            return Failure(
                "Router mode has no model to serve.",
                "Add a model in Settings → Models, or turn router mode off.",
                ModelError,
                permanent=True,
            )
        for offered in plan.models:
            refused = check_extra_args(offered.engine.extra_args)
            if refused is not None:
                return replace(refused, message=f"{offered.path.name}: {refused.message}")
        chosen = plan.named(plan.selected) if plan.selected is not None else None
        model = chosen.path if chosen is not None else resolved.model
        return replace(resolved, model=model, plan=plan)

    async def _launch(self) -> None:
        """Resolve, spawn and start supervising a server; the lock is held.

        Shielded: a caller that gives up half-way (a command timeout while the default model
        downloads) must not leave the monitor ``starting`` with nothing launching. ``aclose``
        still wins: a launch that finds the monitor closed spawns nothing.
        """
        with anyio.CancelScope(shield=True):
            await self._launch_now()

    async def _launch_now(self) -> None:
        self._enter(ServerPhase.STARTING)
        engine = self._settings().engine
        resolved = await self._resolve(engine)
        if self._closed:
            return
        if isinstance(resolved, Failure):
            self._enter(ServerPhase.FAILED, resolved)
            return
        binary, model, port, plan = resolved.binary, resolved.model, resolved.port, resolved.plan
        if plan is None:
            try:
                self._paths.slot_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                failure = Failure(
                    f"Could not create the slot cache folder {self._paths.slot_dir}: "
                    f"{exc.strerror}.",
                    "Free some space on that disk (or make it writable) and start the server.",
                    permanent=True,
                )
                self._enter(ServerPhase.FAILED, failure)
                return
            argv = build_argv(
                engine, binary=binary, model=model, port=port, slot_dir=self._paths.slot_dir
            )
        else:
            preset = self._paths.run_dir / "router-models.ini"
            try:
                await anyio.to_thread.run_sync(_write_preset, preset, preset_text(plan.models))
            except OSError as exc:
                failure = Failure(
                    f"Could not write the router's model list: {exc.strerror}.",
                    f"Check that {preset.parent} is writable.",
                    permanent=True,
                )
                self._enter(ServerPhase.FAILED, failure)
                return
            argv = router_argv(engine, binary=binary, preset=preset, port=port)
        api_key = secrets.token_urlsafe(24)
        self._log.note(f"launching: {' '.join(argv)}")
        try:
            process = ServerProcess.spawn(argv, server_environ(self._environ, api_key))
        except OSError as exc:
            self._enter(ServerPhase.FAILED, diagnose_spawn(exc))
            return
        self._generation += 1
        run = _Run(
            process=process,
            generation=self._generation,
            host=engine.host,
            port=port,
            fixed_port=engine.port != 0,
            api_key=api_key,
            model=model,
            launched=time.monotonic(),
        )
        if plan is not None:
            assert self._client is not None
            run.router = RouterSession(
                plan,
                client=self._client,
                base_url=run.base_url,
                api_key=api_key,
                on_change=self._on_models,
            )
        self._run = run
        assert self._tg is not None
        self._tg.start_soon(self._supervise, run, engine, name=f"llama-server {process.pid}")
        try:
            write_record(self._paths.run_dir, PidRecord.for_server(process.pid, port))
        except OSError as exc:
            self._log.note(
                f"could not write the pid file ({exc.strerror}): if the app dies, the next "
                "start will not find this server to stop it"
            )
        self._emit()

    async def _terminate(self) -> None:
        """Stop the current server, if any, and wait until it is reaped and forgotten.

        Shielded, and bounded by ``stop_timeout_s`` plus a SIGKILL: a caller cancelled after
        SIGTERM must not leave a server that ignores SIGTERM running unsupervised.
        """
        run = self._run
        if run is None:
            return
        self._run = None
        run.stopping = True
        run.scope.cancel()
        with anyio.CancelScope(shield=True):
            await run.process.terminate(self._settings().engine.stop_timeout_s)
            await run.finished.wait()

    # -- supervision ---------------------------------------------------------------------------

    def _on_line(self, run: _Run) -> Callable[[str], None]:
        def record(line: str) -> None:
            run.tail.append(line)
            self._log.write(line)

        return record

    async def _supervise(self, run: _Run, engine: EngineSettings) -> None:
        """Own one process: its output, its health, its exit, then recovery if unexpected."""
        output_done = anyio.Event()

        async def pump() -> None:
            await run.process.pump(self._on_line(run))
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
            remove_record(self._paths.run_dir, run.process.pid)
            run.finished.set()
        self._log.note(f"llama-server pid {run.process.pid} {describe_returncode(returncode)}")
        if not run.stopping:
            await self._recover(run, engine, returncode)

    async def _probe(self, run: _Run, timeout_s: float) -> bool:
        assert self._client is not None
        try:
            response = await self._client.get(f"{run.base_url}/health", timeout=timeout_s)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _check_health(self, run: _Run, engine: EngineSettings) -> None:
        with run.scope:
            if not await self._await_ready(run, engine):
                return
            failures = 0
            while True:
                await self._pause(engine.health_interval_s)
                healthy = await self._probe(run, engine.health_timeout_s)
                if self._run is not run:
                    return
                if healthy:
                    failures = 0
                    if self._phase is ServerPhase.UNHEALTHY:
                        self._enter(ServerPhase.READY)
                    if run.router is not None:
                        await self._tend_router(run.router, engine)
                    elif await self._idle_for_long(run):
                        assert self._tg is not None
                        self._tg.start_soon(self._unload_idle, run)
                    continue
                failures += 1
                if self._phase is ServerPhase.READY:
                    self._enter(ServerPhase.UNHEALTHY)
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

    async def _tend_router(self, router: RouterSession, engine: EngineSettings) -> None:
        """Refresh the models' states and unload each one idle for ``idle_unload_minutes``."""
        await router.poll(engine.health_timeout_s)
        for name in await router.idle_models(engine.idle_unload_minutes, engine.health_timeout_s):
            self._log.note(f"unloading {name}: idle for too long")
            try:
                await router.unload(name, engine.health_timeout_s)
            except ServerError as exc:
                self._log.note(f"could not unload {name}: {exc.message}")

    async def _idle_for_long(self, run: _Run) -> bool:
        """No request for ``idle_unload_minutes`` and no slot processing (a long answer)."""
        if not self._idle_expired():
            return False
        assert self._client is not None
        try:
            response = await self._client.get(
                f"{run.base_url}/slots",
                headers={"Authorization": f"Bearer {run.api_key}"},
                timeout=self._settings().engine.health_timeout_s,
            )
            response.raise_for_status()
            busy = any(slot.get("is_processing") for slot in response.json())
        except (httpx.HTTPError, ValueError, TypeError, AttributeError):
            return False
        if busy:
            self._last_use = time.monotonic()
        return not busy

    def _idle_expired(self) -> bool:
        minutes = self._settings().engine.idle_unload_minutes
        return bool(minutes) and time.monotonic() - self._last_use >= minutes * 60

    async def _unload_idle(self, run: _Run) -> None:
        """Stop an idle server (its own task: the health loop cannot await its own end).

        Checked again under the lock: a request that arrived meanwhile keeps the server.
        """
        assert self._lock is not None
        async with self._lock:
            if self._closed or self._run is not run or self._phase not in _RUNNING:
                return
            if not self._idle_expired():
                return
            self._log.note("stopping llama-server: idle for too long")
            await self._terminate()
            self._failure = None
            self._enter(ServerPhase.STOPPED, idle=True)

    async def _await_ready(self, run: _Run, engine: EngineSettings) -> bool:
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
                self._emit()
            await anyio.sleep(_READY_POLL_S)
        if self._run is not run:
            return False
        run.ready_at = self._last_use = time.monotonic()
        self._log.note(
            f"ready on port {run.port} after {run.ready_at - run.launched:.2f} s "
            f"(generation {run.generation})"
        )
        self._enter(ServerPhase.READY)
        return True

    async def _recover(self, run: _Run, engine: EngineSettings, returncode: int) -> None:
        """After an exit nobody asked for: explain it, then restart or give up."""
        assert self._lock is not None
        with anyio.CancelScope() as scope:
            async with self._lock:
                if self._closed or self._run is not run:
                    return
                self._run = None
                failure = self._explain(run, returncode)
                self._enter(ServerPhase.CRASHED, failure)
                now = time.monotonic()
                self._crashes.append(now)
                while self._crashes and now - self._crashes[0] > engine.restart_window_s:
                    self._crashes.popleft()
                if failure.permanent:
                    self._enter(ServerPhase.FAILED)
                    return
                crashes = len(self._crashes)
                if crashes >= engine.restart_max:
                    self._enter(
                        ServerPhase.FAILED,
                        replace(
                            failure,
                            message=f"llama-server crashed {crashes} time{'s' * (crashes != 1)} "
                            f"within {engine.restart_window_s:g} s, so LlamaDesk stopped "
                            "restarting it. Last time it "
                            + failure.message.removeprefix("llama-server "),
                        ),
                    )
                    return
                delay = engine.restart_backoff_s * 2.0 ** (len(self._crashes) - 1)
                self._enter(ServerPhase.RESTARTING)
                self._recovery = scope
            await anyio.sleep(delay)
            async with self._lock:
                self._recovery = None
                if not self._closed and self._phase is ServerPhase.RESTARTING:
                    self._restarts += 1
                    await self._launch()

    def _explain(self, run: _Run, returncode: int) -> Failure:
        detail = "\n".join(run.tail) or None
        if run.failure is not None:
            return replace(run.failure, detail=detail)
        return diagnose_exit(
            returncode,
            list(run.tail),
            model=run.model,
            host=run.host,
            port=run.port,
            fixed_port=run.fixed_port,
        )


def _write_preset(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
