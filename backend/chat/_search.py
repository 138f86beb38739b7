"""Full-text search over titles and messages (FTS5, bm25), for ``ConversationStore.search``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..contract import SearchHit

if TYPE_CHECKING:
    from ._store import ConversationStore

__all__ = ["search_hits"]

_SEARCH = (
    "SELECT * FROM ("
    " SELECT c.id AS conversation_id, NULL AS message_id, c.title AS title,"
    "  snippet(conversations_fts, 0, '**', '**', '…', 12) AS snippet,"
    "  -bm25(conversations_fts) + 1000 AS score"
    " FROM conversations_fts JOIN conversations c ON c.seq = conversations_fts.rowid"
    " WHERE conversations_fts MATCH ?1"
    " UNION ALL"
    " SELECT m.conversation_id, m.id, c.title,"
    "  snippet(messages_fts, 0, '**', '**', '…', 12), -bm25(messages_fts)"
    " FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid"
    " JOIN conversations c ON c.id = m.conversation_id"
    " WHERE messages_fts MATCH ?1"
    ") ORDER BY score DESC LIMIT ?2"
)


def search_hits(store: ConversationStore, query: str, limit: int = 50) -> list[SearchHit]:
    """Titles and messages matching every word of ``query`` (the last one as a prefix).

    Snippets mark matches with ``**``; ``rank`` is higher for better matches (bm25), and
    title matches rank above message matches.
    """
    words = re.findall(r"\w+", query)
    if not words:
        return []
    match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    rows = store.query(_SEARCH, (match, limit))
    return [
        SearchHit(
            conversation_id=row["conversation_id"],
            message_id=row["message_id"],
            title=row["title"],
            snippet=row["snippet"],
            rank=row["score"],
        )
        for row in rows
    ]
