"""Turning the settings into a launch plan: what to run, on which port, with which models.

:func:`plan_launch` is pure: given the binary, the model and the port that were found, and the
router's plan in router mode, it returns the command line and the files a launch writes, or the
``Failure`` that stops the launch before anything is spawned (reserved extra arguments, a router
with no model). :func:`resolve_launch` finds those inputs (the binary on disk, the built-in
model unpacked, a free port), in the order whose first failure the user is told about, and
:func:`write_launch_files` writes what the plan needs before the spawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import anyio

from ..config import EngineSettings
from ..engine import ensure_default_model, locate_engine
from ..errors import EngineError, ModelError
from ..paths import AppPaths
from ._diagnose import Failure, diagnose_engine
from ._launch import build_argv, check_extra_args, choose_port
from ._router import RouterPlan, preset_text, router_argv

__all__ = [
    "LaunchPlan",
    "RemoteWorkers",
    "WorkerArgs",
    "plan_launch",
    "resolve_launch",
    "write_launch_files",
]

_PRESET_NAME = "router-models.ini"


@dataclass(frozen=True)
class WorkerArgs:
    """The RPC workers a launch takes: llama-server's arguments, and what to tell the user."""

    argv: tuple[str, ...]
    note: str | None = None


class RemoteWorkers(Protocol):
    """The RPC workers a single server may spread its model over (``backend.rpc.WorkerPool``)."""

    async def prepare(self, binary: Path, model: Path) -> WorkerArgs | Failure:
        """Check the workers and say which this launch takes, or why none can do."""
        ...

    async def explain(self, failure: Failure) -> Failure:
        """``failure``, naming the worker whose loss made the server exit, if one did."""
        ...


@dataclass(frozen=True)
class LaunchPlan:
    """One launch, decided before anything runs."""

    argv: tuple[str, ...]
    model: Path
    """The model the status names: the one loaded, or the router's selected one."""
    host: str
    port: int
    fixed_port: bool
    """The port came from the settings (so someone else holding it is the user's to fix)."""
    slot_dir: Path | None = None
    """Where a single server saves slots (``--slot-save-path``)."""
    router: RouterPlan | None = None
    preset: Path | None = None
    """Where the router's presets file goes (``--models-preset``)."""
    note: str | None = None
    """Something the log should say about this launch (a worker left out)."""
    extra_env: tuple[tuple[str, str], ...] = ()
    """Variables for the child unless the app's environment sets them."""


def plan_launch(
    engine: EngineSettings,
    paths: AppPaths,
    *,
    binary: Path,
    model: Path,
    port: int,
    router: RouterPlan | None = None,
    workers: WorkerArgs | None = None,
) -> LaunchPlan | Failure:
    """The plan for these settings, or why there can be no launch.

    With ``router`` the process is llama-server's router over the plan's models, each model's
    extra arguments checked, and the status names the plan's selected model.
    """
    fixed = engine.port != 0
    if router is None:
        rpc = workers.argv if workers is not None else ()
        note = workers.note if workers is not None else None
        # A lost worker makes llama-server abort; ggml would first run gdb for a backtrace, about
        # 2 s on a busy machine before the exit is seen and the server relaunched without it.
        quiet = (("GGML_NO_BACKTRACE", "1"),) if rpc else ()
        argv = build_argv(
            engine, binary=binary, model=model, port=port, slot_dir=paths.slot_dir, rpc_args=rpc
        )
        return LaunchPlan(
            tuple(argv),
            model,
            engine.host,
            port,
            fixed,
            slot_dir=paths.slot_dir,
            note=note,
            extra_env=quiet,
        )
    if not router.models:
        return Failure(
            "Router mode has no model to serve.",
            "Add a model in Settings → Models, or turn router mode off.",
            ModelError,
            permanent=True,
        )
    for offered in router.models:
        refused = check_extra_args(offered.engine.extra_args)
        if refused is not None:
            return replace(refused, message=f"{offered.path.name}: {refused.message}")
    chosen = router.named(router.selected) if router.selected is not None else None
    preset = paths.run_dir / _PRESET_NAME
    argv = router_argv(engine, binary=binary, preset=preset, port=port)
    shown = chosen.path if chosen is not None else model
    return LaunchPlan(tuple(argv), shown, engine.host, port, fixed, router=router, preset=preset)


async def resolve_launch(
    engine: EngineSettings,
    paths: AppPaths,
    environ: Mapping[str, str],
    router_plan: Callable[[], RouterPlan] | None = None,
    workers: RemoteWorkers | None = None,
) -> LaunchPlan | Failure:
    """Find the binary, the model, the workers and a port, then plan; the first failure met is
    returned.

    The router's plan is asked for only in router mode (and when there is one to ask); the
    workers only for a single server.
    """
    refused = check_extra_args(engine.extra_args)
    if refused is not None:
        return refused
    try:
        binary = await anyio.to_thread.run_sync(
            locate_engine, engine.server_binary, paths.engine_cache, environ
        )
    except EngineError as exc:
        return diagnose_engine(exc)
    try:
        if engine.model is not None:
            model = engine.model.expanduser().absolute()
        else:
            model = await anyio.to_thread.run_sync(ensure_default_model, paths.model_cache)
    except ModelError as exc:
        return Failure(exc.message, exc.detail, ModelError, permanent=True)
    remote: WorkerArgs | None = None
    if workers is not None and not engine.router_mode:
        prepared = await workers.prepare(binary.path, model)
        if isinstance(prepared, Failure):
            return prepared
        remote = prepared
    port = choose_port(engine.host, engine.port)
    if isinstance(port, Failure):
        return port
    router = router_plan() if engine.router_mode and router_plan is not None else None
    return plan_launch(
        engine, paths, binary=binary.path, model=model, port=port, router=router, workers=remote
    )


async def write_launch_files(plan: LaunchPlan) -> Failure | None:
    """Create the slot folder, or write the router's presets; why not, if that fails."""
    if plan.slot_dir is not None:
        try:
            plan.slot_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return Failure(
                f"Could not create the slot cache folder {plan.slot_dir}: {exc.strerror}.",
                "Free some space on that disk (or make it writable) and start the server.",
                permanent=True,
            )
    if plan.router is None or plan.preset is None:
        return None
    try:
        await anyio.to_thread.run_sync(_write_preset, plan.preset, preset_text(plan.router.models))
    except OSError as exc:
        return Failure(
            f"Could not write the router's model list: {exc.strerror}.",
            f"Check that {plan.preset.parent} is writable.",
            permanent=True,
        )
    return None


def _write_preset(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
