"""The conversation database at start-up: checked, and a damaged one recovered, never lost.

``ensure_usable(path, prepare)`` runs before the store opens the file:

- **Check.** A read-only connection runs ``PRAGMA quick_check``, which reads every b-tree page,
  so garbage in the middle of the file is found now, not on the first search that reaches it.
  When the file is sound, each FTS5 index is checked against its table (``integrity-check``) and
  rebuilt from it if they disagree: the text is safe in the table, only the index was wrong.
- **Recover.** A damaged file (truncated, garbage in the header or a page, not a database at all,
  a folder) is read page by page (``_pages``) into a fresh database built by ``prepare`` (the
  migrations) under a temporary name; then the original is set aside (``files.set_aside``:
  ``conversations.db.bad-<UTC time>``, with its ``-wal`` under the same name so SQLite opens the
  copy whole) and the new file takes its place. Building first means a failure (a full disk)
  leaves the original where it was. Rows are matched to the current schema by column order
  (migrations only ever append columns); a message whose conversation row was lost gets a
  placeholder conversation, links to lost rows are cut, bad JSON columns reset to their defaults,
  and a message cut short by a broken overflow chain keeps its beginning, marked as an error.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StorageError
from ..files import rename_durably, set_aside
from ._pages import RawRow, read_rows

__all__ = ["Recovery", "check_database", "ensure_usable", "unreadable"]

_DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_LOW_SPACE = 16 * 1024 * 1024
_TABLES = ("conversations", "messages", "slot_caches")
_CUT_SHORT = "The end of this message was in a damaged part of the file and is lost."
_FIXUPS = (
    "UPDATE messages SET created_at = coalesce("
    " (SELECT p.created_at FROM messages p WHERE p.id = messages.parent_id),"
    " (SELECT c.created_at FROM conversations c WHERE c.id = messages.conversation_id),"
    " strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE created_at = ''",
    "INSERT INTO conversations (id, title, created_at, updated_at)"
    " SELECT conversation_id, 'Recovered messages', min(created_at), max(created_at)"
    " FROM messages WHERE conversation_id NOT IN (SELECT id FROM conversations)"
    " GROUP BY conversation_id",
    "UPDATE messages SET parent_id = NULL"
    " WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM messages)",
    "UPDATE conversations SET active_leaf_id = NULL"
    " WHERE active_leaf_id IS NOT NULL AND active_leaf_id NOT IN (SELECT id FROM messages)",
    "DELETE FROM slot_caches WHERE conversation_id NOT IN (SELECT id FROM conversations)",
    "UPDATE conversations SET params = '{}'"
    " WHERE NOT json_valid(params) OR json_type(params) != 'object'",
    "UPDATE messages SET timings = NULL"
    " WHERE timings IS NOT NULL AND (NOT json_valid(timings) OR json_type(timings) != 'object')",
    "UPDATE messages SET usage = NULL"
    " WHERE usage IS NOT NULL AND (NOT json_valid(usage) OR json_type(usage) != 'object')",
)


@dataclass(frozen=True)
class Recovery:
    """What start-up did with a damaged database."""

    problem: str
    """What was wrong with the file."""
    damaged: Path
    """Where the original is now."""
    at: datetime
    """When it was recovered (UTC)."""
    conversations: int
    messages: int
    unreadable_pages: int
    """Pages whose rows could not be read (their rows are lost)."""


def unreadable(path: Path, exc: BaseException) -> StorageError:
    """The error for a database the disk will not let us use (full, I/O error, no permission)."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    hint = (
        f"The disk is full ({free // 1024} KB free): free some space and start LlamaDesk again."
        if free is not None and free < _LOW_SPACE
        else "Check the disk and the file's permissions, then start LlamaDesk again."
    )
    return StorageError(f"Could not use the conversation database {path}: {exc}.", detail=hint)


def check_database(path: Path) -> str | None:
    """None when ``path`` is a sound database (or absent); else what is wrong with it.

    Raises ``StorageError`` when the file cannot be read at all for a reason that is not its
    content (a full disk, an I/O error, permissions): that is no damage to recover from.
    """
    if not path.exists():
        return None
    if path.is_dir():
        return "it is a folder, not a database file"
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as db:
            rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF in _DAMAGED:
            return str(exc)
        raise unreadable(path, exc) from exc
    problems = [str(row[0]) for row in rows if row[0] != "ok"]
    return "; ".join(problems[:3]) if problems else None


def ensure_usable(path: Path, prepare: Callable[[sqlite3.Connection], object]) -> Recovery | None:
    """Check ``path``; recover it if damaged (see the module docstring). None when it was sound."""
    problem = check_database(path)
    if problem is None:
        _check_search_indexes(path)
        return None
    return _recover(path, problem, prepare)


