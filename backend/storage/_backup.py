"""Rotating backups of the conversation database, and restoring one.

A backup is a consistent copy made with SQLite's online backup API from a connection of its own,
so it can run while the app writes (WAL readers never block the writer). It is written under a
temporary name and renamed when complete, so the folder only ever holds whole backups, named
``conversations-<UTC time>.db`` so that names sort by age. ``due()`` says whether the newest one is
older than a day; ``make()`` keeps the newest ``keep`` (7) and deletes older ones. A database that
cannot be recovered therefore loses at most a day.

``restore(name)`` first copies the current database aside (``conversations.before-restore-<UTC
time>.db`` next to it), then copies the backup *into* the live database through the same API, so
the store's open connection simply sees the restored content on its next query; ``prepare`` (the
migrations) then brings a backup made by an older version up to the current schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..errors import NotFound, StorageError
from ..files import rename_durably
from ._integrity import check_database

__all__ = ["Backup", "Backups", "Restored"]

_PREFIX = "conversations-"
_STAMP = "%Y%m%d-%H%M%S"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Backup:
    """One backup file."""

    name: str
    path: Path
    created_at: str
    """ISO-8601 UTC, from the file name."""
    size: int


@dataclass(frozen=True)
class Restored:
    """What ``restore`` did."""

    backup: Backup
    kept_aside: Path
    """The database as it was before the restore."""


class Backups:
    """The backups folder of one database."""

    def __init__(
        self,
        database: Path,
        folder: Path,
        *,
        keep: int = 7,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.folder = folder
        self.keep = keep
        self._clock = clock

    def list(self) -> list[Backup]:
        """Every backup, newest first."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob(f"{_PREFIX}*.db"):
            stamp = _parse_stamp(path.stem.removeprefix(_PREFIX))
            if stamp is not None and path.is_file():
                found.append(Backup(path.name, path, stamp, path.stat().st_size))
        return sorted(found, key=lambda b: b.name, reverse=True)

    def due(self) -> bool:
        """Whether the newest backup is a day old (or there is none) and there is a database."""
        if not self.database.is_file():
            return False
        backups = self.list()
        if not backups:
            return True
        newest = datetime.fromisoformat(backups[0].created_at)
        return self._clock() - newest >= _DAY

    def make(self) -> Backup:
        """Back the database up now and drop the backups beyond ``keep``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("*.partial"):  # left by a copy the app quit during
            stale.unlink(missing_ok=True)
        target = self.folder / f"{_PREFIX}{self._stamp()}.db"
        _copy(self.database, target)
        for old in self.list()[self.keep :]:
            old.path.unlink(missing_ok=True)
        return next(b for b in self.list() if b.path == target)

    def restore(self, name: str, prepare: Callable[[sqlite3.Connection], object]) -> Restored:
        """Replace the database's content with backup ``name``, keeping the current one aside."""
        backup = next((b for b in self.list() if b.name == name), None)
        if backup is None:
            raise NotFound(f"No backup named {name!r} in {self.folder}.")
        problem = check_database(backup.path)
        if problem is not None:
            raise StorageError(f"The backup {name} is damaged; choose another.", detail=problem)
        aside = self.database.with_name(
            f"{self.database.stem}.before-restore-{self._stamp()}{self.database.suffix}"
        )
        _copy(self.database, aside)
        try:
            with (
                closing(sqlite3.connect(backup.path)) as source,
                closing(sqlite3.connect(self.database, isolation_level=None)) as live,
            ):
                source.backup(live)
                prepare(live)
        except sqlite3.Error as exc:
            raise StorageError(
                f"Could not restore {name}; the database is as it was.",
                detail=f"{exc}; a copy from before is at {aside}",
            ) from exc
        return Restored(backup, aside)

    def _stamp(self) -> str:
        return self._clock().strftime(_STAMP)


def _copy(database: Path, target: Path) -> None:
    """A consistent copy of ``database`` at ``target``, which appears only when complete."""
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        rename_durably(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"Could not copy the database to {target}.", detail=str(exc)) from exc


def _parse_stamp(text: str) -> str | None:
    try:
        when = datetime.strptime(text, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    return when.isoformat().replace("+00:00", "Z")
