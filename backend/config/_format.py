"""Plain-text output of ``python -m backend config --show`` and ``config --path``."""

from __future__ import annotations

import json
from pathlib import Path

from backend.config._store import SettingsStore
from backend.contract import ConfigView
from backend.paths import AppPaths, bundle_dir

__all__ = ["format_paths", "format_show"]


def format_show(view: ConfigView) -> str:
    """One line per setting: dotted name, effective value as JSON, source (and lock)."""
    width = max(len(leaf) for leaf in view.sources)
    lines = []
    for leaf, source in view.sources.items():
        section, _, name = leaf.partition(".")
        value = json.dumps(view.values[section][name])
        note = f"{source}, locked" if leaf in view.locked else source
        lines.append(f"{leaf:<{width}} = {value}  ({note})")
    return "\n".join(lines) + "\n"


def format_paths(paths: AppPaths, cwd: Path | None = None) -> str:
    """Where settings are read from and written to."""
    store = SettingsStore(paths.settings_file)
    rows: dict[str, Path | str] = {
        "settings file": store.path,
        "backup": store.backup,
        "lock file": store.lock_file,
        ".env": (Path.cwd() if cwd is None else cwd) / ".env",
    }
    if bundle_dir() is not None:
        rows[".env"] = "(not read by the packaged app)"
    return "".join(f"{label + ':':<15}{path}\n" for label, path in rows.items())