def _check_search_indexes(path: Path) -> None:
    """Rebuild each FTS5 index that disagrees with its table."""
    if not path.is_file():
        return
    db = sqlite3.connect(path, isolation_level=None)
    try:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%USING fts5%'"
            )
        ]
        for name in names:
            try:
                db.execute(f"INSERT INTO {name}({name}) VALUES ('integrity-check')")  # noqa: S608 (a table name)
            except sqlite3.DatabaseError:
                db.execute(f"INSERT INTO {name}({name}) VALUES ('rebuild')")  # noqa: S608
    except sqlite3.Error as exc:
        raise StorageError(f"Could not check the search index of {path}.", detail=str(exc)) from exc
    finally:
        db.close()


def _recover(path: Path, problem: str, prepare: Callable[[sqlite3.Connection], object]) -> Recovery:
    now = datetime.now(UTC)
    building = path.with_name(path.name + ".recovering")
    building.unlink(missing_ok=True)
    try:
        rows, unreadable = read_rows(path) if path.is_file() else ([], 0)
        db = sqlite3.connect(building, isolation_level=None)
        try:
            prepare(db)
            counts = _fill(db, rows)
        finally:
            db.close()
        aside = set_aside(path)
        for suffix in ("-wal", "-shm"):  # named after it, so SQLite opens the aside copy whole
            side = Path(f"{path}{suffix}")
            if side.exists():
                side.replace(f"{aside}{suffix}")
        rename_durably(building, path)
    except (OSError, sqlite3.Error) as exc:
        building.unlink(missing_ok=True)
        raise StorageError(
            f"The conversation database {path} is damaged and could not be recovered.",
            detail=f"{problem}; recovering failed: {exc}",
        ) from exc
    return Recovery(problem, aside, now, counts["conversations"], counts["messages"], unreadable)


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str
    rowid: bool
    """The ``INTEGER PRIMARY KEY``: the record holds NULL, the value is the cell's rowid."""
    default: str | int | None
    """What a cut-short row gets when it lacks this value: None leaves it to the schema."""


def _columns(db: sqlite3.Connection, table: str) -> list[_Column]:
    columns = []
    for _cid, name, declared, not_null, default, primary in db.execute(
        f"PRAGMA table_info({table})"
    ):
        kind = str(declared).upper()
        needs_value = bool(not_null) and default is None
        columns.append(
            _Column(
                name=name,
                kind=kind,
                rowid=primary == 1 and kind == "INTEGER",
                default=("" if kind == "TEXT" else 0) if needs_value else None,
            )
        )
    return columns


def _fill(db: sqlite3.Connection, rows: list[RawRow]) -> dict[str, int]:
    """Insert the rows each table of the fresh schema can take; return how many per table."""
    columns = {table: _columns(db, table) for table in _TABLES}
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("BEGIN")
    cut: list[int] = []
    for row in rows:
        for table in _TABLES:
            if row.table == table or (row.table is None and len(row.values) == len(columns[table])):
                _insert(db, table, columns[table], row)
                if row.partial and table == "messages":
                    cut.append(row.rowid)
    for start in range(0, len(cut), 500):
        batch = cut[start : start + 500]
        marks = ",".join("?" * len(batch))
        db.execute(
            f"UPDATE messages SET status = 'error', error = ? WHERE seq IN ({marks})",  # noqa: S608
            (_CUT_SHORT, *batch),
        )
    for statement in _FIXUPS:
        db.execute(statement)
    db.execute("COMMIT")
    return {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in _TABLES
    }


def _insert(db: sqlite3.Connection, table: str, columns: list[_Column], row: RawRow) -> None:
    """Insert ``row`` if it fits; a value a cut-short row lacks takes the column's default."""
    if len(row.values) > len(columns):
        return
    names: list[str] = []
    values: list[object] = []
    for column, value in zip(columns, row.values, strict=False):
        if column.rowid:
            fit: object = row.rowid
        elif value is None and row.partial:
            fit = column.default
            if fit is None:
                continue
        else:
            fit = _coerce(column.kind, value)
        names.append(column.name)
        values.append(fit)
    marks = ",".join("?" * len(values))
    db.execute(
        f"INSERT OR IGNORE INTO {table} ({','.join(names)}) VALUES ({marks})",  # noqa: S608
        values,
    )


def _coerce(kind: str, value: object) -> object:
    """A value fit for a column of declared type ``kind``; None if it cannot be."""
    if kind == "TEXT":
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        return value if value is None or isinstance(value, str) else str(value)
    if kind == "INTEGER":
        return value if isinstance(value, int) else None
    return value
