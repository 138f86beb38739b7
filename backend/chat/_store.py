"""The conversation store: SQLite through the standard library, safe from any thread.

Long because: one class owns the one connection, its lock and every query on it;
splitting it would spread the locking over several files.

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
- **Rows by name.** Rows are ``sqlite3.Row``, mapped to records by column name (``_records``);
  ``_slot_caches`` and ``_bulk`` read and write through :meth:`query` and :meth:`transaction`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from ..contract import (
    ConversationOptions,
    ConversationSummary,
    MessageRole,
    MessageStatus,
    SearchHit,
    Timings,
    TokenProb,
    ToolCallInfo,
)
from ..errors import NotFound, StorageError
from ..llama import Usage
from ._migrations import migrate
from ._records import (
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    ConversationRecord,
    MessageRecord,
    conversation_from_row,
    insert_conversation_row,
    insert_message_row,
    message_from_row,
    message_values,
    new_id,
    stopped_calls,
    utc_now,
)
from ._search import search_hits

__all__ = ["ConversationStore"]

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)
_CONVERSATION_SELECT = ", ".join(CONVERSATION_COLUMNS)
_MESSAGE_SELECT = ", ".join(MESSAGE_COLUMNS)
_SUMMARY_SELECT = (
    "SELECT c.id, c.title, c.created_at, c.updated_at, c.pinned, c.model,"
    " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count"
    " FROM conversations c"
)
_MESSAGE_UPDATE = (
    "UPDATE messages SET content = :content, reasoning = :reasoning, status = :status,"
    " error = :error, timings = :timings, usage = :usage, model = :model,"
    " tool_calls = :tool_calls, probs = :probs, reasoning_ms = :reasoning_ms,"
    " provider_id = :provider_id, provider_name = :provider_name, failover = :failover"
    " WHERE id = :id"
)
_STREAMING = f"SELECT {_MESSAGE_SELECT} FROM messages WHERE status = 'streaming'"  # noqa: S608
_UNSET: Any = object()


def _connect(path: Path | str) -> sqlite3.Connection:
    """An autocommit connection returning ``sqlite3.Row`` rows, with the store's pragmas."""
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    for pragma in _PRAGMAS:
        db.execute(pragma)
    return db


def _given(**values: Any) -> dict[str, Any]:
    """The keyword arguments a caller passed (those not left ``_UNSET``)."""
    return {name: value for name, value in values.items() if value is not _UNSET}


