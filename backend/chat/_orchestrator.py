"""The chat orchestrator: commands in, answers streamed out, every word stored.

All methods run on one event loop (the bridge's background thread). A generation runs as a task
in the orchestrator's task group and reports through the ``sink`` given at construction:
``StreamChunkEvent`` per delta, then exactly one ``StreamEndEvent`` (complete or stopped) or
``StreamErrorEvent`` (partial text kept). The commands that start one return at once, after the
user message and an empty ``streaming`` assistant message are stored, so the page can draw both.

Rules this module keeps:

- **Never lose a word.** The partial answer is flushed to the store every ``flush_interval_s``
  (0.25 s, half the 500 ms promise) while streaming, and the final state is written however the
  generation ends: complete, stopped, failed, the server dying, or the app shutting down.
- **One generation per conversation** (``Conflict`` otherwise); conversations in parallel share
  the server's slots through :class:`SlotManager`, waiting when all are busy.
- **Context overflow is loud.** If the prompt does not fit a slot, the answer fails with
  ``ContextOverflow`` naming both sizes and the way out, unless
  ``behaviour.drop_oldest_turns`` is on: then the oldest turns are dropped until it fits.
- **Branches, not overwrites.** Regenerate and edit add siblings; continue appends to an answer.
  llama-server echoes the assistant prefill at the start of a continued answer; the echo is cut.
- The prompt is the active branch up to the answer, after the conversation's system prompt
  (falling back to the global one); sampling parameters are the conversation's ``params`` over
  the global ``GenerationSettings``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup

from ..config import Settings
from ..contract import (
    BridgeEvent,
    Conversation,
    ConversationSummary,
    ConversationUpdatedEvent,
    ExportResult,
    ImportResult,
    Message,
    MessageStatus,
    SearchHit,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
    StreamStarted,
    bridge_error,
)
from ..errors import (
    Conflict,
    ContextOverflow,
    InternalError,
    InvalidArgument,
    LlamaDeskError,
    ServerError,
)
from ..llama import ChatAccumulator, ChatDelta, LlamaCppAdapter
from ._export import export_filename, export_json, export_markdown, import_json
from ._records import MessageRecord, new_id
from ._slots import SlotManager
from ._store import ConversationStore
from ._tree import MessageTree

__all__ = ["ChatOrchestrator", "derive_title"]

log = logging.getLogger(__name__)

_SAMPLING_KEYS = ("temperature", "top_k", "top_p", "min_p", "max_tokens", "repeat_penalty", "seed")
_TITLE_CHARS = 48


@dataclass(eq=False)
class _Generation:
    """One answer being generated."""

    stream_id: str
    conversation_id: str
    message_id: str
    prompt: list[dict[str, Any]]
    existing: str = ""
    """Text the answer already had (continue); the server's echo of it is cut."""
    emit: bool = True
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    flusher: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    done: anyio.Event = field(default_factory=anyio.Event)
    accumulator: ChatAccumulator = field(default_factory=ChatAccumulator)
    dirty: bool = False
    failure: LlamaDeskError | None = None
    final: MessageRecord | None = None

    def content(self) -> str:
        return self.existing + "".join(self.accumulator.content)


