"""Assemble the services behind the bridge, in the order they must start and stop.

Start: the conversation database's check (a damaged file is recovered and set aside, see
``storage``), the model catalogue, the model service with the server monitor it feeds (the
monitor launches llama-server in the background, so the window shows at once with status
``starting``), the HTTP adapter that asks the monitor where the server is, the conversation
store, the orchestrator with its slot manager, the download manager, and the MCP tool servers
(none starts before it is used); the database is backed up once a day in the background. The RPC
workers (``WorkerPool``) are checked before each launch and on a timer (a lost worker restarts
the server without it), and the local worker runs while the settings ask for it. The providers
(the local server and remote OpenAI-compatible ones) route every answer, with failover, and
their health is checked in the background. Stop,
in reverse: tool servers stop (no child outlives the app), downloads pause (resumable), running
generations are stored as cancelled and slot caches saved while the server still runs, then the
database closes, then the server is stopped and reaped. Nothing here decides anything about
models: that is ``ModelService``'s job.

Download progress goes to the page as ``DownloadProgressEvent``. A finished download rescans the
catalogue before its last event (its header is read then, off the watcher's schedule), so a page
that asks for the models on ``done`` finds the new one; the new list follows as an event too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import httpx

from ..chat import ChatOrchestrator, ConversationStore, SlotManager, migrate
from ..config import ConfigService, Settings
from ..contract import (
    BridgeEvent,
    DownloadProgressEvent,
    LocalApiStatus,
    LocalApiStatusEvent,
    Providers,
    ProvidersChangedEvent,
    RpcStatus,
    RpcStatusEvent,
    ToolServers,
    ToolServersChangedEvent,
)
from ..engine import locate_engine
from ..errors import EngineError, LlamaDeskError
from ..llama import LlamaCppAdapter
from ..localapi import LocalApi, ProviderRoute
from ..models import DownloadManager, DownloadState, ModelCatalogue, ModelService, watch_folders
from ..paths import AppPaths
from ..providers import ManagedServer, ProviderService, ProviderStore
from ..rpc import WorkerPool
from ..secrets import SecretStore
from ..server import ServerMonitor
from ..storage import Backup, Backups, Recovery, ensure_usable

if TYPE_CHECKING:
    from ..tools import ToolManager

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
    catalogue: ModelCatalogue
    models: ModelService
    downloads: DownloadManager
    tools: ToolManager
    workers: WorkerPool
    providers: ProviderService
    backups: Backups
    local_api: LocalApi
    recovery: Recovery | None
    """What start-up did with a damaged database (None when it was sound)."""
    backup_before_recovery: Backup | None
    """The newest backup when start-up recovered the database (read before a new one is made)."""


async def _start_server(monitor: ServerMonitor) -> None:
    """Launch at start-up; a failure is already in the monitor's status for the page to show.

    Never raises: its task group encloses the services entered after the monitor, and a failed
    task would cancel their clean stop (answers stored, caches saved).
    """
    try:
        await monitor.start()
    except LlamaDeskError as exc:
        log.warning("llama-server did not start: %s", exc.message)
    except Exception:
        log.exception("llama-server's start failed unexpectedly")


def _wake_on(prefix: str, wake: Callable[[], None]) -> Callable[[Settings, list[str]], None]:
    """A settings subscriber that calls ``wake`` when a setting under ``prefix`` changed."""

    def saved(_settings: Settings, changed: list[str]) -> None:
        if any(leaf.startswith(prefix) for leaf in changed):
            wake()

    return saved


async def _keep_backups(backups: Backups) -> None:
    """Back the database up whenever the newest backup is a day old."""
    while True:
        if backups.due():
            try:
                await anyio.to_thread.run_sync(backups.make, abandon_on_cancel=True)
            except LlamaDeskError as exc:
                log.warning("Could not back up the conversations: %s (%s)", exc.message, exc.detail)
        await anyio.sleep(_BACKUP_CHECK_S)


def _check_database(paths: AppPaths, backups: Backups) -> tuple[Recovery | None, Backup | None]:
    """Recover a damaged database; with a recovery also the newest backup from before it."""
    recovery = ensure_usable(paths.database, migrate)
    if recovery is None:
        return None, None
    log.warning(
        "The conversation database was damaged (%s): recovered %d conversations and %d "
        "messages into a fresh one; the original is kept at %s",
        recovery.problem,
        recovery.conversations,
        recovery.messages,
        recovery.damaged,
    )
    listed = backups.list()  # before the first backup of the recovered database is made
    return recovery, listed[0] if listed else None


def _worker_pool(
    paths: AppPaths, config: ConfigService, sink: Callable[[BridgeEvent], None]
) -> WorkerPool:
    def engine() -> Path | None:
        try:
            return locate_engine(config.settings.engine.server_binary, paths.engine_cache).path
        except EngineError:
            return None

    def changed(status: RpcStatus) -> None:
        sink(RpcStatusEvent(status=status))

    return WorkerPool(
        lambda: config.settings.rpc,
        engine,
        environ=os.environ,
        log_dir=paths.log_dir,
        changed=changed,
    )


def _tool_manager(
    paths: AppPaths, settings: Callable[[], Settings], sink: Callable[[BridgeEvent], None]
) -> ToolManager:
    """The tool servers' manager; run off the loop (see ``open_services``)."""
    from ..secrets import SecretStore  # noqa: PLC0415 - see open_services
    from ..tools import ServerStore, ToolManager  # noqa: PLC0415 - see open_services

    secrets = SecretStore(paths.tool_secrets_file, f"LlamaDesk tools ({paths.config_dir})")
    store = ServerStore(paths.tools_file, secrets)

    def changed(servers: ToolServers) -> None:
        sink(ToolServersChangedEvent(servers=servers))

    return ToolManager(store, lambda: settings().tools, changed)


