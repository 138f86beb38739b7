"""Writing whole conversations at once, for import: which ids are taken, then rows as given.

Import (``_export.import_json``) asks which of a file's ids already exist, gives those fresh
ones, and inserts each conversation with its messages, ids included, in the caller's
transaction, so a file imports whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from ._records import (
    ConversationRecord,
    MessageRecord,
    insert_conversation_row,
    insert_message_row,
)
from ._store import ConversationStore

__all__ = ["existing_ids", "insert_conversation"]

_BATCH = 500
"""Ids per query, below SQLite's limit on bound parameters."""


def insert_conversation(
    store: ConversationStore, record: ConversationRecord, messages: Sequence[MessageRecord]
) -> None:
    """Insert a whole conversation as given (ids included), parents before children."""
    with store.transaction() as db:
        insert_conversation_row(db, record)
        for message in messages:
            insert_message_row(db, message)


def existing_ids(
    store: ConversationStore, table: Literal["conversations", "messages"], ids: Sequence[str]
) -> set[str]:
    """Which of ``ids`` are already taken in ``table``."""
    found: set[str] = set()
    for start in range(0, len(ids), _BATCH):
        batch = list(ids[start : start + _BATCH])
        marks = ",".join("?" * len(batch))
        rows = store.query(f"SELECT id FROM {table} WHERE id IN ({marks})", batch)  # noqa: S608
        found |= {row["id"] for row in rows}
    return found
