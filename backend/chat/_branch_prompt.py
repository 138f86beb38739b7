"""The prompt for an answer, read from the store: its branch, its conversation, its parts.

:func:`branch_prompt` names a branch's images (what is known when a command starts an answer);
:func:`seen_branch_prompt`, run when the answer is generated, puts them in as pictures when the
model answering can see them.
"""

from __future__ import annotations

from ..config import GenerationSettings
from ..llama import ChatMessage
from ._images import PromptImages
from ._parts import PartStore, StoredPart
from ._prompt import build_prompt
from ._records import ConversationRecord, MessageRecord
from ._store import ConversationStore
from ._tree import MessageTree

__all__ = ["branch_prompt", "seen_branch_prompt"]


def _branch(
    store: ConversationStore, answer_id: str
) -> tuple[ConversationRecord, list[MessageRecord], dict[str, list[StoredPart]]]:
    answer = store.get_message(answer_id)
    record = store.get_conversation(answer.conversation_id)
    branch = MessageTree(store.messages(answer.conversation_id)).branch(answer.id)
    return record, branch, PartStore(store).parts(m.id for m in branch)


def branch_prompt(
    store: ConversationStore,
    answer_id: str,
    defaults: GenerationSettings,
    *,
    continuing: bool = False,
) -> list[ChatMessage]:
    """The messages to send for the answer ``answer_id`` (attachments built in, images named)."""
    record, branch, parts = _branch(store, answer_id)
    return build_prompt(record, branch, defaults, continuing=continuing, parts=parts)


async def seen_branch_prompt(
    store: ConversationStore,
    answer_id: str,
    defaults: GenerationSettings,
    images: PromptImages,
    *,
    continuing: bool = False,
) -> list[ChatMessage] | None:
    """The messages for ``answer_id`` with its branch's images as pictures, when there are any
    and the model answering sees them; None otherwise (:func:`branch_prompt` is what is sent)."""
    record, branch, parts = _branch(store, answer_id)
    prepared = await images.for_parts(parts, record.provider_id)
    if prepared is None:
        return None
    return build_prompt(
        record, branch, defaults, continuing=continuing, parts=parts, images=prepared
    )
