"""Token counts of a message before it is sent, from llama-server's ``/tokenize``.

The form shows each attachment's count against the context left, so a document that does not
fit is found before sending (and a page range or dropping it offered), never cut silently.
Each attachment is counted as it is sent (labelled by name, the pages chosen); the
conversation so far is counted as the text of its active branch as it would be sent, without
the chat template's few tokens per message, so ``context_left`` errs a little on the high
side. The context is one slot's (``/props``: ``default_generation_settings.n_ctx``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..config import GenerationSettings
from ..contract import AttachmentChoice, AttachmentTokens, TokenCounts
from ..errors import ServerError
from ..llama import LlamaCppAdapter
from ._parts import PartStore, StoredPart
from ._prompt import history_prompt, user_content
from ._store import ConversationStore
from ._views import active_branch

__all__ = ["TokenCounter"]


class TokenCounter:
    """Counts a message's tokens with one server, for one store."""

    def __init__(
        self,
        adapter: LlamaCppAdapter,
        store: ConversationStore,
        defaults: Callable[[], GenerationSettings],
    ) -> None:
        self.adapter = adapter
        self.store = store
        self.defaults = defaults

    async def count(
        self, conversation_id: str | None, content: str, choices: Sequence[AttachmentChoice]
    ) -> TokenCounts:
        """How many tokens the text and each attachment take, and how many the context has
        left."""
        return await count_tokens(
            self.adapter,
            self.store,
            self.defaults(),
            conversation_id,
            content=content,
            choices=choices,
        )


async def count_tokens(
    adapter: LlamaCppAdapter,
    store: ConversationStore,
    defaults: GenerationSettings,
    conversation_id: str | None,
    *,
    content: str,
    choices: Sequence[AttachmentChoice],
) -> TokenCounts:
    """How many tokens the text and each attachment take, and how many the context has left."""
    parts = PartStore(store)
    context_size = await _context_size(adapter)
    used = await _history_tokens(adapter, store, parts, defaults, conversation_id)
    counted = []
    for choice in choices:
        stored = parts.get(choice.id)
        stored.check_pages(choice.first_page, choice.last_page)
        part = StoredPart(stored, choice.name, choice.first_page, choice.last_page)
        tokens = len(await adapter.tokenize(user_content("", [part])))
        counted.append(AttachmentTokens(id=choice.id, name=choice.name, tokens=tokens))
    return TokenCounts(
        text_tokens=len(await adapter.tokenize(content)) if content.strip() else 0,
        attachments=counted,
        context_size=context_size,
        context_used=used,
        context_left=max(context_size - used, 0),
    )


async def _context_size(adapter: LlamaCppAdapter) -> int:
    props = await adapter.props()
    n_ctx = props.get("default_generation_settings", {}).get("n_ctx")
    if not isinstance(n_ctx, int):
        raise ServerError("llama-server did not say how large its context is (/props).")
    return n_ctx


async def _history_tokens(
    adapter: LlamaCppAdapter,
    store: ConversationStore,
    parts: PartStore,
    defaults: GenerationSettings,
    conversation_id: str | None,
) -> int:
    if conversation_id is None:
        return len(await adapter.tokenize(defaults.system_prompt)) if defaults.system_prompt else 0
    record = store.get_conversation(conversation_id)
    branch = active_branch(store, conversation_id)
    history = parts.parts(m.id for m in branch)
    prompt = history_prompt(record, branch, defaults, parts=history)
    text = "\n".join(str(m.get("content") or "") for m in prompt)
    return len(await adapter.tokenize(text)) if text.strip() else 0
