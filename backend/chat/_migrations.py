"""Schema migrations: an append-only list of named functions.

``PRAGMA user_version`` holds how many of :data:`MIGRATIONS` a database has applied; opening a
database applies the rest in order, each in its own transaction together with the version bump,
so a crash leaves the database at a whole version. Never edit or reorder a migration that has
shipped: add a new one. The tests keep each old schema's SQL verbatim and migrate real databases
from every earlier version.

Design of the tables:

- ``conversations`` and ``messages`` carry an ``INTEGER PRIMARY KEY seq`` next to their text ``id``
  so full-text indexes can point at a rowid that ``VACUUM`` never renumbers, and so siblings sort
  oldest first. Messages form a tree through ``parent_id`` (``ON DELETE CASCADE`` deletes a
  subtree); a conversation's ``active_leaf_id`` selects the branch shown.
- ``messages_fts`` and ``conversations_fts`` are external-content FTS5 indexes kept in sync by
  triggers, so no code path can forget to index.
- ``slot_caches`` remembers which KV-cache file in llama-server's ``--slot-save-path`` belongs to
  which conversation, for which model and which message prefix, so a cache survives app restarts.
- ``messages.tool_calls`` is the JSON list of the tool calls an assistant message made, each with
  its state and result (``ToolCallInfo``): a round's calls and results live with the message that
  made them, and the model's next words are that message's child.
- ``conversations_by_recency`` is the sidebar's order (pinned first, newest first), so a page of
  the list is an index walk (about 1 ms at 10,000 conversations) instead of a sort of them all.
- ``conversations.options`` is the JSON of a conversation's answer options beside its sampling
  ``params`` (stop sequences, token probabilities, reasoning effort and budget:
  ``ConversationOptions``). ``messages.probs`` holds an answer's token probabilities as JSON
  only when its conversation asked for them (NULL otherwise, so they cost nothing when off), and
  ``messages.reasoning_ms`` how long the model thought.
- ``attachments`` holds one row per stored file (its SHA-256 ``id`` names the file in the data
  dir's ``attachments/`` folder) with its extracted text; ``message_parts`` lists each message's
  attachments in order (a name and page range each). The reference count is the number of
  ``message_parts`` rows, never a stored counter that a crash could leave wrong: when the last
  part naming a file goes (a message deleted, also by cascade), a trigger deletes its row and
  queues its id in ``attachment_orphans`` in the same transaction; the file is removed after
  the commit, then the queue entry (a crash in between leaves an entry the next start
  finishes). ``held_until`` keeps a file just attached in the form, not yet sent, from being
  collected meanwhile.
- ``queued_messages`` holds what the user typed while an answer streamed, in ``position``
  order per conversation, until the backend sends it (the row goes when its message is
  stored); ``message_queues`` has a row only for a paused queue, saying why (``stopped`` or
  ``error`` with the error's text), so a restart keeps a paused queue paused and resumes the
  others. Both go with their conversation (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ..errors import StorageError

__all__ = ["MIGRATIONS", "migrate", "schema_version"]

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_conversations_and_messages(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
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
        """,
    )


@migration
def m002_full_text_search(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
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
        """,
    )


@migration
def m003_slot_caches(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE slot_caches (
            conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
            filename TEXT NOT NULL UNIQUE,
            model_path TEXT NOT NULL,
            prefix_hash TEXT NOT NULL,
            message_count INTEGER NOT NULL,
            saved_at TEXT NOT NULL
        );
        """,
    )


@migration
def m004_tool_calls(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE messages ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '[]'")


@migration
def m005_conversation_list_index(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE INDEX conversations_by_recency
            ON conversations(pinned DESC, updated_at DESC, seq DESC);
        """,
    )


@migration
def m006_answer_options_and_token_probs(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        ALTER TABLE conversations ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE messages ADD COLUMN probs TEXT;
        ALTER TABLE messages ADD COLUMN reasoning_ms REAL;
        """,
    )


@migration
def m007_providers(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        ALTER TABLE conversations ADD COLUMN provider_id TEXT NOT NULL DEFAULT 'local';
        ALTER TABLE conversations ADD COLUMN provider_model TEXT;
        ALTER TABLE messages ADD COLUMN provider_id TEXT;
        ALTER TABLE messages ADD COLUMN provider_name TEXT;
        ALTER TABLE messages ADD COLUMN failover TEXT;
        """,
    )


@migration
def m008_attachments(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
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
        """,
    )


@migration
def m009_message_queue(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE queued_messages (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            content TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX queued_messages_in_order ON queued_messages(conversation_id, position);
        CREATE TABLE message_queues (
            conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
            paused TEXT NOT NULL CHECK (paused IN ('stopped', 'error')),
            error TEXT
        );
        """,
    )


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Execute ``script`` statement by statement inside the caller's transaction.

    ``Connection.executescript`` would commit first, breaking the one-transaction-per-migration
    rule.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise StorageError("A migration has an incomplete SQL statement.", detail=statement)


def schema_version(db: sqlite3.Connection) -> int:
    """How many migrations ``db`` has applied."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations ``db`` lacks (``db`` in autocommit mode); return their names."""
    current = schema_version(db)
    if current > len(MIGRATIONS):
        raise StorageError(
            "The conversation database was written by a newer LlamaDesk; update the app.",
            detail=f"schema version {current}, this build knows {len(MIGRATIONS)}",
        )
    applied = []
    for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        applied.append(step.__name__)
    return applied
