"""The SQLite conversation store: schema, rows, trees, recovery, threads, errors."""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

import backend.chat as chat
from backend.chat import (
    MIGRATIONS,
    ConversationStore,
    MessageTree,
    SlotCacheRecord,
    SlotCaches,
    new_id,
    utc_now,
)
from backend.contract import Timings
from backend.errors import NotFound, StorageError
from backend.llama import Usage


def test_public_names_are_sorted_and_exported() -> None:
    assert chat.__all__ == sorted(chat.__all__)
    for name in chat.__all__:
        assert hasattr(chat, name), name


def test_a_new_database_is_fully_migrated_in_wal_mode(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "db.sqlite") as store:
        assert store.migrations_applied == [m.__name__ for m in MIGRATIONS]
    db = sqlite3.connect(tmp_path / "db.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    with ConversationStore(tmp_path / "db.sqlite") as again:
        assert again.migrations_applied == []


def test_ids_and_timestamps_have_the_promised_shape() -> None:
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", new_id()) for _ in range(200))
    stamp = utc_now()
    assert stamp.endswith("Z")
    assert datetime.fromisoformat(stamp).utcoffset() is not None


def test_conversation_crud_and_order(store: ConversationStore) -> None:
    a = store.create_conversation("Alpha")
    b = store.create_conversation()
    assert (b.title, b.title_pending, a.title_pending) == ("New chat", True, False)
    store.update_conversation(a.id, pinned=True)
    store.update_conversation(b.id, title="Beta")
    assert [c.id for c in store.list_conversations()] == [a.id, b.id]
    assert store.get_conversation(b.id).title == "Beta"
    assert store.delete_conversation(a.id)
    assert not store.delete_conversation(a.id)
    with pytest.raises(NotFound):
        store.get_conversation(a.id)
    with pytest.raises(NotFound):
        store.update_conversation(a.id, title="x")


def test_the_list_comes_in_pages_from_an_index(store: ConversationStore) -> None:
    ids = [store.create_conversation(f"Chat {n}").id for n in range(5)]
    store.update_conversation(ids[2], pinned=True)
    ordered = [c.id for c in store.list_conversations()]
    assert ordered == [ids[2], ids[4], ids[3], ids[1], ids[0]]
    assert [c.id for c in store.list_conversations(0, 2)] == ordered[:2]
    assert [c.id for c in store.list_conversations(2, 2)] == ordered[2:4]
    assert [c.id for c in store.list_conversations(4)] == ordered[4:]
    assert store.list_conversations(9, 2) == []
    plan = " ".join(
        row["detail"]
        for row in store.query(
            "EXPLAIN QUERY PLAN SELECT id FROM conversations"
            " ORDER BY pinned DESC, updated_at DESC, seq DESC LIMIT 10"
        )
    )
    assert "conversations_by_recency" in plan
    assert "TEMP B-TREE" not in plan, "a page must not sort every conversation"


def test_messages_form_a_tree_with_an_active_leaf(store: ConversationStore) -> None:
    c = store.create_conversation("t")
    q = store.add_message(c.id, None, "user", "question")
    a1 = store.add_message(c.id, q.id, "assistant", "first")
    a2 = store.add_message(c.id, q.id, "assistant", "second")
    assert store.get_conversation(c.id).active_leaf_id == a2.id
    tree = MessageTree(store.messages(c.id))
    assert tree.sibling_ids(a1) == [a1.id, a2.id]
    assert [m.id for m in tree.branch(a1.id)] == [q.id, a1.id]
    assert tree.latest_leaf(q.id) == a2.id
    assert store.summary(c.id).message_count == 3
    other = store.create_conversation("o")
    with pytest.raises(NotFound):
        store.add_message(other.id, q.id, "user", "cross-conversation parent")


def test_update_message_and_subtree_delete(store: ConversationStore) -> None:
    c = store.create_conversation("t")
    q = store.add_message(c.id, None, "user", "q")
    a = store.add_message(c.id, q.id, "assistant", status="streaming")
    timings = Timings(prompt_n=3, cache_n=2)
    updated = store.update_message(
        a.id, content="done", status="complete", timings=timings, usage=Usage(total_tokens=5)
    )
    assert store.get_message(a.id) == updated
    assert updated.timings == timings
    q2 = store.add_message(c.id, a.id, "user", "q2")
    store.add_message(c.id, q2.id, "assistant", "a2")
    store.delete_subtree(a.id)
    assert [m.id for m in store.messages(c.id)] == [q.id]
    with pytest.raises(NotFound):
        store.get_message(q2.id)


def test_clear_keeps_the_conversation(store: ConversationStore) -> None:
    c = store.create_conversation("keep me")
    store.add_message(c.id, None, "user", "hi")
    cleared = store.clear_conversation(c.id)
    assert (cleared.title, cleared.active_leaf_id, store.messages(c.id)) == ("keep me", None, [])


def test_streaming_answers_become_cancelled_on_reopen(tmp_path: Path) -> None:
    with ConversationStore(tmp_path / "db") as store:
        c = store.create_conversation("t")
        q = store.add_message(c.id, None, "user", "q")
        a = store.add_message(c.id, q.id, "assistant", "half an ans", status="streaming")
    with ConversationStore(tmp_path / "db") as reopened:
        assert reopened.recovered == 1
        message = reopened.get_message(a.id)
        assert (message.status, message.content) == ("cancelled", "half an ans")


def test_sqlite_failures_become_storage_errors(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="Could not open"):
        ConversationStore(bad)
    with ConversationStore(tmp_path / "ok") as store:
        c = store.create_conversation("t")
        with pytest.raises(StorageError):
            store.add_message(c.id, None, "robot", "x")  # type: ignore[arg-type]


def test_a_database_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(StorageError, match="newer LlamaDesk"):
        ConversationStore(tmp_path / "db")


def test_writes_from_several_threads(store: ConversationStore) -> None:
    c = store.create_conversation("threads")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            parent = None
            for i in range(25):
                parent = store.add_message(c.id, parent, "user", f"thread {n} message {i}").id
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.messages(c.id)) == 150


