"""Full-text search over titles and messages (FTS5, bm25), for ``ConversationStore.search``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..contract import SearchHit

if TYPE_CHECKING:
    from ._store import ConversationStore

__all__ = ["search_hits"]

_SEARCH = (
    # Each index ranks its own matches and hands over only its best ?2 (FTS5 sorts by rank
    # inside the index, so snippets are made for those rows alone, not for every match).
    "SELECT * FROM ("
    " SELECT c.id AS conversation_id, NULL AS message_id, c.title AS title, t.snippet,"
    "  t.score + 1000 AS score"
    " FROM (SELECT rowid, snippet(conversations_fts, 0, '**', '**', '…', 12) AS snippet,"
    "   -bm25(conversations_fts) AS score FROM conversations_fts"
    "   WHERE conversations_fts MATCH ?1 ORDER BY rank LIMIT ?2) t"
    " JOIN conversations c ON c.seq = t.rowid"
    " UNION ALL"
    " SELECT m.conversation_id, m.id, c.title, t.snippet, t.score"
    " FROM (SELECT rowid, snippet(messages_fts, 0, '**', '**', '…', 12) AS snippet,"
    "   -bm25(messages_fts) AS score FROM messages_fts"
    "   WHERE messages_fts MATCH ?1 ORDER BY rank LIMIT ?2) t"
    " JOIN messages m ON m.seq = t.rowid"
    " JOIN conversations c ON c.id = m.conversation_id"
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
