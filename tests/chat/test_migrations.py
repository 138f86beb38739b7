"""Migrations from every earlier schema, with the old schemas' SQL kept verbatim."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backend.chat import MIGRATIONS, ConversationStore, SlotCaches, migrate, schema_version
from backend.chat._migrations import _run_script
from backend.contract import ConversationOptions
from backend.errors import StorageError

# Version 1 as shipped: m001_conversations_and_messages.
SCHEMA_V1 = """
CREATE TABLE conversations (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    title_pending INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    model TEXT,
    system_prompt TEXT,
    params TEXT NOT NULL DEFAULT '{}',
    active_leaf_id TEXT
);
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES messages(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL DEFAULT '',
    reasoning TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('streaming', 'complete', 'cancelled', 'error')),
    error TEXT,
    timings TEXT,
    usage TEXT,
    model TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, seq);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX messages_by_status ON messages(status) WHERE status = 'streaming';
"""

# Version 2 as shipped: version 1 plus m002_full_text_search.
SCHEMA_V2 = (
    SCHEMA_V1
    + """
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content='messages', content_rowid='seq',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.seq, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.seq, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content)
        VALUES ('delete', old.seq, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.seq, new.content);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE conversations_fts USING fts5(
    title, content='conversations', content_rowid='seq',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts(rowid, title) VALUES (new.seq, new.title);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title)
        VALUES ('delete', old.seq, old.title);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title)
        VALUES ('delete', old.seq, old.title);
    INSERT INTO conversations_fts(rowid, title) VALUES (new.seq, new.title);
END;
INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild');
"""
)

# Version 3 as shipped: version 2 plus m003_slot_caches.
SCHEMA_V3 = (
    SCHEMA_V2
    + """