def _summary(row: sqlite3.Row) -> ConversationSummary:
    return ConversationSummary(
        id=row["id"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        pinned=bool(row["pinned"]),
        model=row["model"],
        message_count=row["message_count"],
    )


class ConversationStore:
    """Conversations and their message trees in one SQLite file (or ``":memory:"``)."""

    def __init__(self, path: Path | str) -> None:
        self.attachment_dir = path.parent / "attachments" if isinstance(path, Path) else None
        """Where attached files are stored, beside the database (None in memory)."""
        self._lock = threading.RLock()
        try:
            self._db = _connect(path)
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

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """The rows of one read, under the lock; sqlite3 errors leave as ``StorageError``."""
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError("The conversation database failed.", detail=str(exc)) from exc

    def _recover_interrupted(self) -> int:
        why = "Not run: the app ended while this call waited or ran."
        with self.transaction() as db:
            rows = db.execute(_STREAMING).fetchall()
            for record in map(message_from_row, rows):
                calls = stopped_calls(record.tool_calls, why)
                updated = replace(record, status="cancelled", tool_calls=calls)
                db.execute(_MESSAGE_UPDATE, message_values(updated))
            return len(rows)

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
            insert_conversation_row(db, record)
        return record

    def get_conversation(self, conversation_id: str) -> ConversationRecord:
        """The conversation, or ``NotFound``."""
        rows = self.query(
            f"SELECT {_CONVERSATION_SELECT} FROM conversations WHERE id = ?",  # noqa: S608
            (conversation_id,),
        )
        if not rows:
            raise NotFound(f"No conversation with id {conversation_id!r}.")
        return conversation_from_row(rows[0])

    def list_conversations(
        self, offset: int = 0, limit: int | None = None
    ) -> list[ConversationSummary]:
        """Conversations, pinned first, then most recently updated first (all, or one page)."""
        rows = self.query(
            f"{_SUMMARY_SELECT} ORDER BY c.pinned DESC, c.updated_at DESC, c.seq DESC"
            " LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, offset),
        )
        return [_summary(row) for row in rows]

    def summary(self, conversation_id: str) -> ConversationSummary:
        """One conversation as the sidebar lists it."""
        rows = self.query(f"{_SUMMARY_SELECT} WHERE c.id = ?", (conversation_id,))
        if not rows:
            raise NotFound(f"No conversation with id {conversation_id!r}.")
        return _summary(rows[0])

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
        options: ConversationOptions = _UNSET,
        active_leaf_id: str | None = _UNSET,
        provider_id: str = _UNSET,
        provider_model: str | None = _UNSET,
        touch: bool = True,
    ) -> ConversationRecord:
        """Change the given fields (``touch`` also bumps ``updated_at``); return the new row."""
        changes = _given(
            title=title,
            title_pending=title_pending,
            pinned=pinned,
            model=model,
            system_prompt=system_prompt,
            active_leaf_id=active_leaf_id,
            provider_id=provider_id,
            provider_model=provider_model,
        )
        if params is not _UNSET:
            changes["params"] = json.dumps(dict(params))
        if options is not _UNSET:
            changes["options"] = options.model_dump_json()
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
            insert_message_row(db, record)
            self.update_conversation(conversation_id, active_leaf_id=record.id)
        return record

    def get_message(self, message_id: str) -> MessageRecord:
        """The message, or ``NotFound``."""
        rows = self.query(
            f"SELECT {_MESSAGE_SELECT} FROM messages WHERE id = ?",  # noqa: S608
            (message_id,),
        )
        if not rows:
            raise NotFound(f"No message with id {message_id!r}.")
        return message_from_row(rows[0])

    def messages(self, conversation_id: str) -> list[MessageRecord]:
        """Every message of a conversation (all branches), oldest first."""
        rows = self.query(
            f"SELECT {_MESSAGE_SELECT} FROM messages WHERE conversation_id = ? ORDER BY seq",  # noqa: S608
            (conversation_id,),
        )
        return [message_from_row(row) for row in rows]

    def update_message(
        self,
        message_id: str,
        *,
        content: str = _UNSET,
        reasoning: str = _UNSET,
        status: MessageStatus = _UNSET,
        error: str | None = _UNSET,
        timings: Timings | None = _UNSET,
        usage: Usage | None = _UNSET,
        model: str | None = _UNSET,
        tool_calls: tuple[ToolCallInfo, ...] = _UNSET,
        probs: tuple[TokenProb, ...] | None = _UNSET,
        reasoning_ms: float | None = _UNSET,
        provider_id: str | None = _UNSET,
        provider_name: str | None = _UNSET,
        failover: str | None = _UNSET,
    ) -> MessageRecord:
        """Change the given fields of a message; return the new row."""
        changes = _given(
            content=content,
            reasoning=reasoning,
            status=status,
            error=error,
            timings=timings,
            usage=usage,
            model=model,
            tool_calls=tool_calls,
            probs=probs,
            reasoning_ms=reasoning_ms,
            provider_id=provider_id,
            provider_name=provider_name,
            failover=failover,
        )
        with self.transaction() as db:
            updated = replace(self.get_message(message_id), **changes)
            db.execute(_MESSAGE_UPDATE, message_values(updated))
        return updated

    def delete_subtree(self, message_id: str) -> MessageRecord:
        """Delete a message and all its descendants; return the deleted message."""
        message = self.get_message(message_id)
        with self.transaction() as db:
            doomed = [
                row["id"]
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
        """Titles and messages matching every word of ``query`` (see :func:`search_hits`)."""
        return search_hits(self, query, limit)
