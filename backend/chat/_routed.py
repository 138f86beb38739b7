"""A streamed answer through the provider router: chunks to the page, provider to the message.

The conversation names its provider and model (``provider_id``, ``provider_model``); the router
(``backend.providers``) decides who answers and carries a cut answer on to the next provider.
Here its items become what the page sees and the store keeps:

- ``ChatDelta`` → the accumulator, a ``stream_chunk`` (with its offset, ``_live``, and its
  token probabilities when the conversation asked for them), the prompt's reading progress
  and the time spent thinking, as before.
- ``Answering`` → the message records who writes it (``provider_id``, ``provider_name``, the
  model); after a failover a ``stream_notice`` (``provider_failover``) says what happened, and
  the message keeps that note (``failover``) for the line under it and the export.
- ``Answering.fresh`` (the next provider cannot continue a cut answer) → the cut text stays as
  its own message, ``error`` with the note, and the fresh answer streams into a new sibling
  (``stream_round`` names it), so the first version is kept and marked.

Under a failover rule set to ``ask`` the answer pauses on a question to the page
(``_failover_ask``).

Only the local server gets a slot lease (and with it the slot cache rules); a remote provider
gets the prompt and the sampling values, nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from ..config import Settings
from ..contract import StreamNoticeEvent, StreamRoundEvent
from ..llama import ChatDelta, ChatMessage, LlamaCppAdapter
from ..providers import Answering, LocalStream, ProviderRouter
from ._failover_ask import FailoverQuestions
from ._generation import Generation
from ._live import chunk_event, progress_event
from ._slots import SlotManager
from ._store import ConversationStore
from ._views import EventSink, message_view

__all__ = ["RoutedStream"]

Held = Callable[[Sequence[ChatMessage]], list[ChatMessage]]
"""What a slot holds after an answer to the given prompt (prompt and answer)."""


class RoutedStream:
    """Streams one request of a generation through the router."""

    def __init__(
        self,
        router: ProviderRouter,
        *,
        adapter: LlamaCppAdapter,
        slots: SlotManager,
        store: ConversationStore,
        settings: Callable[[], Settings],
        emit: EventSink,
    ) -> None:
        self.router = router
        self.adapter = adapter
        self.slots = slots
        self.store = store
        self.settings = settings
        self.emit = emit
        self.questions = FailoverQuestions(emit)
        """The answers paused on a failover question (``ask`` rules)."""

    async def run(
        self,
        generation: Generation,
        prompt: list[ChatMessage],
        params: Mapping[str, Any],
        held: Held,
    ) -> None:
        """Stream the answer to ``prompt`` into ``generation``."""
        conversation = self.store.get_conversation(generation.conversation_id)
        local = self._local(generation.conversation_id, held)
        async with self.router.stream(
            conversation.provider_id,
            conversation.provider_model,
            prompt,
            params,
            local=local,
            ask=self.questions.asker(generation),
        ) as items:
            async for item in items:
                if isinstance(item, Answering):
                    self._answering(generation, item)
                else:
                    self._chunk(generation, item)

    def _local(self, conversation_id: str, held: Held) -> LocalStream:
        engine = self.settings().engine

        @asynccontextmanager
        async def local(
            messages: Sequence[ChatMessage], params: Mapping[str, Any]
        ) -> AsyncIterator[AsyncIterator[ChatDelta]]:
            async with self.slots.lease(conversation_id, messages) as lease:
                async with self.adapter.chat_stream(
                    messages,
                    params=params,
                    slot_id=lease.slot_id,
                    read_timeout=engine.request_timeout_s,
                    stall_timeout=engine.stall_timeout_s,
                ) as deltas:
                    yield deltas
                lease.holds(held(messages))

        return local

    def _answering(self, generation: Generation, item: Answering) -> None:
        route = item.route
        if item.fresh:
            self._fresh_branch(generation, item.note or "")
        generation.provider_id, generation.provider_name = route.provider_id, route.provider_name
        generation.provider_model = route.model
        if item.note is None:
            return
        generation.failover = item.note
        self.emit(
            StreamNoticeEvent(
                stream_id=generation.stream_id,
                conversation_id=generation.conversation_id,
                message_id=generation.message_id,
                kind="provider_failover",
                text=item.note,
                provider_id=route.provider_id,
                provider_name=route.provider_name,
            )
        )

    def _fresh_branch(self, generation: Generation, note: str) -> None:
        """Keep the cut text as its own marked message; go on in a new sibling."""
        cut = self.store.update_message(
            generation.message_id,
            content=generation.content(),
            status="error",
            error=note,
            failover=note,
            provider_id=generation.provider_id,
            provider_name=generation.provider_name,
            model=generation.provider_model,
        )
        fresh = self.store.add_message(
            cut.conversation_id, cut.parent_id, "assistant", status="streaming"
        )
        generation.message_id, generation.existing = fresh.id, ""
        generation.reset_answer()
        self.emit(
            StreamRoundEvent(
                stream_id=generation.stream_id,
                conversation_id=generation.conversation_id,
                message=message_view(self.store, cut),
                next_message=message_view(self.store, fresh),
            )
        )

    def _chunk(self, generation: Generation, delta: ChatDelta) -> None:
        generation.time_thinking(delta)
        generation.accumulator.add(delta)
        if delta.progress is not None:
            self.emit(progress_event(generation, delta.progress))
        if delta.content or delta.reasoning:
            generation.dirty = True
            probs = delta.probs if generation.keep_probs else ()
            self.emit(chunk_event(generation, delta.content, delta.reasoning, probs))
