"""A conversation's message tree: branches, siblings and leaves.

Editing a user message or regenerating an answer adds a sibling instead of overwriting, so no
text is ever lost; the conversation's ``active_leaf_id`` says which branch is shown. A branch is
the path from a root to a leaf; selecting a message shows the branch through it that ends at its
most recent descendant.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._records import MessageRecord

__all__ = ["MessageTree"]


class MessageTree:
    """The messages of one conversation, indexed by id and parent."""

    def __init__(self, messages: Sequence[MessageRecord]) -> None:
        self.by_id = {m.id: m for m in messages}
        self.children: dict[str | None, list[MessageRecord]] = {}
        for message in messages:  # oldest first, so children lists are too
            self.children.setdefault(message.parent_id, []).append(message)

    def sibling_ids(self, message: MessageRecord) -> list[str]:
        """Ids of ``message`` and its siblings, oldest first."""
        return [m.id for m in self.children.get(message.parent_id, [])]

    def latest_leaf(self, message_id: str | None) -> str | None:
        """The most recent descendant of ``message_id`` following the newest child each step.

        With ``None``, starts from the newest root; None for an empty tree.
        """
        current = message_id
        while self.children.get(current):
            current = self.children[current][-1].id
        return current

    def branch(self, leaf_id: str | None) -> list[MessageRecord]:
        """The path from a root to ``leaf_id``, root first (the newest branch if it is gone)."""
        if leaf_id not in self.by_id:
            leaf_id = self.latest_leaf(None)
        path = []
        while leaf_id is not None:
            message = self.by_id[leaf_id]
            path.append(message)
            leaf_id = message.parent_id
        return path[::-1]
