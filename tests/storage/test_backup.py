"""Daily rotating backups made with SQLite's online backup API, and restoring one."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend.chat import MIGRATIONS, ConversationStore, migrate, schema_version
from backend.errors import NotFound, StorageError
from backend.storage import Backups, check_database


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "conversations.db"
    with ConversationStore(path) as store:
        store.create_conversation("first")
    return path


@pytest.fixture
def backups(db: Path, clock: Clock) -> Backups:
    return Backups(db, db.parent / "backups", clock=clock)


def _titles(path: Path) -> list[str]:
    with ConversationStore(path) as store:
        return sorted(c.title for c in store.list_conversations())


def test_one_a_day_and_only_with_a_database(tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / "conversations.db"
    backups = Backups(db, tmp_path / "backups", clock=clock)
    assert not backups.due(), "nothing to back up yet"
    with ConversationStore(db) as store:
        store.create_conversation("first")
    assert backups.due()
    made = backups.make()
    assert (made.name, made.created_at) == (
        "conversations-20260301-090000.db",
        "2026-03-01T09:00:00Z",
    )
    assert not backups.due()
    clock.advance(hours=23, minutes=59)
    assert not backups.due()
    clock.advance(minutes=1)
    assert backups.due()


def test_the_last_seven_are_kept(backups: Backups, clock: Clock) -> None:
    for _ in range(9):
        backups.make()
        clock.advance(days=1)
    kept = backups.list()
    assert len(kept) == 7
    assert kept[0].created_at == "2026-03-09T09:00:00Z", "newest first"
    assert kept[-1].created_at == "2026-03-03T09:00:00Z"
    assert sorted(p.name for p in backups.folder.iterdir()) == sorted(b.name for b in kept)


def test_a_backup_made_while_writing_is_consistent(db: Path, backups: Backups) -> None:
    stop = threading.Event()

    def write() -> None:
        with ConversationStore(db) as store:
            conversation = store.create_conversation("busy")
            parent = None
            while not stop.is_set():
                parent = store.add_message(
                    conversation.id, parent.id if parent else None, "user", "x" * 500
                )

    writer = threading.Thread(target=write)
    writer.start()
    try:
        made = [backups.make() for _ in range(3)]
    finally:
        stop.set()
        writer.join()
    for backup in made:
        assert check_database(backup.path) is None
        with ConversationStore(backup.path) as store:
            (busy,) = [c for c in store.list_conversations() if c.title == "busy"]
            messages = store.messages(busy.id)
            assert [m.parent_id for m in messages[1:]] == [m.id for m in messages[:-1]]


def test_restore_replaces_the_content_and_keeps_the_current_file_aside(
    db: Path, backups: Backups, clock: Clock
) -> None:
    made = backups.make()
    clock.advance(hours=2)
    with ConversationStore(db) as store:
        store.create_conversation("after the backup")

        restored = backups.restore(made.name, migrate)

        assert sorted(c.title for c in store.list_conversations()) == ["first"], (
            "the open store sees the restored content"
        )
        store.create_conversation("after the restore")
        assert store.search("restore")
    assert restored.kept_aside == db.with_name("conversations.before-restore-20260301-110000.db")
    assert _titles(restored.kept_aside) == ["after the backup", "first"]
    assert _titles(db) == ["after the restore", "first"]


def test_restoring_an_unknown_or_damaged_backup_changes_nothing(db: Path, backups: Backups) -> None:
    with pytest.raises(NotFound, match=r"No backup named 'nope\.db'"):
        backups.restore("nope.db", migrate)
    made = backups.make()
    made.path.write_bytes(b"garbage" * 1000)
    with pytest.raises(StorageError, match="is damaged; choose another"):
        backups.restore(made.name, migrate)
    assert _titles(db) == ["first"]
    assert not list(db.parent.glob("*.before-restore-*"))


def test_a_backup_from_an_older_schema_is_migrated_on_restore(db: Path, backups: Backups) -> None:
    backups.folder.mkdir()
    old = backups.folder / "conversations-20250101-000000.db"
    with sqlite3.connect(old, isolation_level=None) as conn:
        MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at)"
            " VALUES ('old1', 'from version one', '2025-01-01T00:00:00.000Z',"
            " '2025-01-01T00:00:00.000Z')"
        )
    conn.close()

    backups.restore(old.name, migrate)

    with sqlite3.connect(db) as conn:
        assert schema_version(conn) == len(MIGRATIONS)
    conn.close()
    with ConversationStore(db) as store:
        assert [c.title for c in store.list_conversations()] == ["from version one"]
        assert store.search("version")


def test_a_full_disk_leaves_no_half_backup(
    backups: Backups, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    class FullDisk:
        def __init__(self, inner: sqlite3.Connection) -> None:
            self.inner = inner

        def backup(self, target: sqlite3.Connection) -> None:
            target.execute("CREATE TABLE half (x)")
            raise sqlite3.OperationalError("database or disk is full")

        def close(self) -> None:
            self.inner.close()

    def connect(database: str | Path, *args: Any, **kwargs: Any) -> object:
        opened = real_connect(database, *args, **kwargs)
        return FullDisk(opened) if "mode=ro" in str(database) else opened

    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(StorageError, match="Could not copy the database") as caught:
        backups.make()
    assert "disk is full" in (caught.value.detail or "")
    assert list(backups.folder.iterdir()) == []