def test_a_failed_transaction_leaves_nothing(store: ConversationStore) -> None:
    c = store.create_conversation("t")

    def write_then_fail() -> None:
        with store.transaction():
            store.add_message(c.id, None, "user", "never")
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert store.messages(c.id) == []


def test_every_field_survives_a_round_trip_by_column_name(store: ConversationStore) -> None:
    c = store.create_conversation(
        "All fields", system_prompt="Be brief.", params={"temperature": 0.2}, model="m.gguf"
    )
    updated = store.update_conversation(c.id, pinned=True, title_pending=True)
    assert store.get_conversation(c.id) == updated
    assert (updated.pinned, updated.title_pending, updated.params) == (
        True,
        True,
        {"temperature": 0.2},
    )
    q = store.add_message(c.id, None, "user", "q", model="m.gguf")
    a = store.update_message(
        store.add_message(c.id, q.id, "assistant").id,
        content="a",
        reasoning="r",
        status="error",
        error="boom",
        timings=Timings(prompt_n=1),
        usage=Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3),
        model="m.gguf",
    )
    assert store.messages(c.id) == [q, a]
    assert store.get_message(a.id).usage == Usage(1, 2, 3)


def test_slot_cache_rows(store: ConversationStore) -> None:
    c = store.create_conversation("t")
    caches = SlotCaches(store)
    record = SlotCacheRecord(c.id, "ld-x.bin", "/m.gguf", "abc", 2, utc_now())
    caches.put(record)
    caches.put(replace(record, message_count=4))
    assert caches.get(c.id) == replace(record, message_count=4)
    assert caches.all() == [replace(record, message_count=4)]
    caches.delete(c.id)
    assert caches.get(c.id) is None
    caches.put(record)
    store.delete_conversation(c.id)
    assert caches.all() == []