def _provider_service(
    paths: AppPaths,
    config: ConfigService,
    monitor: ServerMonitor,
    adapter: LlamaCppAdapter,
    sink: Callable[[BridgeEvent], None],
) -> ProviderService:
    """The providers; run off the loop (the secret store imports ``keyring``)."""
    from ..secrets import SecretStore  # noqa: PLC0415 - keyring's import is slow

    keys = SecretStore(paths.secrets_file, f"LlamaDesk ({paths.config_dir})")
    store = ProviderStore(paths.config_dir / "providers.json", keys)
    local = ManagedServer(adapter, lambda: config.settings.engine, monitor.status)

    def changed(providers: Providers) -> None:
        sink(ProvidersChangedEvent(providers=providers))

    def local_models() -> list[str]:
        model = monitor.status().model
        return [model] if model else []

    return ProviderService(store, local, changed, local_models=local_models)


def _local_api(
    paths: AppPaths,
    config: ConfigService,
    route: ProviderRoute,
    sink: Callable[[BridgeEvent], None],
) -> LocalApi:
    """The OpenAI-compatible server for other apps, its key kept with the app's secrets."""
    keys = SecretStore(paths.secrets_file, f"LlamaDesk ({paths.config_dir})")

    def changed(status: LocalApiStatus) -> None:
        sink(LocalApiStatusEvent(status=status))

    return LocalApi(route, keys, lambda: config.settings.local_api, changed)


