"""The context meter: the tokens the next prompt of a conversation would take, before sending.

The count is exact for the loaded model: the prompt is built as the next answer's would be
(system prompt, the active branch, the draft as the new user message), written out by the
model's own chat template (``/apply-template``) and tokenized (``/tokenize``), so the
template's own tokens count too. The draft alone is tokenized as well, so the page can say how
much of the total it takes. Against it stands one slot's ``n_ctx`` (``/slots``): the prompt and
the answer must both fit there, or the answer fails with ``context_overflow`` (unless
``behaviour.drop_oldest_turns`` drops the oldest turns).
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import Settings
from ..contract import ContextUsage
from ..errors import ServerError
from ..llama import ChatMessage, LlamaCppAdapter
from ._prompt import history_prompt
from ._store import ConversationStore
from ._views import active_branch

__all__ = ["ContextMeter"]


class ContextMeter:
    """Counts a conversation's next prompt against the slot's context."""

    def __init__(
        self, store: ConversationStore, adapter: LlamaCppAdapter, settings: Callable[[], Settings]
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.settings = settings

    async def usage(self, conversation_id: str | None, draft: str) -> ContextUsage:
        """The next prompt's tokens with ``draft`` as the new message (no conversation: a new
        chat with only the system prompt), and the slot's size."""
        settings = self.settings()
        prompt: list[ChatMessage]
        if conversation_id is None:
            system = settings.generation.system_prompt
            prompt = [{"role": "system", "content": system}] if system else []
        else:
            record = self.store.get_conversation(conversation_id)
            history = active_branch(self.store, conversation_id)
            prompt = history_prompt(record, history, settings.generation)
        prompt.append({"role": "user", "content": draft})
        total = len(await self.adapter.tokenize(prompt))
        own = len(await self.adapter.tokenize(draft)) if draft else 0
        return ContextUsage(
            prompt_tokens=total,
            draft_tokens=own,
            n_ctx=await self._slot_context(),
            max_tokens=settings.generation.max_tokens,
            drop_oldest_turns=settings.behaviour.drop_oldest_turns,
        )

    async def _slot_context(self) -> int:
        """How many tokens one slot holds (the smallest ``n_ctx`` of ``GET /slots``)."""
        sizes = [s.get("n_ctx") for s in await self.adapter.slots() if isinstance(s, dict)]
        known = [n for n in sizes if isinstance(n, int) and n > 0]
        if not known:
            raise ServerError("llama-server did not say how large its slots are (/slots).")
        return min(known)
