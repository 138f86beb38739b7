"""Model selection: which model is loaded, which one loads next, and going back when one fails.

The one place that decides about models: the catalogue lists them, the server monitor runs
them, and :class:`ModelService` (which owns the monitor) chooses. At each launch it gives the
monitor the settings with the selected model's load settings applied and, in router mode, the
router's plan (:func:`plan_router`: every loadable model with its own load settings, and the
selected one).

Selecting a model saves the choice in the settings, then loads it: the server restarts on it, or
a router loads it beside the others without a restart. When it does not come up, the previous
choice is saved back (and, without a router, started again), so a bad pick never leaves the app
without a model, and the error says why the new one failed. Unloading frees a model's memory (a
single server stops as if idle, so the next message starts it again). Whenever a model change
stops the server on purpose, the conversations' KV caches are saved first (``keep_caches``).

Each model's ``load_state`` (:func:`with_load_states`) comes from the router in router mode,
and from the server's state for the selected model otherwise; a change of either resends the
list to the page as a ``ModelsChangedEvent``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import anyio

from backend.config import ConfigService, EngineSettings, Settings
from backend.contract import (
    BridgeEvent,
    ModelInfo,
    ModelLoadState,
    ModelsChangedEvent,
    ServerState,
    ServerStatus,
    ServerStatusEvent,
)
from backend.errors import Conflict, LlamaDeskError, ModelError, ServerError
from backend.models._catalogue import ModelCatalogue
from backend.models._model import Model
from backend.paths import AppPaths
from backend.server import RemoteWorkers, RouterModel, RouterPlan, ServerMonitor

__all__ = ["ModelService", "launch_engine", "plan_router", "with_load_states"]

_log = logging.getLogger(__name__)

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


def launch_engine(catalogue: ModelCatalogue, engine: EngineSettings) -> EngineSettings:
    """The engine settings a launch uses: the selected model's load settings and projector."""
    model = catalogue.selected(engine)
    return engine if model is None else _model_engine(catalogue, model, engine)


def _model_engine(
    catalogue: ModelCatalogue, model: Model, engine: EngineSettings
) -> EngineSettings:
    """The engine settings ``model`` launches with: its load settings, its projector and the
    file of its draft model (none when that model is no longer listed or cannot load)."""
    settings = catalogue.stored_settings(model.id)
    projector = model.projector_with(settings)
    draft = None
    if settings.draft_model_id is not None:
        found = next((m for m in catalogue.models() if m.id == settings.draft_model_id), None)
        if found is None or found.error is not None:
            _log.warning("%s loads without its draft model: it is gone or broken", model.name)
        else:
            draft = found.path
    update = {"mmproj_file": projector, "draft_model": draft}
    return settings.apply(engine).model_copy(update=update)


def plan_router(catalogue: ModelCatalogue, settings: Settings) -> RouterPlan:
    """Every model the router may load (the built-in one even before it is unpacked).

    The router calls each model by its name (so answers name it readably), made unique with
    the start of its id when two files share a name.
    """
    engine = settings.engine
    usable = [model for model in catalogue.models() if model.error is None or model.is_default]
    counts = Counter(model.name for model in usable)
    offered = tuple(
        RouterModel(
            model.id,
            _NOT_IN_SECTION_NAMES.sub("_", model.name)
            + (f"-{model.id[:6]}" if counts[model.name] > 1 else ""),
            model.path,
            _model_engine(catalogue, model, engine),
        )
        for model in usable
    )
    chosen = catalogue.selected(engine)
    selected = next((m.name for m in offered if chosen is not None and m.id == chosen.id), None)
    return RouterPlan(offered, selected or (offered[0].name if offered else None))


def with_load_states(
    infos: list[ModelInfo],
    server_state: ServerState,
    router_states: Mapping[str, ModelLoadState] | None = None,
) -> list[ModelInfo]:
    """``infos`` with each model's load state: the router's (by id), else the server's for the
    selected model (the others keep theirs)."""
    if router_states is not None:
        return [
            info.model_copy(update={"load_state": router_states.get(info.id, "unloaded")})
            for info in infos
        ]
    single = _SINGLE_LOAD_STATE[server_state]
    return [
        info.model_copy(update={"load_state": single}) if info.selected else info for info in infos
    ]


def _failed_load(
    model: Model, previous: Model | None, exc: LlamaDeskError, *, router: bool
) -> ModelError:
    back = previous.name if previous is not None else "The previous model"
    outcome = "stays selected" if router else "is loaded again"
    return ModelError(
        f"{model.name} failed to load: {exc.message} {back} {outcome}.", detail=exc.detail
    )