@asynccontextmanager
async def open_services(
    paths: AppPaths, config: ConfigService, sink: Callable[[BridgeEvent], None]
) -> AsyncIterator[Services]:
    """Start every service; on exit stop them in reverse order."""
    paths.ensure()
    backups = Backups(paths.database, paths.backup_dir)
    recovery, backup_before = await anyio.to_thread.run_sync(_check_database, paths, backups)

    engine = config.settings.engine
    catalogue = ModelCatalogue(paths, engine.models_dirs)
    workers = _worker_pool(paths, config, sink)
    models = ModelService(paths, config, catalogue, sink, workers)

    def download_progress(state: DownloadState) -> None:
        done = state.status == "done"
        if done:
            catalogue.refresh()  # so a page reacting to "done" already finds the model listed
        sink(DownloadProgressEvent(download=state.info()))
        if done:
            models.changed()

    def settings_saved(current: Settings, changed: list[str]) -> None:
        if "engine.models_dirs" in changed:
            catalogue.set_extra_dirs(current.engine.models_dirs)
            models.changed()

    async with AsyncExitStack() as stack:
        stack.callback(config.subscribe(settings_saved))
        monitor = await stack.enter_async_context(models.server)
        # llama-server launches first (it takes the longest); a group of its own, so cancelling
        # it at exit, after the services below have stopped, cancels nothing else.
        launch = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(launch.cancel_scope.cancel)
        launch.start_soon(_start_server, monitor)
        timeout = httpx.Timeout(engine.request_timeout_s, connect=_CONNECT_TIMEOUT_S)
        adapter = await stack.enter_async_context(
            LlamaCppAdapter(monitor, timeout=timeout, on_stall=monitor.check_soon)
        )
        store = stack.enter_context(ConversationStore(paths.database))
        slots = SlotManager(
            adapter,
            store,
            slot_dir=paths.slot_dir,
            disk_budget_mb=lambda: config.settings.behaviour.kv_cache_disk_mb,
        )
        models.keep_caches(slots.save_all)
        # Tools before chat: leaving in reverse, the answers stop before their tool servers.
        # Made on a worker thread: importing the MCP SDK is most of the start-up's CPU time,
        # and the loop meanwhile launches llama-server and answers the page's first commands.
        manager = await anyio.to_thread.run_sync(
            _tool_manager, paths, lambda: config.settings, sink
        )
        tools = await stack.enter_async_context(manager)
        providers = await anyio.to_thread.run_sync(
            _provider_service, paths, config, monitor, adapter, sink
        )
        stack.push_async_callback(providers.aclose)
        chat = await stack.enter_async_context(
            ChatOrchestrator(
                store,
                adapter,
                sink,
                lambda: config.settings,
                slots=slots,
                tools=tools,
                explain=workers.lost_error,
                router=providers.router,
            )
        )
        # Files a crash or an unsent draft left behind; nothing uses them, so no need to wait.
        await anyio.to_thread.run_sync(chat.attachments.sweep)
        downloads = await stack.enter_async_context(
            DownloadManager(paths.models_dir, on_progress=download_progress)
        )
        route = ProviderRoute(
            providers, lambda: next((m.name for m in models.infos() if m.selected), None)
        )
        local_api = await anyio.to_thread.run_sync(_local_api, paths, config, route, sink)
        stack.callback(config.subscribe(_wake_on("local_api.", local_api.settings_changed)))
        stack.callback(config.subscribe(_wake_on("rpc.", workers.settings_changed)))
        # Entered last, so cancelling it at exit stops only these tasks, not the services'
        # own task groups (cancel scopes nest by the order they were entered).
        tasks = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tasks.cancel_scope.cancel)
        tasks.start_soon(watch_folders, catalogue, models.changed)
        tasks.start_soon(_keep_backups, backups)
        tasks.start_soon(workers.watch, monitor.restart)
        tasks.start_soon(workers.run_local, lambda: config.settings.rpc)
        tasks.start_soon(providers.watch)
        tasks.start_soon(local_api.run)
        yield Services(
            paths=paths,
            config=config,
            monitor=monitor,
            chat=chat,
            catalogue=catalogue,
            models=models,
            downloads=downloads,
            tools=tools,
            workers=workers,
            providers=providers,
            backups=backups,
            local_api=local_api,
            recovery=recovery,
            backup_before_recovery=backup_before,
        )
