"""The message queue: what the user typed while an answer streamed, sent after it in order.

A conversation's queue is part of its view (``Conversation.queue``) and changes are pushed as
``queue_changed`` events, so a second tab (or a reloaded page) shows the same list. The backend
sends the next queued message when an answer completes; an answer that failed or was stopped
pauses the queue (``paused``) until the user resumes it or sends one message by hand.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ._base import ID, Params, Wire

__all__ = [
    "MessageQueue",
    "QUEUE_MAX",
    "QueueMessageParams",
    "QueuePause",
    "QueuedMessage",
    "QueuedMessageRef",
    "UpdateQueuedMessageParams",
]

QUEUE_MAX = 50
"""The most messages one conversation's queue holds."""

_CONTENT = Field(
    min_length=1, max_length=2_000_000, description="The message's text (not only blanks)."
)

QueuePause = Literal["stopped", "error"]
"""Why a queue waits: its answer was stopped, or it failed."""


class QueuedMessage(Wire):
    """One message waiting in a conversation's queue."""

    id: str
    conversation_id: str
    content: str
    created_at: str


class MessageQueue(Wire):
    """A conversation's queued messages, next first, and whether the queue waits for the user."""

    @classmethod
    def empty(cls) -> MessageQueue:
        """The queue of a conversation where nothing waits."""
        return cls(messages=[])

    messages: list[QueuedMessage]
    paused: QueuePause | None = Field(
        None,
        description="Set while the queue waits: the last answer was stopped or failed; "
        "resume_queue goes on, send_queued_now sends one message and keeps it paused.",
    )
    error: str | None = Field(None, description="paused 'error': what the failed answer said.")


class QueueMessageParams(Params):
    """A message to send after the conversation's running answer (at once when none runs
    and the queue is not paused)."""

    conversation_id: str = ID
    content: str = _CONTENT

    @model_validator(mode="after")
    def _not_blank(self) -> QueueMessageParams:
        if not self.content.strip():
            raise ValueError("a queued message needs text")
        return self


class QueuedMessageRef(Params):
    """Names one queued message."""

    queued_id: str = ID


class UpdateQueuedMessageParams(QueuedMessageRef):
    """New text for a queued message, and/or its new place in the queue (0: next)."""

    content: str | None = Field(
        None, min_length=1, max_length=2_000_000, description="null keeps the text."
    )
    position: int | None = Field(
        None, ge=0, le=QUEUE_MAX - 1, description="null keeps its place; past the end: last."
    )

    @model_validator(mode="after")
    def _something(self) -> UpdateQueuedMessageParams:
        if self.content is None and self.position is None:
            raise ValueError("give the new content, the new position, or both")
        if self.content is not None and not self.content.strip():
            raise ValueError("a queued message needs text")
        return self
