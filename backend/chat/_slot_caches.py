"""The ``slot_caches`` table: which saved KV cache file belongs to which conversation.

:class:`SlotManager` writes a row when it saves a slot to a file and reads it back before
restoring one; the row says for which model file and which message prefix the cache was saved.
A row goes with its conversation (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, fields

from ._store import ConversationStore

__all__ = ["SlotCacheRecord", "SlotCaches"]


@dataclass(frozen=True)
class SlotCacheRecord:
    """A saved KV cache: its file, the model and the message prefix it holds."""

    conversation_id: str
    filename: str
    model_path: str
    prefix_hash: str
    message_count: int
    saved_at: str


_COLUMNS = ", ".join(f.name for f in fields(SlotCacheRecord))
_MARKS = ", ".join(f":{f.name}" for f in fields(SlotCacheRecord))


def _record(row: sqlite3.Row) -> SlotCacheRecord:
    return SlotCacheRecord(**{f.name: row[f.name] for f in fields(SlotCacheRecord)})


class SlotCaches:
    """The saved KV caches recorded in one conversation store."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def get(self, conversation_id: str) -> SlotCacheRecord | None:
        """The saved KV cache of a conversation, if any."""
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM slot_caches WHERE conversation_id = ?",  # noqa: S608
            (conversation_id,),
        )
        return _record(rows[0]) if rows else None

    def all(self) -> list[SlotCacheRecord]:
        """Every saved KV cache, oldest first."""
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM slot_caches ORDER BY saved_at"  # noqa: S608
        )
        return [_record(row) for row in rows]

    def put(self, record: SlotCacheRecord) -> None:
        """Remember (or replace) a conversation's saved KV cache."""
        with self.store.transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO slot_caches ({_COLUMNS}) VALUES ({_MARKS})",  # noqa: S608
                asdict(record),
            )

    def delete(self, conversation_id: str) -> None:
        """Forget a conversation's saved KV cache."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM slot_caches WHERE conversation_id = ?", (conversation_id,))
