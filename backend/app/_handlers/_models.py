"""Model and download commands: the model list, load settings, downloads."""

from __future__ import annotations

from pathlib import Path

import anyio

from ...contract import (
    AddModelFileParams,
    DownloadInfo,
    DownloadModelParams,
    DownloadRef,
    EmptyParams,
    ModelInfo,
    ModelRef,
    ModelSettings,
    PickedFile,
    RemoveModelParams,
    SaveModelSettingsParams,
    SelectModelParams,
)
from ...errors import Conflict, LlamaDeskError, ModelError
from ._base import HandlerBase

__all__ = ["DownloadCommands", "ModelCommands"]


class ModelCommands(HandlerBase):
    """The model list: select, unload, add, remove, and each model's load settings."""

    async def list_models(self, params: EmptyParams) -> list[ModelInfo]:
        """The models the app can load."""
        return self._services.model_infos()

    async def refresh_models(self, params: EmptyParams) -> list[ModelInfo]:
        """Rescan the model folders."""
        await anyio.to_thread.run_sync(self._services.models.refresh)
        return self._services.model_infos()

    async def select_model(self, params: SelectModelParams) -> ModelInfo:
        """Load another model: the server restarts on it (a router loads it alongside).

        When the new model does not come up, the previous one is selected (and started again),
        and the error says why the new one failed: a bad pick never leaves the app modelless.
        """
        model = self._services.models.get(params.model_id)
        if model.error is not None:
            raise ModelError(f"{model.name} cannot be loaded: {model.error}")
        engine = self._services.config.settings.engine
        previous = self._services.models.selected(engine)
        back = previous.name if previous is not None else "The previous model"
        router = self._services.monitor.is_router and engine.router_mode
        await self._save_model(None if model.is_default else model.path)
        try:
            if router:
                await self._services.monitor.select(model.id)
            else:
                await self._restart()
        except LlamaDeskError as exc:
            await self._save_model(engine.model)
            if router:
                raise ModelError(
                    f"{model.name} failed to load: {exc.message} {back} stays selected.",
                    detail=exc.detail,
                ) from exc
            await self._services.monitor.restart()
            raise ModelError(
                f"{model.name} failed to load: {exc.message} {back} is loaded again.",
                detail=exc.detail,
            ) from exc
        return self._model_info(model.id)

    async def unload_model(self, params: ModelRef) -> list[ModelInfo]:
        """Free a loaded model's memory; the next message to it loads it again."""
        model = self._services.models.get(params.model_id)
        if self._services.monitor.is_router:
            await self._services.monitor.unload(model.id)
        else:
            selected = self._services.models.selected(self._services.config.settings.engine)
            if selected is not None and selected.id == model.id:
                await self._save_slot_caches()
                await self._services.monitor.stop(unload=True)
        return self._services.model_infos()

    async def pick_model_file(self, params: EmptyParams) -> PickedFile:
        """Ask for a GGUF file with the desktop's file dialog."""
        picker = self._file_picker()
        if picker is None:
            raise Conflict(
                "There is no file dialog in browser mode.",
                detail="Type or paste the model file's full path instead.",
            )
        return PickedFile(path=await anyio.to_thread.run_sync(picker))

    async def _save_model(self, path: Path | None) -> None:
        model = None if path is None else str(path)
        await anyio.to_thread.run_sync(self._services.config.save, {"engine": {"model": model}})

    async def add_model_file(self, params: AddModelFileParams) -> ModelInfo:
        """List a GGUF file where it lies (no copy)."""
        model = await anyio.to_thread.run_sync(self._services.models.link, Path(params.path))
        return self._model_info(model.id)

    async def remove_model(self, params: RemoveModelParams) -> list[ModelInfo]:
        """Take a model off the list (deleting its file on request); not the loaded one."""
        selected = self._services.models.selected(self._services.config.settings.engine)
        if selected is not None and selected.id == params.model_id:
            raise Conflict(f"{selected.name} is loaded; select another model before removing it.")
        if self._services.monitor.model_states().get(params.model_id) in ("loaded", "loading"):
            await self._services.monitor.unload(params.model_id)  # a router may still hold it
        await anyio.to_thread.run_sync(
            lambda: self._services.models.remove(params.model_id, delete_file=params.delete_file)
        )
        return self._services.model_infos()

    async def get_model_settings(self, params: ModelRef) -> ModelSettings:
        """A model's load settings (null fields inherit the engine's)."""
        return self._services.models.load_settings(params.model_id)

    async def save_model_settings(self, params: SaveModelSettingsParams) -> ModelSettings:
        """Save a model's load settings; they apply when it next (re)starts."""
        values = params.settings.model_dump()
        return await anyio.to_thread.run_sync(
            self._services.models.save_settings, params.model_id, values
        )

    def _model_info(self, model_id: str) -> ModelInfo:
        return next(info for info in self._services.model_infos() if info.id == model_id)


class DownloadCommands(HandlerBase):
    """Downloads into the models folder."""

    async def download_model(self, params: DownloadModelParams) -> DownloadInfo:
        """Start downloading a GGUF, or resume a paused or failed one; progress follows."""
        state = self._services.downloads.start(
            params.url, filename=params.filename, sha256=params.sha256
        )
        return state.info()

    async def cancel_download(self, params: DownloadRef) -> list[DownloadInfo]:
        """Stop a download and delete its partial file; the remaining downloads."""
        await self._services.downloads.cancel_and_wait(params.download_id)
        return await self.list_downloads(EmptyParams())

    async def list_downloads(self, params: EmptyParams) -> list[DownloadInfo]:
        """Running, paused, failed and finished downloads."""
        return [state.info() for state in self._services.downloads.list_downloads()]

    async def clear_finished_downloads(self, params: EmptyParams) -> list[DownloadInfo]:
        """Take finished downloads off the list; their models stay."""
        return [state.info() for state in self._services.downloads.clear_finished()]
