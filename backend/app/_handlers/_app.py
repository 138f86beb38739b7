"""Settings and desktop commands: the settings page, links opened outside the window."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import anyio

from ...contract import (
    ConfigView,
    EmptyParams,
    Opened,
    OpenExternalParams,
    SaveConfigParams,
    SaveConfigResult,
)
from ...engine import verify_engine
from ...errors import ConfigError, EngineError, FieldError
from ._base import HandlerBase

__all__ = ["DesktopCommands", "SettingsCommands"]


def _check_binary(path: Path) -> None:
    try:
        verify_engine(path, "settings")
    except EngineError as exc:
        field = FieldError("engine.server_binary", exc.message)
        raise ConfigError(exc.message, detail=exc.detail, fields=[field]) from exc


class SettingsCommands(HandlerBase):
    """The settings page: read and save settings."""

    async def get_config(self, params: EmptyParams) -> ConfigView:
        """Effective settings, their sources and the form schema."""
        return self._services.config.view()

    async def save_config(self, params: SaveConfigParams) -> SaveConfigResult:
        """Validate and save a partial settings update (file I/O off the loop).

        A server binary is proved to be llama-server before it is saved, not at the next launch.
        """
        engine = params.config.get("engine")
        binary = engine.get("server_binary") if isinstance(engine, dict) else None
        if isinstance(binary, str) and binary:
            await anyio.to_thread.run_sync(_check_binary, Path(binary))
        return await anyio.to_thread.run_sync(self._services.config.save, params.config)


class DesktopCommands(HandlerBase):
    """The desktop around the window."""

    async def open_external(self, params: OpenExternalParams) -> Opened:
        """Open a link in the system browser; the window itself never leaves the app."""
        return Opened(opened=await anyio.to_thread.run_sync(webbrowser.open, params.url))
