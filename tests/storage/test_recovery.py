"""A damaged conversation database: noticed at start, set aside, what can be read recovered."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

import backend.storage as storage
from backend.chat import ConversationStore, migrate
from backend.errors import StorageError
from backend.storage import check_database, ensure_usable, read_rows

PAGE = 4096
LONG = "A long answer that needs overflow pages. " * 400  # ~16 KB: several overflow pages


def _fill(path: Path, conversations: int = 30) -> dict[str, list[str]]:
    """A store with conversations of a few messages each; returns each one's message contents."""
    contents: dict[str, list[str]] = {}
    with ConversationStore(path) as store:
        for n in range(conversations):
            record = store.create_conversation(f"Trip number {n}")
            user = store.add_message(record.id, None, "user", f"question {n} about lyon")
            answer = store.add_message(record.id, user.id, "assistant", f"answer {n}. {LONG}")
            contents[record.id] = [user.content, answer.content]
    return contents


def _recovered(path: Path) -> dict[str, list[str]]:
    with ConversationStore(path) as store:
        return {c.id: [m.content for m in store.messages(c.id)] for c in store.list_conversations()}


def _aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob("conversations.db.bad-*[0-9]Z"))


def test_public_names_are_sorted_and_exported() -> None:
    assert storage.__all__ == sorted(storage.__all__)
    for name in storage.__all__:
        assert hasattr(storage, name), name


def test_a_sound_database_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db, 3)
    before = db.read_bytes()
    assert check_database(db) is None
    assert ensure_usable(db, migrate) is None
    assert db.read_bytes() == before
    assert _recovered(db) == contents
    assert ensure_usable(tmp_path / "absent.db", migrate) is None


def test_garbage_in_the_header_recovers_everything(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db)
    damaged = bytearray(db.read_bytes())
    damaged[:100] = os.urandom(100)
    db.write_bytes(damaged)

    recovery = ensure_usable(db, migrate)

    assert recovery is not None
    assert "not a database" in recovery.problem
    assert (recovery.conversations, recovery.messages) == (30, 60)
    assert recovery.damaged == _aside(db)[0]
    assert recovery.damaged.read_bytes() == bytes(damaged), "the original is kept as it was"
    assert _recovered(db) == contents
    with ConversationStore(db) as store:
        assert {hit.conversation_id for hit in store.search("lyon")} == set(contents)


def _pages(path: Path, table: str, kind: str) -> list[tuple[int, int]]:
    """(page number, cells) of ``table``'s pages of ``kind`` (leaf, internal, overflow)."""
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno",
            (table, kind),
        ).fetchall()


def _garble(path: Path, page: int) -> None:
    data = bytearray(path.read_bytes())
    data[(page - 1) * PAGE : page * PAGE] = os.urandom(PAGE)
    path.write_bytes(data)


def test_garbage_in_a_middle_page_is_found_at_start_and_costs_only_that_page(
    tmp_path: Path,
) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db)
    leaves = _pages(db, "messages", "leaf")
    page, cells = leaves[len(leaves) // 2]
    _garble(db, page)
    assert check_database(db) is not None, "quick_check must notice it at start"

    recovery = ensure_usable(db, migrate)

    assert recovery is not None
    assert (recovery.conversations, recovery.messages) == (30, 60 - cells)
    assert recovery.unreadable_pages == 1
    with ConversationStore(db) as store:
        for cid, texts in contents.items():
            kept = [m.content for m in store.messages(cid)]
            assert all(text in texts for text in kept)
        assert {hit.conversation_id for hit in store.search("lyon")}, "search works"


def test_garbage_in_an_overflow_page_keeps_the_start_of_that_message(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db, 3)
    first_overflow = _pages(db, "messages", "overflow")[0][0]
    _garble(db, first_overflow)

    recovery = ensure_usable(db, migrate)

    assert recovery is not None
    assert recovery.messages == 6
    with ConversationStore(db) as store:
        messages = [m for c in store.list_conversations() for m in store.messages(c.id)]
    (cut,) = [m for m in messages if m.status == "error"]
    assert cut.error is not None
    assert "damaged part of the file" in cut.error
    (original,) = [t for texts in contents.values() for t in texts if t.startswith(cut.content)]
    assert 400 < len(cut.content) < len(original)


def test_a_truncated_file_keeps_what_is_left(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])

    recovery = ensure_usable(db, migrate)

    assert recovery is not None
    assert "malformed" in recovery.problem
    assert 10 <= recovery.messages < 60
    with ConversationStore(db) as store:
        recovered = {c.id: store.messages(c.id) for c in store.list_conversations()}
    assert set(recovered) <= set(contents)
    for cid, messages in recovered.items():
        for message in messages:
            if message.content in contents[cid]:
                continue
            # Where the cut falls inside a long answer's overflow chain (it depends on the
            # schema's page layout), that answer keeps its beginning, marked as cut short.
            assert message.status == "error", message.content[:80]
            assert "damaged part of the file" in (message.error or "")
            assert any(text.startswith(message.content) for text in contents[cid])


