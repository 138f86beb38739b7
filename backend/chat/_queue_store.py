"""The ``queued_messages`` and ``message_queues`` tables: each conversation's message queue.

Rows are kept in ``position`` order per conversation, renumbered 0, 1, ... on every change
(a queue holds at most ``QUEUE_MAX`` messages, so a rewrite is a handful of rows). A paused
queue has a ``message_queues`` row saying why; an empty queue is never paused.
"""

from __future__ import annotations

import sqlite3

from ..contract import QUEUE_MAX, MessageQueue, QueuedMessage, QueuePause
from ..errors import InvalidArgument, NotFound
from ._records import new_id, utc_now
from ._store import ConversationStore

__all__ = ["QueueTable"]

_SELECT = "SELECT id, conversation_id, content, created_at FROM queued_messages"


def _message(row: sqlite3.Row) -> QueuedMessage:
    return QueuedMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        content=row["content"],
        created_at=row["created_at"],
    )


def _gone(queued_id: str) -> NotFound:
    return NotFound(
        "This queued message was already sent or deleted.", detail=f"queued message {queued_id}"
    )


class QueueTable:
    """The message queues stored in one conversation store."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def view(self, conversation_id: str) -> MessageQueue:
        """The conversation's queue, next first, and whether it is paused."""
        rows = self.store.query(
            f"{_SELECT} WHERE conversation_id = ? ORDER BY position",
            (conversation_id,),
        )
        pause = self.store.query(
            "SELECT paused, error FROM message_queues WHERE conversation_id = ?",
            (conversation_id,),
        )
        return MessageQueue(
            messages=[_message(row) for row in rows],
            paused=pause[0]["paused"] if pause else None,
            error=pause[0]["error"] if pause else None,
        )

    def get(self, queued_id: str) -> QueuedMessage:
        """One queued message; ``NotFound`` once it was sent or deleted."""
        rows = self.store.query(f"{_SELECT} WHERE id = ?", (queued_id,))
        if not rows:
            raise _gone(queued_id)
        return _message(rows[0])

    def waiting(self) -> list[str]:
        """The conversations whose queue holds messages and is not paused, oldest first."""
        rows = self.store.query(
            "SELECT DISTINCT q.conversation_id FROM queued_messages q"
            " WHERE q.conversation_id NOT IN (SELECT conversation_id FROM message_queues)"
            " ORDER BY q.conversation_id"
        )
        return [row["conversation_id"] for row in rows]

    def add(self, conversation_id: str, content: str) -> QueuedMessage:
        """Queue ``content`` last; ``InvalidArgument`` when the queue is full."""
        self.store.get_conversation(conversation_id)
        queued = QueuedMessage(
            id=new_id(), conversation_id=conversation_id, content=content, created_at=utc_now()
        )
        with self.store.transaction() as db:
            count = db.execute(
                "SELECT count(*) FROM queued_messages WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()[0]
            if count >= QUEUE_MAX:
                raise InvalidArgument(
                    f"The queue holds at most {QUEUE_MAX} messages; wait for some to be sent "
                    "or delete one."
                )
            db.execute(
                "INSERT INTO queued_messages (id, conversation_id, position, content, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (queued.id, conversation_id, count, content, queued.created_at),
            )
        return queued

    def update(self, queued_id: str, content: str | None, position: int | None) -> QueuedMessage:
        """New text and/or a new place (0: next; past the end: last) for a queued message."""
        with self.store.transaction() as db:
            queued = self.get(queued_id)
            if content is not None:
                db.execute(
                    "UPDATE queued_messages SET content = ? WHERE id = ?", (content, queued_id)
                )
            if position is not None:
                order = self._order(db, queued.conversation_id)
                order.remove(queued_id)
                order.insert(min(position, len(order)), queued_id)
                self._renumber(db, order)
            return self.get(queued_id)

    def remove(self, queued_id: str) -> QueuedMessage:
        """Take a message out of its queue (deleted, or sent); an emptied queue is unpaused."""
        with self.store.transaction() as db:
            queued = self.get(queued_id)
            db.execute("DELETE FROM queued_messages WHERE id = ?", (queued_id,))
            order = self._order(db, queued.conversation_id)
            self._renumber(db, order)
            if not order:
                db.execute(
                    "DELETE FROM message_queues WHERE conversation_id = ?",
                    (queued.conversation_id,),
                )
        return queued

    def pause(self, conversation_id: str, why: QueuePause, error: str | None = None) -> bool:
        """Pause the conversation's queue if it holds messages; whether it did."""
        with self.store.transaction() as db:
            if not self._order(db, conversation_id):
                return False
            db.execute(
                "INSERT OR REPLACE INTO message_queues (conversation_id, paused, error)"
                " VALUES (?, ?, ?)",
                (conversation_id, why, error),
            )
        return True

    def unpause(self, conversation_id: str) -> None:
        """Let the conversation's queue go on."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM message_queues WHERE conversation_id = ?", (conversation_id,))

    @staticmethod
    def _order(db: sqlite3.Connection, conversation_id: str) -> list[str]:
        rows = db.execute(
            "SELECT id FROM queued_messages WHERE conversation_id = ? ORDER BY position",
            (conversation_id,),
        ).fetchall()
        return [row["id"] for row in rows]

    @staticmethod
    def _renumber(db: sqlite3.Connection, order: list[str]) -> None:
        db.executemany(
            "UPDATE queued_messages SET position = ? WHERE id = ?",
            [(n, queued_id) for n, queued_id in enumerate(order)],
        )
