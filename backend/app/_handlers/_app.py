"""Settings and desktop commands: the settings page (and its About section), links opened
outside the window."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import anyio

from ... import __version__
from ...child_env import child_environ
from ...contract import (
    About,
    ConfigView,
    EmptyParams,
    Opened,
    OpenExternalParams,
    SaveConfigParams,
    SaveConfigResult,
)
from ...engine import DEFAULT_MODEL, ENGINE_SOURCE, cpu_variant, locate_engine, verify_engine
from ...errors import ConfigError, EngineError, FieldError
from ...paths import bundle_dir
from ._base import HandlerBase

__all__ = ["DesktopCommands", "SettingsCommands", "open_in_browser"]

_BROWSER_WAIT_S = 5.0


def open_in_browser(url: str) -> bool:
    """Open ``url`` the way ``webbrowser`` does on Linux, with each command of ``$BROWSER``
    (``%s`` stands for the URL) and then ``xdg-open``, but in ``child_environ()``: a browser
    started with the packaged app's library path would load the bundle's Qt and NSS.
    """
    env = child_environ()
    commands = [c for c in env.get("BROWSER", "").split(os.pathsep) if c.strip()]
    for command in [*commands, "xdg-open"]:
        try:
            words = shlex.split(command)
            argv = [w.replace("%s", url) for w in words] if "%s" in command else [*words, url]
            child = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except (OSError, ValueError):
            continue
        try:
            if child.wait(_BROWSER_WAIT_S) == 0:
                return True
        except subprocess.TimeoutExpired:
            return True  # a browser that stays in the foreground has the link
    return False


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

    async def get_about(self, params: EmptyParams) -> About:
        """The app's version, the llama-server it would launch and the default model."""
        return await anyio.to_thread.run_sync(self._about)

    def _about(self) -> About:
        engine: dict[str, str | None] = {
            "engine_version": None,
            "engine_source": None,
            "engine_path": None,
            "cpu_variant": None,
            "engine_problem": None,
        }
        configured = self._services.config.settings.engine.server_binary
        try:
            binary = locate_engine(configured, self._services.paths.engine_cache)
        except EngineError as exc:
            engine["engine_problem"] = exc.message
        else:
            engine["engine_version"] = binary.version
            engine["engine_source"] = binary.source
            engine["engine_path"] = str(binary.path)
            engine["cpu_variant"] = cpu_variant(binary.path)
        return About.model_validate(
            {
                "app_version": __version__,
                "packaged": bundle_dir() is not None,
                "engine_pin": ENGINE_SOURCE.requirement,
                "default_model": f"SmolLM2-135M-Instruct ({DEFAULT_MODEL.requirement})",
                **engine,
            }
        )


class DesktopCommands(HandlerBase):
    """The desktop around the window."""

    async def open_external(self, params: OpenExternalParams) -> Opened:
        """Open a link in the system browser; the window itself never leaves the app."""
        return Opened(opened=await anyio.to_thread.run_sync(open_in_browser, params.url))