def test_a_text_file_is_set_aside_and_a_fresh_database_starts(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    db.write_text("my shopping list\n" * 50)

    recovery = ensure_usable(db, migrate)

    assert recovery is not None
    assert (recovery.conversations, recovery.messages) == (0, 0)
    assert recovery.damaged.read_text().startswith("my shopping list")
    assert _recovered(db) == {}


def test_a_folder_in_its_place_is_set_aside(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    db.mkdir()
    (db / "note.txt").write_text("keep me")

    recovery = ensure_usable(db, migrate)

    assert recovery is not None
    assert "folder" in recovery.problem
    assert (recovery.damaged / "note.txt").read_text() == "keep me"
    assert _recovered(db) == {}


def test_rows_only_in_the_wal_are_recovered(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    db = tmp_path / "conversations.db"
    with ConversationStore(live) as store:
        first = store.create_conversation("checkpointed at close")
    with ConversationStore(live) as store:
        second = store.create_conversation("only in the wal")
        store.add_message(second.id, None, "user", "still here")
        shutil.copy(live, db)
        shutil.copy(f"{live}-wal", f"{db}-wal")
    damaged = bytearray(db.read_bytes())
    damaged[:100] = os.urandom(100)
    db.write_bytes(damaged)

    recovery = ensure_usable(db, migrate)

    assert recovery is not None
    assert Path(f"{recovery.damaged}-wal").is_file(), "the WAL goes aside with its database"
    assert _recovered(db) == {first.id: [], second.id: ["still here"]}


def test_deleted_conversations_do_not_come_back(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db, 10)
    doomed = list(contents)[:5]
    with ConversationStore(db) as store:
        for cid in doomed:
            store.delete_conversation(cid)
    damaged = bytearray(db.read_bytes())
    damaged[:100] = os.urandom(100)
    db.write_bytes(damaged)

    assert ensure_usable(db, migrate) is not None

    assert set(_recovered(db)) == set(contents) - set(doomed)


def test_messages_of_a_lost_conversation_row_get_a_placeholder(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db, 3)
    rows, unreadable = read_rows(db)
    assert unreadable == 0
    assert len([row for row in rows if row.table == "conversations"]) == 3
    ((page, _cells),) = _pages(db, "conversations", "leaf")
    _garble(db, page)

    assert ensure_usable(db, migrate) is not None

    with ConversationStore(db) as store:
        listed = store.list_conversations()
        assert {c.id for c in listed} == set(contents)
        assert {c.title for c in listed} == {"Recovered messages"}
        for c in listed:
            assert [m.content for m in store.messages(c.id)] == contents[c.id]


def test_a_damaged_search_index_is_rebuilt_in_place(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    contents = _fill(db, 3)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM messages_fts_data WHERE id > 10")
    assert check_database(db) is None, "the tables are sound"

    assert ensure_usable(db, migrate) is None

    assert not _aside(db)
    with ConversationStore(db) as store:
        assert {hit.conversation_id for hit in store.search("lyon")} == set(contents)


def test_a_full_disk_while_recovering_leaves_the_original_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "conversations.db"
    db.write_text("not a database")

    def full(_db: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(StorageError, match="could not be recovered") as caught:
        ensure_usable(db, full)
    assert "disk is full" in (caught.value.detail or "")
    assert db.read_text() == "not a database"
    assert not _aside(db)
    assert not list(tmp_path.glob("*.recovering"))
