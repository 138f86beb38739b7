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
from ...errors import Conflict
from ._base import HandlerBase

__all__ = ["DownloadCommands", "ModelCommands"]


class ModelCommands(HandlerBase):
    """The model list: select, unload, add, remove, and each model's load settings."""

    async def list_models(self, params: EmptyParams) -> list[ModelInfo]:
        """The models the app can load."""
        return self._services.models.infos()

    async def refresh_models(self, params: EmptyParams) -> list[ModelInfo]:
        """Rescan the model folders."""
        return await self._services.models.refresh()

    async def select_model(self, params: SelectModelParams) -> ModelInfo:
        """Load another model; when it does not come up, the previous one is selected again."""
        return await self._services.models.select(params.model_id)

    async def unload_model(self, params: ModelRef) -> list[ModelInfo]:
        """Free a loaded model's memory; the next message to it loads it again."""
        return await self._services.models.unload(params.model_id)

    async def pick_model_file(self, params: EmptyParams) -> PickedFile:
        """Ask for a GGUF file with the desktop's file dialog."""
        picker = self._file_picker()
        if picker is None:
            raise Conflict(
                "There is no file dialog in browser mode.",
                detail="Type or paste the model file's full path instead.",
            )
        return PickedFile(path=await anyio.to_thread.run_sync(picker))

    async def add_model_file(self, params: AddModelFileParams) -> ModelInfo:
        """List a GGUF file where it lies (no copy)."""
        return await self._services.models.link(Path(params.path))

    async def remove_model(self, params: RemoveModelParams) -> list[ModelInfo]:
        """Take a model off the list (deleting its file on request); not the loaded one."""
        return await self._services.models.remove(params.model_id, delete_file=params.delete_file)

    async def get_model_settings(self, params: ModelRef) -> ModelSettings:
        """A model's load settings (null fields inherit the engine's)."""
        return self._services.catalogue.load_settings(params.model_id)

    async def save_model_settings(self, params: SaveModelSettingsParams) -> ModelSettings:
        """Save a model's load settings; they apply when it next (re)starts."""
        values = params.settings.model_dump()
        return await anyio.to_thread.run_sync(
            self._services.catalogue.save_settings, params.model_id, values
        )


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
