"""The server monitor: launches llama-server, watches it, restarts it, and tells the UI.

Long because: it is the one place every command and every report meets, under one lock; each
part of the job is already its own module.

The monitor is the conductor; each part of the job has its own module. One
:class:`~._state.Lifecycle` holds the only truth about the server, its phase, and announces
every transition to the sink as a ``ServerStatusEvent``. Three things change it:

* the user's commands (``start``/``stop``/``restart``, and ``select``/``unload`` in router
  mode), serialised by one lock, so a stop never interleaves with a launch. A launch turns the
  settings into a plan (``_plan``), spawns it and hands the run to the supervisor;
* the supervisor (``_supervise``), one task per run: output, readiness, health checks (at once
  when ``check_soon`` says an answer stalled), hangs, idleness;
* recovery after an exit nobody asked for (``_recovery``): the exit is explained and the server
  relaunched after a backoff, or the crash-loop guard gives up in ``failed``.

``endpoint()`` (the adapter's ``EndpointProvider``) waits through ``starting``/``crashed``/
``restarting``, so the message after a crash goes to the restarted server with no user action,
and starts again a server that was stopped for being idle (a health check found no request for
``idle_unload_minutes``; ``endpoint()`` calls count as requests).

With ``engine.router_mode`` the process is llama-server's router (``_router``), supervised
exactly like a single server (and a single server may spread its model over RPC ``workers``,
checked at each launch, see ``_plan``): its presets come from ``router_plan()`` at each launch, each
model's state is polled with the health checks (``on_models`` hears of changes) and each idle
model is unloaded on its own. ``select()`` switches the model new requests name without a
restart (relaunching only when the presets changed); ``endpoint()`` then carries that name.
``generation`` grows with every launch, which tells the slot manager the server's slots are
empty. Supervision runs in the monitor's own task group (``async with ServerMonitor(...)``);
``aclose()`` stops the server even while the surrounding scope is being cancelled.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from types import TracebackType

import anyio

from ..config import EngineSettings, Settings
from ..contract import BridgeEvent, ModelLoadState, ServerStatus
from ..errors import Conflict, ModelError, ServerTimeout, ServerUnavailable
from ..llama import Endpoint
from ..paths import AppPaths
from ._diagnose import Failure
from ._log import ServerLog
from ._pidfile import PidRecord, sweep, write_record
from ._plan import RemoteWorkers, resolve_launch
from ._recovery import Recovery, endpoint_patience
from ._router import RouterPlan
from ._state import Lifecycle, ServerPhase
from ._supervise import ServerRun, Supervisor

__all__ = ["ServerMonitor"]

logger = logging.getLogger(__name__)


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
        workers: RemoteWorkers | None = None,
    ) -> None:
        self._paths = paths
        self._workers = workers
        self._settings = settings
        self._router_plan = router_plan
        self._on_models = on_models
        self._environ = dict(os.environ if environ is None else environ)
        self._log = ServerLog(paths.log_dir / "llama-server.log")
        self._life = Lifecycle(sink, self.status)
        self._recovery = Recovery()
        self._run: ServerRun | None = None
        self._generation = 0
        self._closed = False
        self._stack: AsyncExitStack | None = None
        self._lock: anyio.Lock | None = None
        self._supervisor = Supervisor(
            log=self._log,
            lifecycle=self._life,
            run_dir=paths.run_dir,
            settings=settings,
            current=lambda: self._run,
            on_idle=self._unload_idle,
            on_exit=self._recover,
        )

    # -- context -------------------------------------------------------------------------------

    async def __aenter__(self) -> ServerMonitor:
        """Sweep servers orphaned by a dead app, then open the supervision task group."""
        async with AsyncExitStack() as stack:
            self._lock = anyio.Lock()
            stack.callback(self._log.close)
            await stack.enter_async_context(self._supervisor)
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
            self._recovery.cancel()
            await self._terminate()
            if self._life.phase is not ServerPhase.STOPPED:
                self._life.enter(ServerPhase.STOPPED)

    # -- commands ------------------------------------------------------------------------------

    async def start(self) -> ServerStatus:
        """Launch the server unless it runs, and wait until it is ready or has failed.

        Raises the failure's error (``EngineError``, ``ModelError``, ``ServerError``) when the
        server ends in ``failed``; ``status()`` then has the same message and a hint.
        """
        async with self._locked():
            if self._life.phase in (ServerPhase.STOPPED, ServerPhase.FAILED):
                self._recovery.forget_crashes()
                await self._launch()
        await self._life.settle()
        return self.status()

    async def stop(self, *, unload: bool = False) -> ServerStatus:
        """Stop the server (SIGTERM, then SIGKILL after ``stop_timeout_s``) and reap it.

        With ``unload`` it is stopped as if idle: the next request starts it again.
        """
        async with self._locked():
            self._recovery.cancel()
            await self._terminate()
            self._life.failure = None
            if self._life.phase is not ServerPhase.STOPPED:
                self._life.enter(ServerPhase.STOPPED, idle=unload)
        return self.status()

    async def restart(self) -> ServerStatus:
        """Stop the server if it runs and launch it again with the current settings."""
        async with self._locked():
            self._recovery.cancel()
            await self._terminate()
            self._recovery.forget_crashes()
            self._life.failure = None
            if self._life.running or self._life.phase in (
                ServerPhase.STARTING,
                ServerPhase.CRASHED,
            ):
                self._life.enter(ServerPhase.RESTARTING)
            await self._launch()
        await self._life.settle()
        return self.status()

    def status(self) -> ServerStatus:
        """The current state, with pid, port, model, times, restarts and the last error."""
        now = time.monotonic()
        run = self._run
        failure = self._life.failure
        return ServerStatus(
            state=self._life.phase.value,
            pid=run.process.pid if run and run.process.returncode is None else None,
            port=run.port if run else None,
            model=run.model.name if run else None,
            uptime_s=now - run.ready_at if run and run.ready_at is not None else None,
            elapsed_s=now - self._life.since,
            restarts=self._recovery.restarts,
            last_error=failure.message if failure else None,
            hint=self._life.hint,
        )

    def check_soon(self) -> None:
        """Run the next health check now (an answer stalled), so a hung server is found sooner."""
        self._supervisor.check_soon()

    def logs(self, lines: int) -> list[str]:
        """The last ``lines`` lines of the server's output (and the monitor's notes)."""
        return self._log.tail(lines)

    async def endpoint(self) -> Endpoint:
        """Wait until the server is ready and return where it is (``EndpointProvider``).

        Waits through a launch or an automatic restart, also for a server that has exited
        but whose exit supervision has not handled yet (the request that saw it die can come
        first); raises ``ServerUnavailable`` when the server is stopped or has failed, and
        ``ServerTimeout`` when it does not come back.
        """
        patience = endpoint_patience(self._settings().engine)
        with anyio.move_on_after(patience):
            while True:
                run = self._run
                if self._life.running and run is not None and run.process.alive:
                    self._supervisor.touch()
                    return run.endpoint()
                if self._life.phase is ServerPhase.STOPPED and self._life.idle:
                    await self.start()
                    continue
                self._life.check_available()
                await self._life.wait_change()
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
            run = _routing(self._run)
            plan = self._router_plan() if self._router_plan is not None else None
            if plan is None or plan.find(model_id) is None:
                raise ModelError(
                    f"The router does not offer model {model_id}.", detail="Refresh the models."
                )
            assert run.router is not None
            before = run.router.current
            if not run.router.serves(plan):
                self._log.note("relaunching the router: its models or their settings changed")
                await self._terminate()
                self._life.enter(ServerPhase.RESTARTING)
                await self._launch()
        await self._life.settle()
        timeout_s = self._settings().engine.start_timeout_s
        fallback = before.id if before is not None else None
        try:
            await _routing(self._run).switch(model_id, timeout_s, fallback=fallback)
        finally:
            self._life.announce()  # the model the status names
        return self.status()

    async def unload(self, model_id: str) -> None:
        """Router mode: free a model's memory; the next request to it loads it again."""
        run = _routing(self._run)
        assert run.router is not None
        model = run.router.plan.find(model_id)
        if model is not None:
            await run.router.unload(model.name, self._settings().engine.health_timeout_s)

    # -- launching and stopping ----------------------------------------------------------------

    def _locked(self) -> anyio.Lock:
        if self._lock is None or self._closed:
            raise ServerUnavailable(
                "The server monitor is not running.",
                detail="Use ServerMonitor inside `async with`; it was not entered or is closed.",
            )
        return self._lock

    async def _launch(self) -> None:
        """Plan, spawn and start supervising a server; the lock is held.

        Shielded: a caller that gives up half-way (a command timeout while the default model
        downloads) must not leave the monitor ``starting`` with nothing launching. ``aclose``
        still wins: a launch that finds the monitor closed spawns nothing.
        """
        with anyio.CancelScope(shield=True):
            self._life.enter(ServerPhase.STARTING)
            engine = self._settings().engine
            hooks = (self._router_plan, self._workers)
            plan = await resolve_launch(engine, self._paths, self._environ, *hooks)
            if self._closed:
                return
            if isinstance(plan, Failure):
                self._life.enter(ServerPhase.FAILED, plan)
                return
            run = await ServerRun.launch(
                plan,
                generation=self._generation + 1,
                environ=self._environ,
                log=self._log,
                client=self._supervisor.client,
                on_models=self._on_models,
            )
            if isinstance(run, Failure):
                self._life.enter(ServerPhase.FAILED, run)
                return
            self._run, self._generation = run, run.generation
            self._supervisor.watch(run, engine)
            try:
                write_record(self._paths.run_dir, PidRecord.for_server(run.process.pid, run.port))
            except OSError as exc:
                self._log.note(
                    f"could not write the pid file ({exc.strerror}): if the app dies, the next "
                    "start will not find this server to stop it"
                )
            self._life.announce()

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

    # -- what the supervisor reports -----------------------------------------------------------

    async def _unload_idle(self, run: ServerRun) -> None:
        """Stop an idle server (its own task: the health loop cannot await its own end).

        Checked again under the lock: a request that arrived meanwhile keeps the server.
        """
        assert self._lock is not None
        async with self._lock:
            if self._closed or self._run is not run or not self._life.running:
                return
            if not self._supervisor.idle_expired():
                return
            self._log.note("stopping llama-server: idle for too long")
            await self._terminate()
            self._life.failure = None
            self._life.enter(ServerPhase.STOPPED, idle=True)

    async def _recover(self, run: ServerRun, engine: EngineSettings, returncode: int) -> None:
        """After an exit nobody asked for: explain it, then restart after a backoff or give up."""
        assert self._lock is not None
        with anyio.CancelScope() as scope:
            async with self._lock:
                if self._closed or self._run is not run:
                    return
                self._run = None
                failure = run.explain(returncode)
                if self._workers is not None:
                    failure = await self._workers.explain(failure)
                self._life.enter(ServerPhase.CRASHED, failure)
                verdict = self._recovery.after_crash(failure, engine, time.monotonic())
                if isinstance(verdict, Failure):
                    self._life.enter(ServerPhase.FAILED, verdict)
                    return
                self._life.enter(ServerPhase.RESTARTING)
                self._recovery.pending = scope
            await anyio.sleep(verdict)
            async with self._lock:
                self._recovery.pending = None
                if not self._closed and self._life.phase is ServerPhase.RESTARTING:
                    self._recovery.restarts += 1
                    await self._launch()


def _routing(run: ServerRun | None) -> ServerRun:
    """``run`` if it is a router; else ``Conflict``."""
    if run is None or run.router is None:
        raise Conflict(
            "llama-server is not running in router mode.",
            detail="Turn on Settings → Engine → router mode, or start the server.",
        )
    return run
