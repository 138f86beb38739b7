"""The conversation store: SQLite through the standard library, safe from any thread.

Why it looks like this:

- **Never lose a word.** An assistant message is inserted with status ``streaming`` before the
  first token arrives, and the orchestrator flushes its partial text at least every 500 ms. WAL
  mode with ``synchronous=NORMAL`` makes each committed flush survive the process being killed.
  Opening the store turns messages left ``streaming`` by a crash into ``cancelled``, text kept.
- **One connection, one lock.** Calls come from the event-loop thread and possibly others; every
  method takes an ``RLock`` around a single connection (``check_same_thread=False``). The calls
  are short (single-row writes, indexed reads), so the loop is never blocked for long.
- **Errors at the boundary.** ``sqlite3`` exceptions leave as ``StorageError``; a missing row is
  ``NotFound``. Multi-statement changes run in one explicit transaction (``BEGIN IMMEDIATE``).
- **Ids and times.** Ids are 12-character url-safe random strings; times are ISO-8601 UTC strings
  with milliseconds and a ``Z``, which sort as text.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

from ..contract import ConversationSummary, Message, MessageRole, MessageStatus, SearchHit, Timings
from ..errors import NotFound, StorageError
from ._migrations import migrate

__all__ = [
    "ConversationRecord",
    "ConversationStore",
    "MessageRecord",
    "SlotCacheRecord",
    "new_id",
    "utc_now",
]

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_id() -> str:
    """A fresh random id: 12 url-safe characters."""
    return secrets.token_urlsafe(9)


def utc_now() -> str:
    """The current time as ISO-8601 UTC with milliseconds, e.g. ``2026-01-02T03:04:05.678Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class ConversationRecord:
    """A conversation row."""

    id: str
    title: str
    created_at: str
    updated_at: str
    pinned: bool = False
    model: str | None = None
    system_prompt: str | None = None
    params: dict[str, float | int | None] = field(default_factory=dict)
    active_leaf_id: str | None = None
    title_pending: bool = False
    """True until the conversation gets its automatic title (or a rename)."""


@dataclass(frozen=True)
class MessageRecord:
    """A message row."""

    id: str
    conversation_id: str
    parent_id: str | None
    role: MessageRole
    content: str
    created_at: str
    reasoning: str = ""
    status: MessageStatus = "complete"
    error: str | None = None
    timings: Timings | None = None
    usage: dict[str, int] | None = None
    model: str | None = None

    def to_contract(self, sibling_ids: list[str]) -> Message:
        """The wire form, with the ids of this message and its siblings."""
        return Message(
            id=self.id,
            conversation_id=self.conversation_id,
            parent_id=self.parent_id,
            role=self.role,
            content=self.content,
            reasoning=self.reasoning,
            status=self.status,
            error=self.error,
            timings=self.timings,
            model=self.model,
            created_at=self.created_at,
            sibling_ids=sibling_ids,
        )


@dataclass(frozen=True)
class SlotCacheRecord:
    """A saved KV cache: its file, the model and the message prefix it holds."""

    conversation_id: str
    filename: str
    model_path: str
    prefix_hash: str
    message_count: int
    saved_at: str


_CONVERSATION_COLUMNS = (
    "id, title, created_at, updated_at, pinned, model, system_prompt, params, active_leaf_id,"
    " title_pending"
)
_MESSAGE_COLUMNS = (
    "id, conversation_id, parent_id, role, content, created_at, reasoning, status, error, timings,"
    " usage, model"
)
_UNSET: Any = object()


