"""Running one generation: from its prompt to its final state, stored and told to the page.

The runner leases a slot for the prompt, asks llama-server for the answer (streamed, or whole
when nobody watches), and reports through the event sink: ``StreamChunkEvent`` per delta, then
exactly one ``StreamEndEvent`` (complete or stopped) or ``StreamErrorEvent`` (partial text kept).

- **Never lose a word.** While streaming, the partial answer is flushed to the store every
  ``flush_interval_s`` (0.25 s, half the 500 ms promise), and the final state is written however
  the generation ends: complete, stopped, failed, the server dying, or the app shutting down.
- **Context overflow is loud.** If the prompt does not fit a slot, the answer fails with
  ``ContextOverflow`` naming both sizes and the way out, unless ``behaviour.drop_oldest_turns``
  is on: then the oldest turns are dropped until it fits.
- After an answer the slot holds its prompt and the answer; the lease is told so, which is what
  a saved slot cache is later matched against.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import anyio

from ..config import Settings
from ..contract import (
    MessageStatus,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
    bridge_error,
)
from ..errors import ContextOverflow, InternalError, LlamaDeskError
from ..llama import ChatDelta, ChatMessage, LlamaCppAdapter
from ._generation import Generation
from ._prompt import cut_echo, drop_oldest_turn, sampling_params
from ._records import MessageRecord
from ._slots import SlotManager
from ._store import ConversationStore
from ._views import EventSink, message_view

__all__ = ["GenerationRunner"]

log = logging.getLogger(__name__)


class GenerationRunner:
    """Runs generations against one server and store; one call of :meth:`run` per answer."""

    def __init__(
        self,
        store: ConversationStore,
        adapter: LlamaCppAdapter,
        slots: SlotManager,
        settings: Callable[[], Settings],
        emit: EventSink,
        *,
        answered: Callable[[str], None],
        flush_interval_s: float,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.slots = slots
        self.settings = settings
        self.emit = emit
        self.answered = answered
        """Called with the conversation id once an answer that did not fail is stored."""
        self.flush_interval_s = flush_interval_s

    async def run(self, generation: Generation) -> None:
        """Generate the answer, flushing it meanwhile, then store and report how it ended.

        Cancelling ``generation.scope`` stops it (stored as ``cancelled``); so does cancelling
        the caller, after which the cancellation goes on.
        """
        status: MessageStatus = "cancelled"
        try:
            async with anyio.create_task_group() as flushing:
                if generation.emit:
                    flushing.start_soon(self._flush_periodically, generation)
                status = await self._outcome(generation)
                flushing.cancel_scope.cancel()
        finally:
            self._finish(generation, status)

    async def _outcome(self, generation: Generation) -> MessageStatus:
        try:
            with generation.scope:
                await self._generate(generation)
                return "complete"
            return "cancelled"
        except LlamaDeskError as exc:
            generation.failure = exc
        except Exception as exc:
            log.exception("generation failed")
            generation.failure = InternalError("The answer failed unexpectedly.", detail=repr(exc))
        return "error"

    async def _generate(self, generation: Generation) -> None:
        prompt = generation.prompt
        settings = self.settings()
        params = sampling_params(
            self.store.get_conversation(generation.conversation_id).params, settings.generation
        )
        while True:
            try:
                async with self.slots.lease(generation.conversation_id, prompt) as lease:
                    if generation.emit:
                        await self._stream(generation, prompt, params, lease.slot_id)
                    else:
                        await self._complete(generation, prompt, params, lease.slot_id)
                    answer: ChatMessage = {"role": "assistant", "content": generation.content()}
                    held = prompt[:-1] if generation.existing else prompt
                    lease.holds([*held, answer])
                return
            except ContextOverflow:
                shorter = drop_oldest_turn(prompt) if settings.behaviour.drop_oldest_turns else None
                if shorter is None:
                    raise
                prompt = shorter

    async def _complete(
        self,
        generation: Generation,
        prompt: list[ChatMessage],
        params: dict[str, float | int],
        slot_id: int | None,
    ) -> None:
        result = await self.adapter.chat(
            prompt,
            params=params,
            slot_id=slot_id,
            read_timeout=self.settings().engine.request_timeout_s,
        )
        generation.accumulator.add(
            ChatDelta(
                content=result.content,
                reasoning=result.reasoning,
                usage=result.usage,
                timings=result.timings,
                model=result.model,
            )
        )

    async def _stream(
        self,
        generation: Generation,
        prompt: list[ChatMessage],
        params: dict[str, float | int],
        slot_id: int | None,
    ) -> None:
        echo = generation.existing
        engine = self.settings().engine
        async with self.adapter.chat_stream(
            prompt,
            params=params,
            slot_id=slot_id,
            read_timeout=engine.request_timeout_s,
            stall_timeout=engine.stall_timeout_s,
        ) as deltas:
            async for delta in deltas:
                content = delta.content
                if echo:
                    content, echo = cut_echo(content, echo)
                generation.accumulator.add(replace(delta, content=content))
                if content or delta.reasoning:
                    generation.dirty = True
                    self.emit(
                        StreamChunkEvent(
                            stream_id=generation.stream_id,
                            conversation_id=generation.conversation_id,
                            message_id=generation.message_id,
                            content=content,
                            reasoning=delta.reasoning,
                        )
                    )

    async def _flush_periodically(self, generation: Generation) -> None:
        while True:
            await anyio.sleep(self.flush_interval_s)
            self._flush(generation)

    def _flush(self, generation: Generation) -> None:
        if not generation.dirty:
            return
        generation.dirty = False
        try:
            self.store.update_message(
                generation.message_id,
                content=generation.content(),
                reasoning="".join(generation.accumulator.reasoning),
            )
        except LlamaDeskError as exc:
            log.warning("Could not flush a streaming answer: %s", exc.message)

    def _finish(self, generation: Generation, status: MessageStatus) -> None:
        """Store the final state, tell the page, then :attr:`answered`. Runs on every path."""
        result = generation.accumulator.result()
        error = generation.failure
        generation.final = self.store.update_message(
            generation.message_id,
            content=generation.content(),
            reasoning=result.reasoning,
            status=status,
            error=error.message if error else None,
            timings=result.timings,
            usage=result.usage,
            model=Path(result.model).name if result.model else None,
        )
        if generation.final.model:
            self.store.update_conversation(
                generation.conversation_id, model=generation.final.model, touch=False
            )
        if generation.emit:
            self._emit_end(generation, generation.final, error)
        if status != "error":
            self.answered(generation.conversation_id)

    def _emit_end(
        self, generation: Generation, final: MessageRecord, error: LlamaDeskError | None
    ) -> None:
        message = message_view(self.store, final)
        if error is None:
            self.emit(
                StreamEndEvent(
                    stream_id=generation.stream_id,
                    conversation_id=generation.conversation_id,
                    message=message,
                )
            )
            return
        self.emit(
            StreamErrorEvent(
                stream_id=generation.stream_id,
                conversation_id=generation.conversation_id,
                message=message,
                error=bridge_error(error),
            )
        )
