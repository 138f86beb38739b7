"""One answer being generated, and the answers under way: at most one per conversation.

A :class:`Generation` is made when a command stores the user message and the empty
``streaming`` answer; it holds what is sent (the prompt), what came back so far, and how it
ended. :class:`Generations` knows which conversation is generating, refuses a second answer there
(``Conflict``), and stops one by cancelling its scope and waiting until its final state is stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import anyio

from ..contract import FailoverQuestion, PromptProgress, TokenProb
from ..errors import Conflict, LlamaDeskError
from ..llama import ChatAccumulator, ChatDelta, ChatMessage
from ._records import MessageRecord

__all__ = ["Generation", "Generations", "utf16_len"]


def utf16_len(text: str) -> int:
    """The length of ``text`` as JavaScript counts it (UTF-16 code units)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


@dataclass(eq=False)
class Generation:
    """One answer being generated."""

    stream_id: str
    conversation_id: str
    message_id: str
    prompt: list[ChatMessage]
    existing: str = ""
    """Text the answer already had (continue); the server's echo of it is cut."""
    continuing: bool = False
    """The prompt ends with the answer's text so far (continue, regenerate from a token)."""
    emit: bool = True
    """Stream events to the page (and flush partial text); False waits for the whole answer."""
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    done: anyio.Event = field(default_factory=anyio.Event)
    accumulator: ChatAccumulator = field(default_factory=ChatAccumulator)
    dirty: bool = False
    """New text since the last flush to the store."""
    failure: LlamaDeskError | None = None
    final: MessageRecord | None = None
    progress: PromptProgress | None = None
    """The last prompt progress while the prompt is read; None once text comes."""
    _sent: tuple[str, int, int] = field(default=("", 0, 0), init=False)
    """The message the chunks went to, and the UTF-16 length of its text and reasoning."""
    keep_probs: bool = False
    """The conversation asked for token probabilities: store them with the answer."""
    probs_before: tuple[TokenProb, ...] = ()
    """The probabilities of the text the answer already had (continue, regenerate from here)."""
    reasoning_ms: float | None = None
    """How long the model has thought so far (from its first reasoning delta to its first word)."""
    _thinking_since: float | None = None
    provider_id: str | None = None
    """The provider writing the answer now (``backend.providers``), its name and model."""
    provider_name: str | None = None
    provider_model: str | None = None
    failover: str | None = None
    """What happened when another provider took over, for the message to keep."""
    queue_hold: bool = False
    """A queued message was sent now in its place: the queue neither pauses nor goes on."""
    question: FailoverQuestion | None = None
    """The failover question the answer is paused on (an ``ask`` rule), for a page opening it."""

    def reset_answer(self) -> None:
        """Start the text over (a new message goes on with the answer)."""
        self.accumulator, self.dirty = ChatAccumulator(), False

    def content(self) -> str:
        """The answer's whole text so far, continued part included."""
        return self.existing + "".join(self.accumulator.content)

    def reasoning(self) -> str:
        """The answer's reasoning so far."""
        return "".join(self.accumulator.reasoning)

    def advance(self, content: str, reasoning: str) -> tuple[int, int]:
        """Count a chunk sent to the page; returns where its text and reasoning start.

        Offsets are in UTF-16 code units, as the page's JavaScript strings count, and start
        again at each message of the answer (a tool round goes on in a new one)."""
        message_id, text_at, reasoning_at = self._sent
        if message_id != self.message_id:
            text_at, reasoning_at = utf16_len(self.existing), 0
        self._sent = (
            self.message_id,
            text_at + utf16_len(content),
            reasoning_at + utf16_len(reasoning),
        )
        return text_at, reasoning_at

    def probs(self) -> tuple[TokenProb, ...] | None:
        """The answer's token probabilities so far, or None when none were asked for."""
        if not self.keep_probs:
            return None
        return (*self.probs_before, *self.accumulator.probs)

    def thinking(self) -> bool:
        """Whether the model is thinking now (reasoning came, and no word of the answer yet)."""
        return self._thinking_since is not None

    def time_thinking(self, delta: ChatDelta) -> None:
        """Count the time from the first reasoning delta until the first word of the answer."""
        now = time.monotonic()
        if delta.reasoning and self._thinking_since is None and self.reasoning_ms is None:
            self._thinking_since = now
        if self._thinking_since is not None:
            self.reasoning_ms = round((now - self._thinking_since) * 1000, 1)
            if delta.content or delta.tool_calls:
                self._thinking_since = None


class Generations:
    """The generations under way, by conversation."""

    def __init__(self) -> None:
        self._running: dict[str, Generation] = {}

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._running

    def __len__(self) -> int:
        return len(self._running)

    def running(self, conversation_id: str) -> Generation | None:
        """The conversation's generation under way, if any."""
        return self._running.get(conversation_id)

    def ensure_idle(self, conversation_id: str) -> None:
        """Raise ``Conflict`` if the conversation is generating an answer."""
        if conversation_id in self._running:
            raise Conflict(
                "This conversation is already generating an answer; stop it or wait for it."
            )

    def live(self, conversation_id: str) -> Generation | None:
        """The conversation's generation under way, if any."""
        return self._running.get(conversation_id)

    def add(self, generation: Generation) -> None:
        """Count ``generation`` as running in its conversation."""
        self._running[generation.conversation_id] = generation

    def finished(self, generation: Generation) -> None:
        """Release the conversation and wake whoever waits for ``generation``."""
        del self._running[generation.conversation_id]
        generation.done.set()

    async def stop(self, conversation_id: str) -> bool:
        """Stop the conversation's generation and wait for it; True if one was running."""
        generation = self._running.get(conversation_id)
        if generation is None:
            return False
        generation.scope.cancel()
        await generation.done.wait()
        return True

    async def stop_all(self) -> None:
        """Stop every generation and wait until each has stored its final state."""
        running = list(self._running.values())
        for generation in running:
            generation.scope.cancel()
        for generation in running:
            await generation.done.wait()