class ModelService:
    """Selects, unloads and removes models, and lists them with their load states.

    ``server`` is the monitor this service feeds; the caller enters it (``async with``).
    ``sink`` receives the monitor's status events and the models' ``ModelsChangedEvent``;
    ``workers`` are the RPC workers a single server may spread its model over.
    """

    def __init__(
        self,
        paths: AppPaths,
        config: ConfigService,
        catalogue: ModelCatalogue,
        sink: Callable[[BridgeEvent], None],
        workers: RemoteWorkers | None = None,
    ) -> None:
        self.catalogue = catalogue
        self._config = config
        self._sink = sink
        self._save_caches: Callable[[], Awaitable[None]] | None = None
        self._last_state: ServerState | None = None
        self.server = ServerMonitor(
            paths=paths,
            settings=self.launch_settings,
            sink=self._server_event,
            router_plan=self.router_plan,
            on_models=self.changed,
            workers=workers,
        )

    def keep_caches(self, save: Callable[[], Awaitable[None]]) -> None:
        """Call ``save`` (the conversations' KV caches) before a model change stops the server."""
        self._save_caches = save

    # -- what the monitor launches -------------------------------------------------------------

    def launch_settings(self) -> Settings:
        """The settings a launch uses: the selected model's load settings applied."""
        current = self._config.settings
        return current.model_copy(update={"engine": launch_engine(self.catalogue, current.engine)})

    def router_plan(self) -> RouterPlan:
        """The router's plan for the current settings (see :func:`plan_router`)."""
        return plan_router(self.catalogue, self._config.settings)

    # -- the list the page shows ---------------------------------------------------------------

    def infos(self) -> list[ModelInfo]:
        """The models as the page lists them, with each one's load state."""
        infos = self.catalogue.infos(self._config.settings.engine)
        router = self.server.model_states() if self.server.is_router else None
        return with_load_states(infos, self.server.status().state, router)

    def info(self, model_id: str) -> ModelInfo:
        """One listed model as the page shows it."""
        return next(info for info in self.infos() if info.id == model_id)

    def changed(self, _models: object = None) -> None:
        """Send the page the models again (their list or a load state changed)."""
        self._sink(ModelsChangedEvent(models=self.infos()))

    async def refresh(self) -> list[ModelInfo]:
        """Rescan the model folders (off the loop)."""
        await anyio.to_thread.run_sync(self.catalogue.refresh)
        return self.infos()

    async def link(self, path: Path) -> ModelInfo:
        """List a GGUF file where it lies (off the loop)."""
        model = await anyio.to_thread.run_sync(self.catalogue.link, path)
        return self.info(model.id)

    # -- choosing ------------------------------------------------------------------------------

    async def select(self, model_id: str) -> ModelInfo:
        """Load another model: the server restarts on it (a router loads it alongside).

        When the new model does not come up, the previous one is selected (and started again),
        and the ``ModelError`` says why the new one failed.
        """
        model = self.catalogue.get(model_id)
        if model.error is not None:
            raise ModelError(f"{model.name} cannot be loaded: {model.error}")
        engine = self._config.settings.engine
        previous = self.catalogue.selected(engine)
        router = self.server.is_router and engine.router_mode
        await self._choose(None if model.is_default else model.path)
        try:
            if router:
                await self.server.select(model.id)
            else:
                await self.reload()
        except LlamaDeskError as exc:
            await self._choose(engine.model)
            if not router:
                await self.server.restart()
            raise _failed_load(model, previous, exc, router=router) from exc
        return self.info(model.id)

    async def unload(self, model_id: str) -> list[ModelInfo]:
        """Free a loaded model's memory; the next message to it loads it again."""
        model = self.catalogue.get(model_id)
        if self.server.is_router:
            await self.server.unload(model.id)
        elif self._is_selected(model.id):
            await self._keep_caches_now()
            await self.server.stop(unload=True)
        return self.infos()

    async def remove(self, model_id: str, *, delete_file: bool) -> list[ModelInfo]:
        """Take a model off the list (deleting its file on request); not the selected one."""
        selected = self.catalogue.selected(self._config.settings.engine)
        if selected is not None and selected.id == model_id:
            raise Conflict(f"{selected.name} is loaded; select another model before removing it.")
        if self.server.model_states().get(model_id) in ("loaded", "loading"):
            await self.server.unload(model_id)  # a router may still hold it
        await anyio.to_thread.run_sync(
            lambda: self.catalogue.remove(model_id, delete_file=delete_file)
        )
        return self.infos()

    async def reload(self) -> ServerStatus:
        """Restart the server with the current settings, the KV caches saved first."""
        await self._keep_caches_now()
        return await self.server.restart()

    def _is_selected(self, model_id: str) -> bool:
        selected = self.catalogue.selected(self._config.settings.engine)
        return selected is not None and selected.id == model_id

    async def _choose(self, path: Path | None) -> None:
        model = None if path is None else str(path)
        await anyio.to_thread.run_sync(self._config.save, {"engine": {"model": model}})

    async def _keep_caches_now(self) -> None:
        if self._save_caches is None:
            return
        try:
            await self._save_caches()
        except ServerError as exc:
            _log.warning("Could not save slot caches before stopping the server: %s", exc.message)

    def _server_event(self, event: BridgeEvent) -> None:
        self._sink(event)
        if isinstance(event, ServerStatusEvent) and event.status.state != self._last_state:
            self._last_state = event.status.state
            self.changed()  # the selected model's load state follows the server's