class ChatOrchestrator:
    """Conversations, generations and prompt caches behind the bridge's chat commands.

    Use as ``async with ChatOrchestrator(...) as chat:``; leaving the block stops running
    generations (stored as ``cancelled``) and saves the slot caches.
    """

    def __init__(
        self,
        store: ConversationStore,
        adapter: LlamaCppAdapter,
        sink: Callable[[BridgeEvent], None],
        settings: Callable[[], Settings],
        *,
        slots: SlotManager | None = None,
        flush_interval_s: float = 0.25,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.sink = sink
        self.settings = settings
        self.slots = slots or SlotManager(adapter, store, slot_dir=None)
        self.flush_interval_s = flush_interval_s
        self._active: dict[str, _Generation] = {}
        self._stack = AsyncExitStack()
        self._tasks: TaskGroup | None = None

    async def __aenter__(self) -> ChatOrchestrator:
        self._tasks = await self._stack.enter_async_context(anyio.create_task_group())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with anyio.CancelScope(shield=True):
            await self.aclose()
        await self._stack.__aexit__(exc_type, exc, tb)

    async def aclose(self) -> None:
        """Stop every generation (stored as cancelled), then save the slot caches."""
        running = list(self._active.values())
        for generation in running:
            generation.scope.cancel()
        for generation in running:
            await generation.done.wait()
        with anyio.move_on_after(30):
            try:
                await self.slots.save_all()
            except ServerError as exc:
                log.warning("Could not save slot caches at shutdown: %s", exc.message)

    def is_generating(self, conversation_id: str) -> bool:
        """Whether an answer is being generated in this conversation."""
        return conversation_id in self._active

    # -- conversations ----------------------------------------------------------------------

    async def create_conversation(self, title: str | None = None) -> Conversation:
        """A new, empty conversation."""
        record = self.store.create_conversation(title)
        return await self.get_conversation(record.id)

    async def list_conversations(self) -> list[ConversationSummary]:
        """Every conversation, pinned first, then most recently updated."""
        return self.store.list_conversations()

    async def get_conversation(self, conversation_id: str) -> Conversation:
        """A conversation with its active branch, root first, siblings filled in."""
        record = self.store.get_conversation(conversation_id)
        tree = MessageTree(self.store.messages(conversation_id))
        summary = self.store.summary(conversation_id)
        return Conversation(
            **summary.model_dump(),
            system_prompt=record.system_prompt,
            params=record.params,
            messages=[
                m.to_contract(tree.sibling_ids(m)) for m in tree.branch(record.active_leaf_id)
            ],
        )

    async def rename(self, conversation_id: str, title: str) -> ConversationSummary:
        """Give a conversation a title (no automatic title afterwards)."""
        title = title.strip()
        if not title:
            raise InvalidArgument("A title cannot be empty.")
        self.store.update_conversation(conversation_id, title=title, title_pending=False)
        return self.store.summary(conversation_id)

    async def pin(self, conversation_id: str, pinned: bool) -> ConversationSummary:
        """Pin or unpin a conversation."""
        self.store.update_conversation(conversation_id, pinned=pinned, touch=False)
        return self.store.summary(conversation_id)

    async def delete_conversation(self, conversation_id: str) -> bool:
        """Delete a conversation (stopping its generation first); False if it did not exist."""
        await self.stop(conversation_id)
        await self.slots.forget(conversation_id)
        return self.store.delete_conversation(conversation_id)

    async def clear_conversation(self, conversation_id: str) -> Conversation:
        """Delete every message of a conversation."""
        self._ensure_idle(conversation_id)
        await self.slots.forget(conversation_id)
        self.store.clear_conversation(conversation_id)
        return await self.get_conversation(conversation_id)

    async def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over titles and messages, best first."""
        return self.store.search(query, limit)

    async def export(
        self, conversation_ids: list[str] | None = None, format: str = "json"
    ) -> ExportResult:
        """Export conversations (all when None) as lossless JSON or readable Markdown."""
        ids = conversation_ids or [c.id for c in self.store.list_conversations()]
        for conversation_id in ids:
            self.store.get_conversation(conversation_id)
        title = self.store.get_conversation(ids[0]).title if len(ids) == 1 else "conversations"
        if format == "json":
            content = export_json(self.store, ids)
            return ExportResult(
                format="json", filename=export_filename(title, "json"), content=content
            )
        if format == "markdown":
            branches = {}
            for conversation_id in ids:
                record = self.store.get_conversation(conversation_id)
                tree = MessageTree(self.store.messages(conversation_id))
                branches[conversation_id] = tree.branch(record.active_leaf_id)
            content = export_markdown(self.store, branches)
            return ExportResult(
                format="markdown", filename=export_filename(title, "md"), content=content
            )
        raise InvalidArgument(f"Unknown export format {format!r}; use json or markdown.")

    async def import_(self, data: str | dict[str, Any]) -> ImportResult:
        """Import a JSON export; all or nothing; never overwrites."""
        return ImportResult(conversation_ids=import_json(self.store, data))

    # -- messages ---------------------------------------------------------------------------

    async def handle_user_message(self, conversation_id: str, content: str) -> Message:
        """Send a message and wait for the whole answer (no stream events)."""
        generation = self._new_turn(conversation_id, content, emit=False)
        self._start(generation)
        await generation.done.wait()
        if generation.failure is not None:
            raise generation.failure
        assert generation.final is not None
        return self._view(generation.final)

    async def handle_user_message_stream(self, conversation_id: str, content: str) -> StreamStarted:
        """Send a message; the answer streams to the sink. Returns once both are stored."""
        generation = self._new_turn(conversation_id, content, emit=True)
        user_id = self.store.get_message(generation.message_id).parent_id
        assert user_id is not None
        return self._start(generation, user_message=self.store.get_message(user_id))

    async def stop(self, conversation_id: str) -> bool:
        """Stop the conversation's generation; True if one was running. Its text is kept."""
        generation = self._active.get(conversation_id)
        if generation is None:
            return False
        generation.scope.cancel()
        await generation.done.wait()
        return True

    async def regenerate(self, message_id: str) -> StreamStarted:
        """A new answer to the same prompt, as a sibling of ``message_id`` (an answer)."""
        message = self.store.get_message(message_id)
        if message.role != "assistant" or message.parent_id is None:
            raise InvalidArgument("Only an answer can be regenerated.")
        self._ensure_idle(message.conversation_id)
        answer = self.store.add_message(
            message.conversation_id, message.parent_id, "assistant", status="streaming"
        )
        return self._start(self._generation_for(answer))

    async def edit(self, message_id: str, content: str) -> StreamStarted:
        """A new version of a user message, as a sibling, and a new answer to it."""
        message = self.store.get_message(message_id)
        if message.role != "user":
            raise InvalidArgument("Only your own messages can be edited.")
        _require_text(content)
        self._ensure_idle(message.conversation_id)
        user = self.store.add_message(message.conversation_id, message.parent_id, "user", content)
        answer = self.store.add_message(
            message.conversation_id, user.id, "assistant", status="streaming"
        )
        return self._start(self._generation_for(answer), user_message=user)

    async def continue_(self, message_id: str) -> StreamStarted:
        """Continue an answer that was cut short; new text is appended to it."""
        message = self.store.get_message(message_id)
        if message.role != "assistant":
            raise InvalidArgument("Only an answer can be continued.")
        self._ensure_idle(message.conversation_id)
        self.store.update_message(message_id, status="streaming", error=None)
        self.store.update_conversation(
            message.conversation_id, active_leaf_id=message_id, touch=False
        )
        generation = self._generation_for(self.store.get_message(message_id), continuing=True)
        return self._start(generation)

    async def select_branch(self, message_id: str) -> Conversation:
        """Show the branch through ``message_id`` (ending at its newest descendant)."""
        message = self.store.get_message(message_id)
        tree = MessageTree(self.store.messages(message.conversation_id))
        self.store.update_conversation(
            message.conversation_id, active_leaf_id=tree.latest_leaf(message_id), touch=False
        )
        return await self.get_conversation(message.conversation_id)

    async def delete_message(self, message_id: str) -> Conversation:
        """Delete a message and everything below it."""
        message = self.store.get_message(message_id)
        conversation_id = message.conversation_id
        self._ensure_idle(conversation_id)
        tree = MessageTree(self.store.messages(conversation_id))
        leaf = self.store.get_conversation(conversation_id).active_leaf_id
        shown = {m.id for m in tree.branch(leaf)} if leaf else set()
        self.store.delete_subtree(message_id)
        if message_id in shown:  # the active branch lost its tail
            remaining = MessageTree(self.store.messages(conversation_id))
            self.store.update_conversation(
                conversation_id, active_leaf_id=remaining.latest_leaf(message.parent_id)
            )
        return await self.get_conversation(conversation_id)

    # -- generation -------------------------------------------------------------------------

    def _ensure_idle(self, conversation_id: str) -> None:
        if conversation_id in self._active:
            raise Conflict(
                "This conversation is already generating an answer; stop it or wait for it."
            )

    def _new_turn(self, conversation_id: str, content: str, *, emit: bool) -> _Generation:
        _require_text(content)
        record = self.store.get_conversation(conversation_id)
        self._ensure_idle(conversation_id)
        tree = MessageTree(self.store.messages(conversation_id))
        parent = tree.branch(record.active_leaf_id)[-1].id if tree.by_id else None
        user = self.store.add_message(conversation_id, parent, "user", content)
        answer = self.store.add_message(conversation_id, user.id, "assistant", status="streaming")
        generation = self._generation_for(answer)
        generation.emit = emit
        return generation

    def _generation_for(self, answer: MessageRecord, *, continuing: bool = False) -> _Generation:
        record = self.store.get_conversation(answer.conversation_id)
        branch = MessageTree(self.store.messages(answer.conversation_id)).branch(answer.id)
        settings = self.settings().generation
        system = (
            record.system_prompt if record.system_prompt is not None else settings.system_prompt
        )
        prompt = [{"role": "system", "content": system}] if system else []
        history = branch if continuing else branch[:-1]
        prompt += [
            {"role": m.role, "content": m.content} for m in history if m.content or m is branch[-1]
        ]
        return _Generation(
            stream_id=new_id(),
            conversation_id=answer.conversation_id,
            message_id=answer.id,
            prompt=prompt,
            existing=answer.content if continuing else "",
        )

    def _start(
        self, generation: _Generation, user_message: MessageRecord | None = None
    ) -> StreamStarted:
        if self._tasks is None:
            raise InternalError("The chat orchestrator is not running (use it with 'async with').")
        self._active[generation.conversation_id] = generation
        self._tasks.start_soon(self._run, generation)
        if generation.emit:
            self._tasks.start_soon(self._flush_periodically, generation)
        return StreamStarted(
            stream_id=generation.stream_id,
            conversation_id=generation.conversation_id,
            user_message=self._view(user_message) if user_message else None,
            assistant_message=self._view(self.store.get_message(generation.message_id)),
        )

    def _view(self, message: MessageRecord) -> Message:
        tree = MessageTree(self.store.messages(message.conversation_id))
        return message.to_contract(tree.sibling_ids(message))

    def _params(self, conversation_id: str) -> dict[str, Any]:
        """Sampling parameters to send: the conversation's, else the settings'; a value set in
        neither is left out, so llama-server's own default applies."""
        defaults = self.settings().generation.model_dump()
        overrides = self.store.get_conversation(conversation_id).params
        params: dict[str, Any] = {}
        for key in _SAMPLING_KEYS:
            value = overrides.get(key)
            value = defaults[key] if value is None else value
            if value is not None:
                params[key] = value
        return params

    async def _run(self, generation: _Generation) -> None:
        status: MessageStatus = "cancelled"
        try:
            with generation.scope:
                await self._generate(generation)
                status = "complete"
            if generation.scope.cancelled_caught:
                status = "cancelled"
        except LlamaDeskError as exc:
            status, generation.failure = "error", exc
        except Exception as exc:
            log.exception("generation failed")
            status = "error"
            generation.failure = InternalError("The answer failed unexpectedly.", detail=repr(exc))
        finally:
            self._finish(generation, status)

    async def _generate(self, generation: _Generation) -> None:
        prompt = generation.prompt
        settings = self.settings()
        params = self._params(generation.conversation_id)
        while True:
            try:
                async with self.slots.lease(generation.conversation_id, prompt) as lease:
                    if generation.emit:
                        await self._stream(generation, prompt, params, lease.slot_id)
                    else:
                        result = await self.adapter.chat(
                            prompt,
                            params=params,
                            slot_id=lease.slot_id,
                            read_timeout=settings.engine.request_timeout_s,
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
                    answer = {"role": "assistant", "content": generation.content()}
                    held = prompt[:-1] if generation.existing else prompt
                    lease.holds([*held, answer])
                return
            except ContextOverflow:
                shorter = (
                    _drop_oldest_turn(prompt) if settings.behaviour.drop_oldest_turns else None
                )
                if shorter is None:
                    raise
                prompt = shorter

    async def _stream(
        self,
        generation: _Generation,
        prompt: list[dict[str, Any]],
        params: dict[str, Any],
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
                    content, echo = _cut_echo(content, echo)
                generation.accumulator.add(replace(delta, content=content))
                if content or delta.reasoning:
                    generation.dirty = True
                    self._emit(
                        StreamChunkEvent(
                            stream_id=generation.stream_id,
                            conversation_id=generation.conversation_id,
                            message_id=generation.message_id,
                            content=content,
                            reasoning=delta.reasoning,
                        )
                    )

    async def _flush_periodically(self, generation: _Generation) -> None:
        with generation.flusher:
            while True:
                await anyio.sleep(self.flush_interval_s)
                self._flush(generation)

    def _flush(self, generation: _Generation) -> None:
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

    def _finish(self, generation: _Generation, status: MessageStatus) -> None:
        """Store the final state, tell the page, release the conversation. Runs on every path."""
        generation.flusher.cancel()
        result = generation.accumulator.result()
        error = generation.failure
        try:
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
                self._auto_title(generation.conversation_id)
        finally:
            del self._active[generation.conversation_id]
            generation.done.set()

    def _emit_end(
        self, generation: _Generation, final: MessageRecord, error: LlamaDeskError | None
    ) -> None:
        message = self._view(final)
        if error is None:
            self._emit(
                StreamEndEvent(
                    stream_id=generation.stream_id,
                    conversation_id=generation.conversation_id,
                    message=message,
                )
            )
            return
        self._emit(
            StreamErrorEvent(
                stream_id=generation.stream_id,
                conversation_id=generation.conversation_id,
                message=message,
                error=bridge_error(error),
            )
        )

    def _auto_title(self, conversation_id: str) -> None:
        record = self.store.get_conversation(conversation_id)
        if not record.title_pending:
            return
        first = next((m for m in self.store.messages(conversation_id) if m.role == "user"), None)
        if first is None:
            return
        self.store.update_conversation(
            conversation_id, title=derive_title(first.content), title_pending=False
        )
        self._emit(ConversationUpdatedEvent(conversation=self.store.summary(conversation_id)))

    def _emit(self, event: BridgeEvent) -> None:
        try:
            self.sink(event)
        except Exception:
            log.exception("the event sink failed")


def derive_title(text: str) -> str:
    """A short title from the first user message: its first line, cut at a word boundary."""
    line = re.sub(r"\s+", " ", text.strip().splitlines()[0] if text.strip() else "").strip()
    if len(line) <= _TITLE_CHARS:
        return line or "New chat"
    cut = line[:_TITLE_CHARS].rsplit(" ", 1)[0] or line[:_TITLE_CHARS]
    return cut.rstrip(" ,.;:") + "…"


def _require_text(content: str) -> None:
    if not content.strip():
        raise InvalidArgument("A message cannot be empty.")


def _drop_oldest_turn(prompt: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """The prompt without its oldest user turn (and the answers to it); None if nothing is left."""
    start = 1 if prompt and prompt[0]["role"] == "system" else 0
    users = [i for i in range(start, len(prompt)) if prompt[i]["role"] == "user"]
    if len(users) < 2:
        return None
    return prompt[:start] + prompt[users[1] :]


def _cut_echo(content: str, echo: str) -> tuple[str, str]:
    """Remove the server's echo of a continued answer; returns (new content, echo still due)."""
    if content.startswith(echo):
        return content[len(echo) :], ""
    if echo.startswith(content):
        return "", echo[len(content) :]
    return content, ""