class ConversationStore:
    """Conversations and their message trees in one SQLite file (or ``":memory:"``)."""

    def __init__(self, path: Path | str) -> None:
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 5000")
            self.migrations_applied = migrate(self._db)
        except sqlite3.Error as exc:
            raise StorageError(
                "Could not open the conversation database.", detail=str(exc)
            ) from exc
        self.recovered = self._recover_interrupted()
        """How many answers a crash had left ``streaming`` (now ``cancelled``)."""

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and one write transaction; translate sqlite3 errors."""
        with self._lock:
            nested = self._db.in_transaction
            try:
                if not nested:
                    self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                if not nested:
                    self._db.execute("COMMIT")
            except BaseException as exc:
                if not nested and self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(
                        "The conversation database failed.", detail=str(exc)
                    ) from exc
                raise

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError("The conversation database failed.", detail=str(exc)) from exc

    def _recover_interrupted(self) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE messages SET status = 'cancelled' WHERE status = 'streaming'"
            )
            return cursor.rowcount

    # -- conversations ----------------------------------------------------------------------

    def create_conversation(
        self,
        title: str | None = None,
        *,
        system_prompt: str | None = None,
        params: Mapping[str, float | int | None] | None = None,
        model: str | None = None,
    ) -> ConversationRecord:
        """A new empty conversation; without a title it is "New chat" until titled automatically."""
        now = utc_now()
        record = ConversationRecord(
            id=new_id(),
            title=title or "New chat",
            created_at=now,
            updated_at=now,
            model=model,
            system_prompt=system_prompt,
            params=dict(params or {}),
            title_pending=not title,
        )
        with self.transaction() as db:
            self._insert_conversation(db, record)
        return record

    @staticmethod
    def _insert_conversation(db: sqlite3.Connection, record: ConversationRecord) -> None:
        db.execute(
            f"INSERT INTO conversations ({_CONVERSATION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
            (
                record.id,
                record.title,
                record.created_at,
                record.updated_at,
                int(record.pinned),
                record.model,
                record.system_prompt,
                json.dumps(record.params),
                record.active_leaf_id,
                int(record.title_pending),
            ),
        )

    def get_conversation(self, conversation_id: str) -> ConversationRecord:
        """The conversation, or ``NotFound``."""
        rows = self._query(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?",  # noqa: S608
            (conversation_id,),
        )
        if not rows:
            raise NotFound(f"No conversation with id {conversation_id!r}.")
        return _conversation(rows[0])

    def list_conversations(self) -> list[ConversationSummary]:
        """All conversations, pinned first, then most recently updated first."""
        rows = self._query(
            "SELECT c.id, c.title, c.created_at, c.updated_at, c.pinned, c.model,"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
            " FROM conversations c ORDER BY c.pinned DESC, c.updated_at DESC, c.seq DESC"
        )
        return [
            ConversationSummary(
                id=r[0],
                title=r[1],
                created_at=r[2],
                updated_at=r[3],
                pinned=bool(r[4]),
                model=r[5],
                message_count=r[6],
            )
            for r in rows
        ]

    def summary(self, conversation_id: str) -> ConversationSummary:
        """One conversation as the sidebar lists it."""
        record = self.get_conversation(conversation_id)
        count = self._query(
            "SELECT count(*) FROM messages WHERE conversation_id = ?", (conversation_id,)
        )[0][0]
        return ConversationSummary(
            id=record.id,
            title=record.title,
            created_at=record.created_at,
            updated_at=record.updated_at,
            pinned=record.pinned,
            model=record.model,
            message_count=count,
        )

    def update_conversation(
        self,
        conversation_id: str,
        *,
        title: str = _UNSET,
        title_pending: bool = _UNSET,
        pinned: bool = _UNSET,
        model: str | None = _UNSET,
        system_prompt: str | None = _UNSET,
        params: Mapping[str, float | int | None] = _UNSET,
        active_leaf_id: str | None = _UNSET,
        touch: bool = True,
    ) -> ConversationRecord:
        """Change the given fields (``touch`` also bumps ``updated_at``); return the new row."""
        changes: dict[str, Any] = {
            name: value
            for name, value in {
                "title": title,
                "title_pending": title_pending,
                "pinned": pinned,
                "model": model,
                "system_prompt": system_prompt,
                "active_leaf_id": active_leaf_id,
            }.items()
            if value is not _UNSET
        }
        if params is not _UNSET:
            changes["params"] = json.dumps(dict(params))
        if touch:
            changes["updated_at"] = utc_now()
        with self.transaction() as db:
            if changes:
                assignments = ", ".join(f"{name} = ?" for name in changes)
                cursor = db.execute(
                    f"UPDATE conversations SET {assignments} WHERE id = ?",  # noqa: S608 (fixed names)
                    (*changes.values(), conversation_id),
                )
                if cursor.rowcount == 0:
                    raise NotFound(f"No conversation with id {conversation_id!r}.")
            return self.get_conversation(conversation_id)

    def delete_conversation(self, conversation_id: str) -> bool:
        """Delete a conversation and everything in it; False if it did not exist."""
        with self.transaction() as db:
            # Children first: the cascade through parent_id would otherwise recurse per level.
            db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            cursor = db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cursor.rowcount > 0

    def clear_conversation(self, conversation_id: str) -> ConversationRecord:
        """Delete every message of a conversation, keeping its title and settings."""
        with self.transaction() as db:
            self.get_conversation(conversation_id)
            db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            return self.update_conversation(conversation_id, active_leaf_id=None)

    # -- messages ---------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        parent_id: str | None,
        role: MessageRole,
        content: str = "",
        *,
        status: MessageStatus = "complete",
        model: str | None = None,
    ) -> MessageRecord:
        """Append a message under ``parent_id`` and make it the conversation's active leaf."""
        record = MessageRecord(
            id=new_id(),
            conversation_id=conversation_id,
            parent_id=parent_id,
            role=role,
            content=content,
            created_at=utc_now(),
            status=status,
            model=model,
        )
        with self.transaction() as db:
            self.get_conversation(conversation_id)
            if parent_id is not None and self.get_message(parent_id).conversation_id != (
                conversation_id
            ):
                raise NotFound(f"Message {parent_id!r} is not in conversation {conversation_id!r}.")
            self._insert_message(db, record)
            self.update_conversation(conversation_id, active_leaf_id=record.id)
        return record

    @staticmethod
    def _insert_message(db: sqlite3.Connection, record: MessageRecord) -> None:
        db.execute(
            f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
            (
                record.id,
                record.conversation_id,
                record.parent_id,
                record.role,
                record.content,
                record.created_at,
                record.reasoning,
                record.status,
                record.error,
                record.timings.model_dump_json() if record.timings else None,
                json.dumps(record.usage) if record.usage is not None else None,
                record.model,
            ),
        )

    def get_message(self, message_id: str) -> MessageRecord:
        """The message, or ``NotFound``."""
        rows = self._query(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?",  # noqa: S608
            (message_id,),
        )
        if not rows:
            raise NotFound(f"No message with id {message_id!r}.")
        return _message(rows[0])

    def messages(self, conversation_id: str) -> list[MessageRecord]:
        """Every message of a conversation (all branches), oldest first."""
        rows = self._query(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq",  # noqa: S608
            (conversation_id,),
        )
        return [_message(r) for r in rows]

    def update_message(
        self,
        message_id: str,
        *,
        content: str = _UNSET,
        reasoning: str = _UNSET,
        status: MessageStatus = _UNSET,
        error: str | None = _UNSET,
        timings: Timings | None = _UNSET,
        usage: dict[str, int] | None = _UNSET,
        model: str | None = _UNSET,
    ) -> MessageRecord:
        """Change the given fields of a message; return the new row."""
        changes: dict[str, Any] = {
            name: value
            for name, value in {
                "content": content,
                "reasoning": reasoning,
                "status": status,
                "error": error,
                "timings": timings,
                "usage": usage,
                "model": model,
            }.items()
            if value is not _UNSET
        }
        with self.transaction() as db:
            updated = replace(self.get_message(message_id), **changes)
            db.execute(
                "UPDATE messages SET content = ?, reasoning = ?, status = ?, error = ?,"
                " timings = ?, usage = ?, model = ? WHERE id = ?",
                (
                    updated.content,
                    updated.reasoning,
                    updated.status,
                    updated.error,
                    updated.timings.model_dump_json() if updated.timings else None,
                    json.dumps(updated.usage) if updated.usage is not None else None,
                    updated.model,
                    message_id,
                ),
            )
        return updated

    def delete_subtree(self, message_id: str) -> MessageRecord:
        """Delete a message and all its descendants; return the deleted message."""
        message = self.get_message(message_id)
        with self.transaction() as db:
            doomed = [
                row[0]
                for row in db.execute(
                    "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL"
                    " SELECT m.id FROM messages m JOIN sub ON m.parent_id = sub.id)"
                    " SELECT id FROM sub",
                    (message_id,),
                )
            ]
            # Deepest first, so no delete has to cascade.
            for doomed_id in reversed(doomed):
                db.execute("DELETE FROM messages WHERE id = ?", (doomed_id,))
        return message

    # -- search -----------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Titles and messages matching every word of ``query`` (the last one as a prefix).

        Snippets mark matches with ``**``; ``rank`` is higher for better matches (bm25), and
        title matches rank above message matches.
        """
        words = re.findall(r"\w+", query)
        if not words:
            return []
        match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        rows = self._query(
            "SELECT * FROM ("
            " SELECT c.id, NULL, c.title, snippet(conversations_fts, 0, '**', '**', '…', 12),"
            "  -bm25(conversations_fts) + 1000"
            " FROM conversations_fts JOIN conversations c ON c.seq = conversations_fts.rowid"
            " WHERE conversations_fts MATCH ?1"
            " UNION ALL"
            " SELECT m.conversation_id, m.id, c.title,"
            "  snippet(messages_fts, 0, '**', '**', '…', 12), -bm25(messages_fts)"
            " FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ?1"
            ") ORDER BY 5 DESC LIMIT ?2",
            (match, limit),
        )
        return [
            SearchHit(conversation_id=r[0], message_id=r[1], title=r[2], snippet=r[3], rank=r[4])
            for r in rows
        ]

    # -- slot caches ------------------------------------------------------------------------

    def slot_cache(self, conversation_id: str) -> SlotCacheRecord | None:
        """The saved KV cache of a conversation, if any."""
        rows = self._query(
            "SELECT conversation_id, filename, model_path, prefix_hash, message_count, saved_at"
            " FROM slot_caches WHERE conversation_id = ?",
            (conversation_id,),
        )
        return SlotCacheRecord(*rows[0]) if rows else None

    def slot_caches(self) -> list[SlotCacheRecord]:
        """Every saved KV cache, oldest first."""
        rows = self._query(
            "SELECT conversation_id, filename, model_path, prefix_hash, message_count, saved_at"
            " FROM slot_caches ORDER BY saved_at"
        )
        return [SlotCacheRecord(*r) for r in rows]

    def put_slot_cache(self, record: SlotCacheRecord) -> None:
        """Remember (or replace) a conversation's saved KV cache."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO slot_caches (conversation_id, filename, model_path,"
                " prefix_hash, message_count, saved_at) VALUES (?,?,?,?,?,?)",
                (
                    record.conversation_id,
                    record.filename,
                    record.model_path,
                    record.prefix_hash,
                    record.message_count,
                    record.saved_at,
                ),
            )

    def delete_slot_cache(self, conversation_id: str) -> None:
        """Forget a conversation's saved KV cache."""
        with self.transaction() as db:
            db.execute("DELETE FROM slot_caches WHERE conversation_id = ?", (conversation_id,))

    # -- bulk -------------------------------------------------------------------------------

    def insert_conversation(
        self, record: ConversationRecord, messages: Sequence[MessageRecord]
    ) -> None:
        """Insert a whole conversation as given (ids included), parents before children."""
        with self.transaction() as db:
            self._insert_conversation(db, record)
            for message in messages:
                self._insert_message(db, message)

    def existing_ids(
        self, table: Literal["conversations", "messages"], ids: Sequence[str]
    ) -> set[str]:
        """Which of ``ids`` are already taken in ``table``."""
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            batch = list(ids[start : start + 500])
            marks = ",".join("?" * len(batch))
            found |= {
                r[0]
                for r in self._query(
                    f"SELECT id FROM {table} WHERE id IN ({marks})",  # noqa: S608
                    batch,
                )
            }
        return found


def _conversation(row: tuple[Any, ...]) -> ConversationRecord:
    return ConversationRecord(
        id=row[0],
        title=row[1],
        created_at=row[2],
        updated_at=row[3],
        pinned=bool(row[4]),
        model=row[5],
        system_prompt=row[6],
        params=json.loads(row[7]),
        active_leaf_id=row[8],
        title_pending=bool(row[9]),
    )


def _message(row: tuple[Any, ...]) -> MessageRecord:
    return MessageRecord(
        id=row[0],
        conversation_id=row[1],
        parent_id=row[2],
        role=cast("MessageRole", row[3]),
        content=row[4],
        created_at=row[5],
        reasoning=row[6],
        status=cast("MessageStatus", row[7]),
        error=row[8],
        timings=Timings.model_validate_json(row[9]) if row[9] else None,
        usage=json.loads(row[10]) if row[10] else None,
        model=row[11],
    )
