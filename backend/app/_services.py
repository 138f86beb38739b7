"""Assemble the services behind the bridge, in the order they must start and stop.

Start: the conversation database's check (a damaged file is recovered and set aside, see
``storage``), the model catalogue (a launch asks it for the selected model's load settings), the
server monitor (it launches llama-server in the background, so the window shows at once with
status ``starting``), the HTTP adapter that asks the monitor where the server is, the conversation
store, the orchestrator with its slot manager, the download manager, and the MCP tool servers
(none starts before it is used); the database is backed up once a day in the background. Stop,
in reverse: tool servers stop (no child outlives the app), downloads pause (resumable), running
generations are stored as cancelled and slot caches saved while the server still runs, then the
database closes, then the server is stopped and reaped.

In router mode the monitor asks the catalogue for its plan (every loadable model with its load
settings, and the selected one); each model's ``load_state`` comes from the router then, and from
the server's state for the selected model otherwise, so a change of either resends the models.

Download progress goes to the page as ``DownloadProgressEvent``. A finished download rescans the
catalogue before its last event (its header is read then, off the watcher's schedule), so a page
that asks for the models on ``done`` finds the new one; the new list follows as an event too.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import anyio
import httpx

from ..chat import ChatOrchestrator, ConversationStore, SlotManager, migrate
from ..config import ConfigService, Settings
from ..contract import (
    BridgeEvent,
    DownloadProgressEvent,
    ModelInfo,
    ModelLoadState,
    ModelsChangedEvent,
    ServerState,
    ServerStatusEvent,
    ToolServers,
    ToolServersChangedEvent,
)
from ..errors import LlamaDeskError
from ..llama import LlamaCppAdapter
from ..models import DownloadManager, DownloadState, ModelCatalogue
from ..paths import AppPaths
from ..server import RouterModel, RouterPlan, ServerMonitor
from ..storage import Backups, Recovery, ensure_usable
from ..tools import SecretStore, ServerStore, ToolManager

__all__ = ["Services", "open_services"]

log = logging.getLogger(__name__)

_CONNECT_TIMEOUT_S = 5.0
_BACKUP_CHECK_S = 3600.0


@dataclass(frozen=True)
class Services:
    """The running services the command handlers call."""

    paths: AppPaths
    config: ConfigService
    monitor: ServerMonitor
    chat: ChatOrchestrator
    models: ModelCatalogue
    downloads: DownloadManager
    tools: ToolManager
    model_infos: Callable[[], list[ModelInfo]]
    """The models as the page lists them, with each one's load state."""
    backups: Backups
    recovery: Recovery | None
    """What start-up did with a damaged database (None when it was sound)."""


_SINGLE_LOAD_STATE: dict[ServerState, ModelLoadState] = {
    "starting": "loading",
    "restarting": "loading",
    "crashed": "loading",
    "ready": "loaded",
    "unhealthy": "loaded",
    "failed": "failed",
    "stopped": "unloaded",
}


_NOT_IN_SECTION_NAMES = re.compile(r"[\[\]=;#\s]+")


def _router_plan(models: ModelCatalogue, settings: Settings) -> RouterPlan:
    """Every model the router may load (the built-in one even before it is unpacked).

    The router calls each model by its name (so answers name it readably), made unique with
    the start of its id when two files share a name.
    """
    engine = settings.engine
    usable = [model for model in models.models() if model.error is None or model.is_default]
    counts = Counter(model.name for model in usable)
    offered = tuple(
        RouterModel(
            model.id,
            _NOT_IN_SECTION_NAMES.sub("_", model.name)
            + (f"-{model.id[:6]}" if counts[model.name] > 1 else ""),
            model.path,
            models.engine_for_model(model.id, engine),
        )
        for model in usable
    )
    chosen = models.selected(engine)
    selected = next((m.name for m in offered if chosen is not None and m.id == chosen.id), None)
    return RouterPlan(offered, selected or (offered[0].name if offered else None))


def _with_load_states(infos: list[ModelInfo], monitor: ServerMonitor) -> list[ModelInfo]:
    states = monitor.model_states()
    if monitor.is_router:
        return [
            info.model_copy(update={"load_state": states.get(info.id, "unloaded")})
            for info in infos
        ]
    single = _SINGLE_LOAD_STATE[monitor.status().state]
    return [
        info.model_copy(update={"load_state": single}) if info.selected else info for info in infos
    ]


async def _start_server(monitor: ServerMonitor) -> None:
    """Launch at start-up; a failure is already in the monitor's status for the page to show."""
    try:
        await monitor.start()
    except LlamaDeskError as exc:
        log.warning("llama-server did not start: %s", exc.message)


