"""Running one generation: from its prompt to its final state, stored and told to the page.

Long because: one answer's whole life (request, tool rounds, flushes, the final store and
event) reads top to bottom here; streaming and routing already live in ``_routed``.

The runner leases a slot for the prompt, asks llama-server for the answer (streamed, or whole
when nobody watches), and reports through the event sink: ``StreamChunkEvent`` per delta, then
exactly one ``StreamEndEvent`` (complete or stopped) or ``StreamErrorEvent`` (partial text kept).

- **Never lose a word.** While streaming, the partial answer is flushed to the store every
  ``flush_interval_s`` (0.25 s, half the 500 ms promise), and the final state is written however
  the generation ends: complete, stopped, failed, the server dying, or the app shutting down.
- **Context overflow is loud.** If the prompt does not fit a slot, the answer fails with
  ``ContextOverflow`` naming both sizes and the way out, unless ``behaviour.drop_oldest_turns``
  is on: then the oldest turns are dropped until it fits.
- **Say why it stopped.** ``explain`` may reword an answer's error by its cause: an answer cut
  off because an RPC worker went away names that worker.
- **While it streams** each chunk says where it starts in the message's text (``_live``), and
  the prompt's reading progress goes to the page before the first token.
- After an answer the slot holds its prompt and the answer; the lease is told so, which is what
  a saved slot cache is later matched against.
- **Images.** Before the first request, a branch with images gets them as pictures when the
  model answering sees them (``_images``); otherwise the prompt names them, with a note.
- **Tools.** A streamed answer offers the enabled tools (``_tool_offer``) when the chat template
  can take them, and says so (``stream_notice``) when it cannot. When the model calls tools,
  the round is settled (``_tool_round``), the message is stored complete with its calls, and the
  answer goes on in a new child message (``stream_round``), up to ``tools.max_rounds`` rounds;
  the request after the last one goes without tools. The slot is leased per request, never
  while a call waits for the user. An enabled server that cannot be reached is named in a
  notice (``tool_server_unavailable``) and the answer goes on with the others' tools.
- **Providers.** A streamed answer goes through the provider router (``_routed``): the
  conversation's provider answers, and its failover list takes over when it cannot; the message
  records who wrote it. An answer nobody watches goes to the local server.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from ..config import Settings
from ..contract import (
    LOCAL_PROVIDER_ID,
    MessageStatus,
    StreamEndEvent,
    StreamErrorEvent,
    StreamNoticeEvent,
    StreamNoticeKind,
    StreamRoundEvent,
    ToolCallInfo,
    bridge_error,
)
from ..errors import ContextOverflow, InternalError, LlamaDeskError, ServerError
from ..llama import (
    ChatAccumulator,
    ChatDelta,
    ChatMessage,
    LlamaCppAdapter,
    ToolCall,
    ToolCallDelta,
)
from ..providers import LOCAL_NAME, ManagedServer, ProviderRouter
from ._branch_prompt import branch_prompt, seen_branch_prompt
from ._generation import Generation
from ._images import PromptImages
from ._prompt import (
    answer_options,
    assistant_turn,
    drop_oldest_turn,
    sampling_params,
    tools_as_text,
)
from ._records import MessageRecord
from ._routed import RoutedStream
from ._slots import SlotManager
from ._store import ConversationStore
from ._tool_offer import ToolOffer, template_caps
from ._tool_round import Approvals, ToolRound
from ._views import EventSink, message_view

if TYPE_CHECKING:
    from ..tools import ToolManager

__all__ = ["Explain", "GenerationRunner"]

Explain = Callable[[LlamaDeskError], Awaitable[LlamaDeskError]]
"""An answer's error reworded by what caused it (``WorkerPool.lost_error``)."""

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
        tools: ToolManager | None = None,
        approvals: Approvals | None = None,
        explain: Explain | None = None,
        router: ProviderRouter | None = None,
        images: PromptImages | None = None,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.slots = slots
        self.settings = settings
        self.emit = emit
        self.answered = answered
        """Called with the conversation id once an answer that did not fail is stored."""
        self.flush_interval_s = flush_interval_s
        self.tools = tools
        self.approvals = approvals or Approvals()
        self.explain = explain
        """Rewords an answer's error with what caused it (an RPC worker that went away)."""
        router = router or ProviderRouter(
            ManagedServer(adapter, lambda: settings().engine), dict, list
        )
        self.routed = RoutedStream(
            router, adapter=adapter, slots=slots, store=store, settings=settings, emit=emit
        )
        """Streamed answers go through the provider router (failover included)."""
        self.images = images
        """Puts a prompt's images in for a model that sees them (None: they are named)."""

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
            if self.explain is not None:
                with anyio.CancelScope(shield=True):
                    generation.failure = await self.explain(exc)
        except Exception as exc:
            log.exception("generation failed")
            generation.failure = InternalError("The answer failed unexpectedly.", detail=repr(exc))
        return "error"

    async def _generate(self, generation: Generation) -> None:
        settings = self.settings()
        conversation = self.store.get_conversation(generation.conversation_id)
        params = {
            **sampling_params(conversation.params, settings.generation),
            **answer_options(conversation.options, streamed=generation.emit),
        }
        generation.keep_probs = conversation.options.token_probs > 0
        await self._see(generation)
        offer = await self._offer(generation)
        rounds = 0
        while True:
            offered = offer if rounds < settings.tools.max_rounds else None
            if offer is not None and offered is None:
                limit = settings.tools.max_rounds
                self._notice(
                    generation,
                    "tool_round_limit",
                    f"This answer reached the limit of {limit} tool rounds "
                    "(Settings → Tools); the model was asked to answer without tools.",
                )
            await self._request(generation, {**params, **(offered.params() if offered else {})})
            calls = generation.accumulator.result().tool_calls
            if not calls or self.tools is None:
                return
            rounds += 1
            await ToolRound(self.store, self.tools, self.approvals, self.emit).run(
                generation, calls, offered
            )
            if offered is None:
                return
            self._next_round(generation)
            await self._see(generation)

    async def _request(self, generation: Generation, params: dict[str, Any]) -> None:
        prompt = generation.prompt
        drop_oldest = self.settings().behaviour.drop_oldest_turns
        while True:
            try:
                if generation.emit:
                    await self.routed.run(
                        generation, prompt, params, lambda sent: self._held(generation, sent)
                    )
                    return
                async with self.slots.lease(generation.conversation_id, prompt) as lease:
                    await self._complete(generation, prompt, params, lease.slot_id)
                    lease.holds(self._held(generation, prompt))
                return
            except ContextOverflow:
                shorter = drop_oldest_turn(prompt) if drop_oldest else None
                if shorter is None:
                    raise
                prompt = shorter

    @staticmethod
    def _held(generation: Generation, sent: Sequence[ChatMessage]) -> list[ChatMessage]:
        """What the slot holds after answering ``sent``: the prompt (its prefill folded into
        the answer) and the answer."""
        calls = _infos(generation.accumulator.result().tool_calls)
        answer = assistant_turn(generation.content(), calls)[0] if calls else None
        answer = answer or {"role": "assistant", "content": generation.content()}
        prompt = list(sent)
        if prompt and prompt[-1]["role"] == "assistant" and not prompt[-1].get("tool_calls"):
            prompt = prompt[:-1]
        return [*prompt, answer]

    async def _see(self, generation: Generation) -> None:
        """The prompt with its images as pictures, when the model answering sees them."""
        if self.images is None or not self.images.attachments.parts.has_images(
            generation.conversation_id
        ):
            return
        seen = await seen_branch_prompt(
            self.store,
            generation.message_id,
            self.settings().generation,
            self.images,
            continuing=generation.continuing,
        )
        if seen is not None:
            generation.prompt = seen

    async def _offer(self, generation: Generation) -> ToolOffer | None:
        """The tools to offer with this answer, or None (none enabled, not streamed, or the
        chat template cannot take them: then the page is told, and earlier tool calls in the
        prompt are written as text, which any template takes)."""
        enabled = self.tools is not None and any(s.enabled for s in self.tools.servers().servers)
        earlier = any(m.get("tool_calls") for m in generation.prompt)
        if not generation.emit or not (enabled or earlier):
            return None
        try:
            supports, parallel = template_caps(await self.adapter.props())
        except ServerError:
            supports, parallel = None, False  # the request itself will say what is wrong
        if supports is False:
            generation.prompt = tools_as_text(generation.prompt)
            if enabled:
                self._notice(
                    generation,
                    "tools_unsupported",
                    "Tools are enabled, but this model's chat template cannot take them, so "
                    "none were sent. A model's settings can name a chat template that can.",
                )
            return None
        if self.tools is None or not enabled:
            return None
        offered = await self.tools.offered()
        for server in offered.unavailable:
            self._notice(
                generation,
                "tool_server_unavailable",
                server.notice,
                server_id=server.server_id,
                server_name=server.name,
                reason=server.reason,
            )
        if not offered.tools:
            return None
        names = {tool.server_id: self.tools.server(tool.server_id).name for tool in offered.tools}
        return ToolOffer.of(offered.tools, names, parallel=parallel)

    def _next_round(self, generation: Generation) -> None:
        """Store the message that called tools as complete; go on in a new child message."""
        done = self._store_final(generation, "complete")
        answer = self.store.add_message(
            generation.conversation_id, done.id, "assistant", status="streaming"
        )
        generation.prompt = branch_prompt(self.store, answer.id, self.settings().generation)
        generation.message_id, generation.existing = answer.id, ""
        generation.continuing = False
        generation.accumulator, generation.dirty = ChatAccumulator(), False
        generation.probs_before, generation.reasoning_ms = (), None
        self.emit(
            StreamRoundEvent(
                stream_id=generation.stream_id,
                conversation_id=generation.conversation_id,
                message=message_view(self.store, done),
                next_message=message_view(self.store, answer),
            )
        )

    def _notice(
        self, generation: Generation, kind: StreamNoticeKind, text: str, **about: str
    ) -> None:
        self.emit(
            StreamNoticeEvent(
                stream_id=generation.stream_id,
                conversation_id=generation.conversation_id,
                message_id=generation.message_id,
                kind=kind,
                text=text,
                **about,
            )
        )

    async def _complete(
        self,
        generation: Generation,
        prompt: list[ChatMessage],
        params: dict[str, Any],
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
                tool_calls=tuple(
                    ToolCallDelta(n, c.id, c.name, c.arguments)
                    for n, c in enumerate(result.tool_calls)
                ),
                usage=result.usage,
                timings=result.timings,
                model=result.model,
                probs=result.probs,
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

    def _store_final(self, generation: Generation, status: MessageStatus) -> MessageRecord:
        result = generation.accumulator.result()
        error = generation.failure
        return self.store.update_message(
            generation.message_id,
            content=generation.content(),
            reasoning=result.reasoning,
            status=status,
            error=error.message if error else None,
            timings=result.timings,
            usage=result.usage,
            model=_model_name(generation, result.model),
            provider_id=generation.provider_id or LOCAL_PROVIDER_ID,
            provider_name=generation.provider_name or LOCAL_NAME,
            failover=generation.failover,
            probs=generation.probs(),
            reasoning_ms=generation.reasoning_ms,
        )

    def _finish(self, generation: Generation, status: MessageStatus) -> None:
        """Store the final state, tell the page, then :attr:`answered`. Runs on every path."""
        error = generation.failure
        generation.final = self._store_final(generation, status)
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


def _model_name(generation: Generation, reported: str | None) -> str | None:
    """The model that wrote the answer: a remote provider's as chosen, the local file's name."""
    if generation.provider_id not in (None, LOCAL_PROVIDER_ID):
        return generation.provider_model
    return Path(reported).name if reported else None


def _infos(calls: tuple[ToolCall, ...]) -> list[ToolCallInfo]:
    return [ToolCallInfo(id=c.id, name=c.name, arguments=c.arguments) for c in calls]
