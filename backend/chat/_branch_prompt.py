"""The prompt for an answer, read from the store: its branch, its conversation, its parts."""

from __future__ import annotations

from ..config import GenerationSettings
from ..llama import ChatMessage
from ._parts import PartStore
from ._prompt import build_prompt
from ._store import ConversationStore
from ._tree import MessageTree

__all__ = ["branch_prompt"]


def branch_prompt(
    store: ConversationStore,
    answer_id: str,
    defaults: GenerationSettings,
    *,
    continuing: bool = False,
) -> list[ChatMessage]:
    """The messages to send for the answer ``answer_id`` (attachments built in)."""
    answer = store.get_message(answer_id)
    record = store.get_conversation(answer.conversation_id)
    branch = MessageTree(store.messages(answer.conversation_id)).branch(answer.id)
    parts = PartStore(store).parts(m.id for m in branch)
    return build_prompt(record, branch, defaults, continuing=continuing, parts=parts)