async def _keep_backups(backups: Backups) -> None:
    """Back the database up whenever the newest backup is a day old."""
    while True:
        if backups.due():
            try:
                await anyio.to_thread.run_sync(backups.make, abandon_on_cancel=True)
            except LlamaDeskError as exc:
                log.warning("Could not back up the conversations: %s (%s)", exc.message, exc.detail)
        await anyio.sleep(_BACKUP_CHECK_S)


def _check_database(paths: AppPaths) -> Recovery | None:
    recovery = ensure_usable(paths.database, migrate)
    if recovery is not None:
        log.warning(
            "The conversation database was damaged (%s): recovered %d conversations and %d "
            "messages into a fresh one; the original is kept at %s",
            recovery.problem,
            recovery.conversations,
            recovery.messages,
            recovery.damaged,
        )
    return recovery


def _tool_manager(
    paths: AppPaths, settings: Callable[[], Settings], sink: Callable[[BridgeEvent], None]
) -> ToolManager:
    secrets = SecretStore(paths.tool_secrets_file, f"LlamaDesk tools ({paths.config_dir})")
    store = ServerStore(paths.tools_file, secrets)

    def changed(servers: ToolServers) -> None:
        sink(ToolServersChangedEvent(servers=servers))

    return ToolManager(store, lambda: settings().tools, changed)


@asynccontextmanager
async def open_services(
    paths: AppPaths, config: ConfigService, sink: Callable[[BridgeEvent], None]
) -> AsyncIterator[Services]:
    """Start every service; on exit stop them in reverse order."""
    paths.ensure()
    recovery = await anyio.to_thread.run_sync(_check_database, paths)
    backups = Backups(paths.database, paths.backup_dir)

    def settings() -> Settings:
        return config.settings

    models = ModelCatalogue(paths, settings().engine.models_dirs)

    def launch_settings() -> Settings:
        current = settings()
        return current.model_copy(update={"engine": models.engine_for(current.engine)})

    monitor: ServerMonitor | None = None  # set below; the closures read it when called

    def model_infos() -> list[ModelInfo]:
        infos = models.infos(settings().engine)
        return infos if monitor is None else _with_load_states(infos, monitor)

    def models_changed(_models: object = None) -> None:
        sink(ModelsChangedEvent(models=model_infos()))

    last_state: list[ServerState] = []

    def monitor_sink(event: BridgeEvent) -> None:
        sink(event)
        if isinstance(event, ServerStatusEvent) and last_state != [event.status.state]:
            last_state[:] = [event.status.state]
            models_changed()  # the selected model's load state follows the server's

    def download_progress(state: DownloadState) -> None:
        done = state.status == "done"
        if done:
            models.refresh()  # so a page reacting to "done" already finds the model listed
        sink(DownloadProgressEvent(download=state.info()))
        if done:
            models_changed()

    def settings_saved(current: Settings, changed: list[str]) -> None:
        if "engine.models_dirs" in changed:
            models.set_extra_dirs(current.engine.models_dirs)
            models_changed()

    read_timeout = settings().engine.request_timeout_s
    async with AsyncExitStack() as stack:
        stack.callback(config.subscribe(settings_saved))
        monitor = await stack.enter_async_context(
            ServerMonitor(
                paths=paths,
                settings=launch_settings,
                sink=monitor_sink,
                router_plan=lambda: _router_plan(models, settings()),
                on_models=models_changed,
            )
        )
        timeout = httpx.Timeout(read_timeout, connect=_CONNECT_TIMEOUT_S)
        adapter = await stack.enter_async_context(
            LlamaCppAdapter(monitor, timeout=timeout, on_stall=monitor.check_soon)
        )
        store = stack.enter_context(ConversationStore(paths.database))
        slots = SlotManager(
            adapter,
            store,
            slot_dir=paths.slot_dir,
            disk_budget_mb=lambda: settings().behaviour.kv_cache_disk_mb,
        )
        chat = await stack.enter_async_context(
            ChatOrchestrator(store, adapter, sink, settings, slots=slots)
        )
        downloads = await stack.enter_async_context(
            DownloadManager(paths.models_dir, on_progress=download_progress)
        )
        tools = await stack.enter_async_context(_tool_manager(paths, settings, sink))
        # Entered last, so cancelling it at exit stops only these tasks, not the services'
        # own task groups (cancel scopes nest by the order they were entered).
        tasks = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tasks.cancel_scope.cancel)
        tasks.start_soon(_start_server, monitor)
        tasks.start_soon(models.watch, models_changed)
        tasks.start_soon(_keep_backups, backups)
        yield Services(
            paths=paths,
            config=config,
            monitor=monitor,
            chat=chat,
            models=models,
            downloads=downloads,
            tools=tools,
            model_infos=model_infos,
            backups=backups,
            recovery=recovery,
        )