CREATE TABLE slot_caches (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    filename TEXT NOT NULL UNIQUE,
    model_path TEXT NOT NULL,
    prefix_hash TEXT NOT NULL,
    message_count INTEGER NOT NULL,
    saved_at TEXT NOT NULL
);
"""
)

# Version 4 as shipped: version 3 plus m004_tool_calls.
SCHEMA_V4 = SCHEMA_V3 + "ALTER TABLE messages ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '[]';\n"

# Version 5 as shipped: version 4 plus m005_conversation_list_index.
SCHEMA_V5 = (
    SCHEMA_V4
    + "CREATE INDEX conversations_by_recency"
    + " ON conversations(pinned DESC, updated_at DESC, seq DESC);\n"
)

# Version 6 as shipped: version 5 plus m006_answer_options_and_token_probs.
SCHEMA_V6 = SCHEMA_V5 + (
    "ALTER TABLE conversations ADD COLUMN options TEXT NOT NULL DEFAULT '{}';\n"
    "ALTER TABLE messages ADD COLUMN probs TEXT;\n"
    "ALTER TABLE messages ADD COLUMN reasoning_ms REAL;\n"
)

# Version 7 as shipped: version 6 plus m007_providers.
SCHEMA_V7 = SCHEMA_V6 + (
    "ALTER TABLE conversations ADD COLUMN provider_id TEXT NOT NULL DEFAULT 'local';\n"
    "ALTER TABLE conversations ADD COLUMN provider_model TEXT;\n"
    "ALTER TABLE messages ADD COLUMN provider_id TEXT;\n"
    "ALTER TABLE messages ADD COLUMN provider_name TEXT;\n"
    "ALTER TABLE messages ADD COLUMN failover TEXT;\n"
)

# Version 8 as shipped: version 7 plus m008_attachments.
SCHEMA_V8 = (
    SCHEMA_V7
    + """
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('document', 'image')),
    size INTEGER NOT NULL,
    text TEXT,
    page_offsets TEXT,
    created_at TEXT NOT NULL,
    held_until TEXT NOT NULL DEFAULT ''
);
CREATE TABLE message_parts (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    attachment_id TEXT NOT NULL REFERENCES attachments(id),
    name TEXT NOT NULL,
    first_page INTEGER,
    last_page INTEGER,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX message_parts_by_attachment ON message_parts(attachment_id);
CREATE TABLE attachment_orphans (id TEXT PRIMARY KEY);
CREATE TRIGGER message_parts_release AFTER DELETE ON message_parts
WHEN NOT EXISTS (SELECT 1 FROM message_parts WHERE attachment_id = old.attachment_id)
    AND (SELECT held_until FROM attachments WHERE id = old.attachment_id)
        < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
BEGIN
    DELETE FROM attachments WHERE id = old.attachment_id;
    INSERT OR IGNORE INTO attachment_orphans(id) VALUES (old.attachment_id);
END;
"""
)

OLD_SCHEMAS = {
    0: "",
    1: SCHEMA_V1,
    2: SCHEMA_V2,
    3: SCHEMA_V3,
    4: SCHEMA_V4,
    5: SCHEMA_V5,
    6: SCHEMA_V6,
    7: SCHEMA_V7,
    8: SCHEMA_V8,
}


def _old_database(path: Path, version: int) -> None:
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMAS[version])
    if version >= 1:
        db.executescript(
            """
            INSERT INTO conversations (id, title, created_at, updated_at, params, active_leaf_id)
                VALUES ('c1', 'Volcanoes of Iceland', '2026-01-01T00:00:00.000Z',
                        '2026-01-01T00:00:00.000Z', '{"temperature": 0.2}', 'm2');
            INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, status)
                VALUES ('m1', 'c1', NULL, 'user', 'Tell me about Hekla', '2026-01-01T00:00:01.000Z',
                        'complete'),
                       ('m2', 'c1', 'm1', 'assistant', 'Hekla erupts often',
                        '2026-01-01T00:00:02.000Z', 'streaming');
            """
        )
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


def test_the_old_schemas_are_the_first_migrations() -> None:
    assert len(OLD_SCHEMAS) == len(MIGRATIONS)
    assert [m.__name__ for m in MIGRATIONS] == [
        "m001_conversations_and_messages",
        "m002_full_text_search",
        "m003_slot_caches",
        "m004_tool_calls",
        "m005_conversation_list_index",
        "m006_answer_options_and_token_probs",
        "m007_providers",
        "m008_attachments",
        "m009_message_queue",
    ]


@pytest.mark.parametrize("version", sorted(OLD_SCHEMAS))
def test_migrates_from_every_earlier_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / "old.db"
    _old_database(path, version)
    with ConversationStore(path) as store:
        assert store.migrations_applied == [m.__name__ for m in MIGRATIONS[version:]]
        if version >= 1:
            conversation = store.get_conversation("c1")
            assert conversation.params == {"temperature": 0.2}
            assert conversation.active_leaf_id == "m2"
            assert store.get_message("m2").status == "cancelled"
            assert {h.message_id for h in store.search("hekla")} == {"m1", "m2"}
            assert store.search("volcanoes")[0].message_id is None
            assert store.get_message("m1").tool_calls == ()
            assert [c.id for c in store.list_conversations(0, 1)] == ["c1"]
            assert conversation.options == ConversationOptions()
            assert store.get_message("m2").probs is None
            assert store.get_message("m2").reasoning_ms is None
            assert conversation.provider_id == "local"
            assert conversation.provider_model is None
            assert store.get_message("m2").provider_id is None
            assert store.get_message("m2").failover is None
            assert store.query("SELECT count(*) FROM queued_messages")[0][0] == 0
        assert SlotCaches(store).all() == []


def test_a_failing_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def m999_broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("boom")

    monkeypatch.setattr("backend.chat._migrations.MIGRATIONS", [*MIGRATIONS, m999_broken])
    db = sqlite3.connect(tmp_path / "db", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        migrate(db)
    assert schema_version(db) == len(MIGRATIONS)
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchall() == []
    db.close()


def test_an_incomplete_statement_is_refused() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    with pytest.raises(StorageError, match="incomplete"):
        _run_script(db, "CREATE TABLE t (x);\nCREATE TABLE u (y")
