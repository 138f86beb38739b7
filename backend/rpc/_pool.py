"""The workers the app knows: their checks, the launch's choice, a lost worker, the local one.

``WorkerPool`` is the server monitor's ``RemoteWorkers``. Before each launch of a single server
(``prepare``) it checks every worker in the settings (all at once, each bounded by
``rpc.probe_timeout_s``), plans the spread (``_plan``) and hands the monitor the ``--rpc``
arguments, or the failure naming the missing workers and the memory short. The workers a launch
takes are then *in use*: the running server holds their only connection, so later checks only
see whether they still listen (``_probe``). When the server exits, ``explain`` names the worker
whose loss caused it (llama-server aborts at its next use of a lost worker), and the monitor's
relaunch leaves it out if the model still fits. ``watch`` checks on a timer: a worker in use
that stops listening calls ``on_lost`` (the app restarts the server without it before the next
answer finds out); one that comes back is used again at the next launch. ``lost_error`` turns
an answer's lost connection into a message naming the worker.

The local worker (``rpc.local_worker``) is started, restarted and stopped here as the settings
change (``_local``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import anyio
import psutil

from ..config import RpcSettings
from ..contract import (
    LocalWorkerInfo,
    RpcDeviceInfo,
    RpcShare,
    RpcStatus,
    RpcWorkerInfo,
)
from ..engine import locate_worker
from ..errors import LlamaDeskError, ServerError, ServerUnavailable
from ..server import Failure, WorkerArgs
from ..wakeup import Wakeup
from ._local import LocalWorker, network_warning
from ._plan import RpcPlan, Shortfall, plan_workers
from ._probe import WorkerCheck, probe_worker, still_listening

__all__ = ["WorkerPool"]

logger = logging.getLogger(__name__)

_RECENT_LOSS_S = 30.0


def _size_of(model: Path) -> int:
    try:
        return model.stat().st_size
    except OSError:
        return 0  # the launch itself says the model is missing


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def _gone(check: WorkerCheck) -> WorkerCheck:
    return replace(check, error=f"it went away ({check.error or check.state})")


class WorkerPool:
    """The configured RPC workers and the local one, for the monitor and the page."""

    def __init__(
        self,
        settings: Callable[[], RpcSettings],
        engine: Callable[[], Path | None],
        *,
        environ: Mapping[str, str],
        log_dir: Path,
        changed: Callable[[RpcStatus], None] = lambda _status: None,
    ) -> None:
        """``engine`` finds the llama-server in use (None when there is none yet)."""
        self._settings = settings
        self._engine = engine
        self._environ = dict(environ)
        self._changed = changed
        self._checks: dict[str, WorkerCheck] = {}
        self._in_use: tuple[str, ...] = ()
        self._plan: RpcPlan | None = None
        self._model: str | None = None
        self._fits: bool | None = None
        self._note: str | None = None
        self._lost: list[tuple[float, WorkerCheck]] = []
        self._wake = Wakeup()
        log = log_dir / "rpc-worker.log"
        self.local = LocalWorker(self._worker_binary, self._environ, log, self._emit)

    # -- what the page sees --------------------------------------------------------------------

    def status(self) -> RpcStatus:
        """Every configured worker with its last check, the last spread, the local worker."""
        settings = self._settings()
        plan = self._plan
        spread = [
            RpcShare(
                worker=s.worker, device=s.device, share_bytes=s.share_bytes, free_bytes=s.free_bytes
            )
            for s in (plan.spread if plan else ())
        ]
        return RpcStatus(
            workers=[self._info(w.address, w.enabled) for w in settings.workers],
            spread=spread,
            model=self._model,
            fits=self._fits,
            note=self._note,
            local=LocalWorkerInfo(
                state=self.local.state,
                address=self.local.address if self.local.state != "off" else None,
                error=self.local.error,
                warning=network_warning(settings.local_host) if settings.local_worker else None,
            ),
        )

    def _info(self, address: str, enabled: bool) -> RpcWorkerInfo:
        check = self._checks.get(address)
        if check is None:
            return RpcWorkerInfo(address=address, enabled=enabled, state="unknown")
        return RpcWorkerInfo(
            address=address,
            enabled=enabled,
            state=check.state,
            devices=[
                RpcDeviceInfo(
                    name=d.name,
                    description=d.description,
                    total_bytes=d.total_bytes,
                    free_bytes=d.free_bytes,
                )
                for d in check.devices
            ],
            free_bytes=check.free_bytes,
            error=check.error,
            checked_at=datetime.fromtimestamp(check.checked_at, UTC)
            .isoformat()
            .replace("+00:00", "Z"),
        )

    def _emit(self) -> None:
        self._changed(self.status())

    # -- checks --------------------------------------------------------------------------------

    def _worker_binary(self) -> Path | None:
        engine = self._engine()
        return locate_worker(engine, self._environ) if engine is not None else None

    async def _check_one(self, binary: Path | None, address: str, timeout_s: float) -> None:
        if address in self._in_use:
            known = self._checks.get(address, WorkerCheck(address, "in_use"))
            gone = await anyio.to_thread.run_sync(still_listening, address, timeout_s)
            self._checks[address] = (
                replace(known, state="in_use", error=None) if gone is None else gone
            )
        elif binary is not None:
            self._checks[address] = await anyio.to_thread.run_sync(
                probe_worker, binary, address, timeout_s, self._environ
            )
        else:
            self._checks[address] = WorkerCheck(address, "error", error="no llama-server yet")

    async def check(self, binary: Path | None = None) -> RpcStatus:
        """Check every configured worker now (in parallel, each bounded); the new status.

        ``binary`` is the llama-server that asks (by default the one ``engine`` finds).
        """
        settings = self._settings()
        if binary is None:
            binary = await anyio.to_thread.run_sync(self._engine)
        async with anyio.create_task_group() as checks:
            for worker in settings.workers:
                timeout_s = settings.probe_timeout_s
                checks.start_soon(self._check_one, binary, worker.address, timeout_s)
        self._emit()
        return self.status()

    # -- the monitor's RemoteWorkers -----------------------------------------------------------

    async def prepare(self, binary: Path, model: Path) -> WorkerArgs | Failure:
        """Check the workers (none is in use: the previous server has exited) and plan."""
        self._in_use = ()
        settings = self._settings()
        await self.check(binary)
        size = await anyio.to_thread.run_sync(_size_of, model)
        local_free = psutil.virtual_memory().available
        plan = plan_workers(settings, self._checks, model_bytes=size, local_free_bytes=local_free)
        self._model = model.name
        if plan is None:
            self._plan, self._note, self._model, self._fits = None, None, None, None
        elif isinstance(plan, Shortfall):
            self._plan, self._note, self._fits = None, plan.message, False
            self._emit()
            return Failure(plan.message, plan.hint, permanent=True)
        else:
            self._plan, self._note, self._fits = plan, plan.note(), True
            self._in_use = plan.workers
            for address in plan.workers:
                self._checks[address] = replace(self._checks[address], state="in_use")
        self._emit()
        return WorkerArgs(plan.argv() if plan else (), self._note)

    async def explain(self, failure: Failure) -> Failure:
        """``failure`` naming the workers in use that stopped listening, if any did."""
        lost = await self._find_lost()
        if not lost:
            return failure
        names = ", ".join(check.address for check in lost)
        return replace(
            failure,
            message=f"llama-server stopped because RPC worker {names} went away.",
            hint="It is relaunched without that worker if the model still fits; the worker is "
            "used again at the next launch once it is back.",
        )

    async def _find_lost(self) -> list[WorkerCheck]:
        in_use, self._in_use = self._in_use, ()
        timeout_s = self._settings().probe_timeout_s
        lost = []
        for address in in_use:
            gone = await anyio.to_thread.run_sync(still_listening, address, timeout_s)
            if gone is not None:
                lost.append(_gone(gone))
                self._checks[address] = lost[-1]
                self._lost.append((time.monotonic(), lost[-1]))
                logger.warning("RPC worker %s went away: %s", address, gone.error)
            elif address in self._checks:
                self._checks[address] = replace(self._checks[address], state="reachable")
        self._emit()
        return lost

    async def lost_error(self, error: LlamaDeskError) -> LlamaDeskError:
        """An answer's error, naming the RPC worker whose loss cut it off (if one did)."""
        if not isinstance(error, ServerError):
            return error
        timeout_s = self._settings().probe_timeout_s
        gone = [
            a for a in self._in_use if await anyio.to_thread.run_sync(still_listening, a, timeout_s)
        ]
        recent = time.monotonic() - _RECENT_LOSS_S
        names = gone or [check.address for at, check in self._lost if at >= recent]
        if not names:
            return error
        return ServerUnavailable(
            f"The answer stopped: RPC worker {', '.join(dict.fromkeys(names))} went away and "
            "llama-server stopped with it. The text so far is kept.",
            detail=error.message,
        )

    # -- on a timer ----------------------------------------------------------------------------

    async def watch(self, on_lost: Callable[[], Awaitable[object]]) -> None:
        """Check every ``probe_interval_s`` until cancelled; call ``on_lost`` for a lost worker."""
        while True:
            await anyio.sleep(self._settings().probe_interval_s)
            in_use = self._in_use
            await self.check()
            if any(not self._checks[a].usable for a in in_use if a in self._checks):
                await self._find_lost()
                try:
                    await on_lost()
                except LlamaDeskError as exc:
                    logger.warning("relaunching without the lost worker failed: %s", exc.message)

    def settings_changed(self) -> None:
        """The RPC settings were saved (on any thread): the local worker follows them now."""
        self._wake.set()

    async def run_local(self, wanted: Callable[[], RpcSettings]) -> None:
        """Keep the local worker as ``wanted`` says until cancelled, reading it again on each
        ``settings_changed`` (no timer while nothing changes)."""
        self._wake.bind()
        running: tuple[str, int] | None = None
        async with anyio.create_task_group() as tasks:
            while True:
                settings = wanted()
                target = (
                    (settings.local_host, settings.local_port) if settings.local_worker else None
                )
                if target != running:
                    self.local.cancel()
                    await self._until_off()
                    if target is not None:
                        tasks.start_soon(self.local.run, *target)
                    running = target
                await self._wake.wait()

    async def _until_off(self) -> None:
        while self.local.state not in ("off", "failed"):  # noqa: ASYNC110 - a state, no event
            await anyio.sleep(0.05)
