"""``settings.json`` on disk: locked, written atomically, backed up, migrated, and recovered.

Only values the user saved are stored (not defaults), so a new default reaches users who never
changed that field. Every read-modify-write runs under an exclusive ``flock`` on
``settings.json.lock``, so two processes saving at once cannot interleave. Every write goes
through :func:`backend.files.write_atomic` (temporary file, fsync, rename, fsync of the folder):
a crash leaves the old file or the new one, never half of one. Before replacing a file its
previous (valid) content is kept as ``settings.json.bak``.

A file that is not JSON, fails validation, or comes from a newer version never stops the app:
it is set aside as ``settings.json.bad-<UTC timestamp>``, the last good backup (or nothing,
meaning defaults) takes its place, and a warning says what was wrong and where the file went.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from backend.config._layers import flatten, nest, validate
from backend.config._migrations import MigrationError, migrate
from backend.config._settings import SETTINGS_SCHEMA_VERSION
from backend.errors import ConfigError
from backend.files import remove_temp_files, set_aside, write_atomic

__all__ = ["Loaded", "SettingsStore"]


@dataclass(frozen=True)
class Loaded:
    """The file's typed leaves and any problems met while loading it."""

    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


class _Unusable(Exception):
    """A settings file that cannot be used; the message says why."""


class SettingsStore:
    """One settings file with its backup, lock file and recovery."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.backup = path.with_name(f"{path.name}.bak")
        self.lock_file = path.with_name(f"{path.name}.lock")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive inter-process lock (blocking until it is free)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.lock_file.open("a")
        except OSError as exc:
            raise ConfigError(f"Cannot open {self.lock_file}: {exc}", detail=str(exc)) from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def load(self) -> Loaded:
        """Read, migrate and validate the file, recovering from a bad one. Call under ``locked``."""
        try:
            remove_temp_files(self.path)
            try:
                values, version = self._read(self.path)
            except _Unusable as exc:
                return self._recover(str(exc))
        except FileNotFoundError:
            return Loaded({})
        except OSError as exc:
            raise ConfigError(f"Cannot read {self.path}: {exc}", detail=str(exc)) from exc
        if version < SETTINGS_SCHEMA_VERSION:
            self.write(values)
        return Loaded(values)

    def write(self, values: Mapping[str, Any]) -> None:
        """Back up the current file, then atomically replace it. Call under ``locked``."""
        try:
            if self.path.exists():
                write_atomic(self.backup, self.path.read_bytes())
            write_atomic(self.path, _encode(values))
        except OSError as exc:
            raise ConfigError(f"Cannot write {self.path}: {exc}", detail=str(exc)) from exc

    def _read(self, path: Path) -> tuple[dict[str, Any], int]:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise _Unusable("it is not UTF-8 text") from exc
        if not text.strip():
            raise _Unusable("it is empty")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Unusable(f"it is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(doc, dict):
            raise _Unusable("it is not a JSON object")
        try:
            doc, version = migrate(doc)
        except MigrationError as exc:
            raise _Unusable(str(exc)) from exc
        doc.pop("schema_version")
        raw, errors = flatten(doc)
        values, invalid = validate(raw)
        if errors or invalid:
            problems = "; ".join(
                f"{problem.field}: {problem.message}" for problem in errors + invalid
            )
            raise _Unusable(f"some values are invalid ({problems})")
        return values, version

    def _recover(self, reason: str) -> Loaded:
        aside = set_aside(self.path)
        try:
            values, _ = self._read(self.backup)
        except (FileNotFoundError, _Unusable):
            values, start = {}, "the defaults"
        else:
            write_atomic(self.path, _encode(values))
            start = f"the last good backup ({self.backup.name})"
        warning = f"Settings file {self.path} was not used: {reason}. It was moved to {aside}"
        return Loaded(values, [f"{warning}; LlamaDesk started on {start}."])


def _encode(values: Mapping[str, Any]) -> bytes:
    doc = {"schema_version": SETTINGS_SCHEMA_VERSION, **nest(values)}
    return (json.dumps(to_jsonable_python(doc), indent=2) + "\n").encode()
