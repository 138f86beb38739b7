"""What the page is shown: stored conversations and messages as contract models, and events.

A conversation is shown as its active branch, root first; each message carries the ids of its
siblings so the page can offer the other versions. Events go to the bridge through a sink that
must never stop a generation: a failing sink is logged, not raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..contract import BridgeEvent, Conversation, Message
from ._parts import PartStore, part_views
from ._queue_store import QueueTable
from ._records import MessageRecord
from ._store import ConversationStore
from ._tree import MessageTree

__all__ = ["EventSink", "active_branch", "conversation_view", "guarded", "message_view"]

log = logging.getLogger(__name__)

EventSink = Callable[[BridgeEvent], None]
"""Where bridge events go (the event pump)."""


def active_branch(store: ConversationStore, conversation_id: str) -> list[MessageRecord]:
    """The branch a conversation shows, root first (empty for an empty conversation)."""
    record = store.get_conversation(conversation_id)
    return MessageTree(store.messages(conversation_id)).branch(record.active_leaf_id)


def conversation_view(store: ConversationStore, conversation_id: str) -> Conversation:
    """A conversation with its active branch, root first, siblings filled in, and its queue."""
    record = store.get_conversation(conversation_id)
    tree = MessageTree(store.messages(conversation_id))
    summary = store.summary(conversation_id)
    branch = tree.branch(record.active_leaf_id)
    parts = PartStore(store).parts(m.id for m in branch)
    return Conversation(
        **summary.model_dump(),
        system_prompt=record.system_prompt,
        params=record.params,
        options=record.options,
        provider_id=record.provider_id,
        provider_model=record.provider_model,
        messages=[m.to_contract(tree.sibling_ids(m), part_views(parts, m.id)) for m in branch],
        queue=QueueTable(store).view(conversation_id),
    )


def message_view(store: ConversationStore, message: MessageRecord) -> Message:
    """One message with the ids of its siblings and its attachments."""
    tree = MessageTree(store.messages(message.conversation_id))
    parts = PartStore(store).parts([message.id])
    return message.to_contract(tree.sibling_ids(message), part_views(parts, message.id))


def guarded(sink: EventSink) -> EventSink:
    """``sink``, logging instead of raising when it fails."""

    def emit(event: BridgeEvent) -> None:
        try:
            sink(event)
        except Exception:
            log.exception("the event sink failed")

    return emit
