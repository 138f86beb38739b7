"""Conversations and messages: what the chat commands take and answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ._attachments import Attachment, AttachmentChoice
from ._base import ID, Params, Wire, absent
from ._inspect import ConversationOptions, TokenProb
from ._live import LiveStream
from ._queue import MessageQueue
from ._tool_calls import ToolCallInfo

__all__ = [
    "Conversation",
    "ConversationRef",
    "ConversationSummary",
    "CreateConversationParams",
    "Deleted",
    "EditMessageParams",
    "ExportParams",
    "ExportResult",
    "ImportParams",
    "ImportResult",
    "ListConversationsParams",
    "Message",
    "MessageRef",
    "MessageRole",
    "MessageStatus",
    "PinConversationParams",
    "RenameConversationParams",
    "SearchHit",
    "SearchParams",
    "SendMessageParams",
    "Stopped",
    "StreamStarted",
    "Timings",
]


MessageRole = Literal["system", "user", "assistant"]


MessageStatus = Literal["streaming", "complete", "cancelled", "error"]


class Timings(Wire):
    """How long an answer took, from llama-server's ``timings``."""

    prompt_n: int = 0
    prompt_ms: float = 0.0
    predicted_n: int = 0
    predicted_ms: float = 0.0
    predicted_per_second: float | None = None
    cache_n: int = 0
    draft_n: int | None = Field(
        default_factory=absent,
        description="Tokens drafted by speculative decoding (null when it is off).",
    )
    draft_n_accepted: int | None = Field(
        default_factory=absent, description="Drafted tokens the model accepted (null when off)."
    )


class Message(Wire):
    """One node of a conversation's message tree."""

    id: str
    conversation_id: str
    parent_id: str | None
    role: MessageRole
    content: str
    reasoning: str = ""
    status: MessageStatus = "complete"
    error: str | None = None
    timings: Timings | None = None
    model: str | None = None
    tool_calls: list[ToolCallInfo] = Field(
        default_factory=list,
        description="The tools the model called in this message, each with its state and result; "
        "the answer goes on in the next assistant message.",
    )
    probs: list[TokenProb] | None = Field(
        default_factory=absent,
        description="Each generated token's probability and top alternatives, when the "
        "conversation asked for them (options.token_probs); null otherwise.",
    )
    reasoning_ms: float | None = Field(
        default_factory=absent,
        description="How long the model thought before answering, in milliseconds.",
    )
    provider_id: str | None = Field(None, description="The provider that wrote this answer.")
    provider_name: str | None = Field(None, description="Its name when it wrote the answer.")
    failover: str | None = Field(
        None,
        description="Set when the answer fell back from the chosen provider: what happened "
        "(e.g. finished by another provider after the local server was lost mid-answer).",
    )
    attachments: list[Attachment] = Field(
        default_factory=list,
        description="The files attached to this (user) message, in order: its other parts.",
    )
    created_at: str
    sibling_ids: list[str] = Field(
        default_factory=list, description="Ids of this message and its siblings, oldest first."
    )


class ConversationSummary(Wire):
    """A conversation as the sidebar lists it."""

    id: str
    title: str
    created_at: str
    updated_at: str
    pinned: bool = False
    model: str | None = None
    message_count: int = 0


class Conversation(ConversationSummary):
    """A conversation with its settings and the messages of its active branch, root first."""

    system_prompt: str | None = None
    params: dict[str, float | int | None] = Field(default_factory=dict)
    options: ConversationOptions = Field(
        default_factory=ConversationOptions,
        description="Stop sequences, token probabilities, reasoning effort and budget.",
    )
    provider_id: str = Field("local", description="The provider that answers (see providers).")
    provider_model: str | None = Field(
        None, description="Its model; null: the local server's loaded one, or the first listed."
    )
    messages: list[Message] = Field(default_factory=list)
    stream: LiveStream | None = Field(
        None,
        description="The answer streaming here now (its text so far is in messages), or null.",
    )
    queue: MessageQueue = Field(
        default_factory=MessageQueue.empty,
        description="Messages waiting to be sent after the answer on its way, next first.",
    )


class StreamStarted(Wire):
    """Answer of the streaming commands: the ids to match later stream events with."""

    stream_id: str
    conversation_id: str
    user_message: Message | None
    assistant_message: Message


class SearchHit(Wire):
    """One full-text search result."""

    conversation_id: str
    message_id: str | None
    title: str
    snippet: str
    rank: float


class ExportResult(Wire):
    """An exported document and a file name to save it under."""

    format: Literal["json", "markdown"]
    filename: str
    content: str


class ImportResult(Wire):
    """The ids of the conversations an import created."""

    conversation_ids: list[str]


class Deleted(Wire):
    """Answer of delete commands."""

    deleted: bool


class Stopped(Wire):
    """Answer of ``stop_generation``: whether a generation was running."""

    stopped: bool


class ConversationRef(Params):
    """Names one conversation."""

    conversation_id: str = ID


class MessageRef(Params):
    """Names one message."""

    message_id: str = ID


class _HasContent(Params):
    content: str = Field(max_length=2_000_000, description="The text (may be empty with files).")
    attachments: list[AttachmentChoice] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _not_empty(self) -> _HasContent:
        if not self.content.strip() and not self.attachments:
            raise ValueError("a message needs text or an attachment")
        return self


class SendMessageParams(_HasContent):
    """A new user message for a conversation: its text and the files attached to it."""

    conversation_id: str = ID


class EditMessageParams(Params):
    """New text for a user message; it becomes a sibling branch.

    ``attachments`` null keeps the original message's attachments; a list replaces them."""

    message_id: str = ID
    content: str = Field(max_length=2_000_000)
    attachments: list[AttachmentChoice] | None = Field(None, max_length=100)


class CreateConversationParams(Params):
    """A new, empty conversation."""

    title: str | None = Field(None, max_length=200)


class RenameConversationParams(Params):
    """A conversation's new title."""

    conversation_id: str = ID
    title: str = Field(min_length=1, max_length=200)


class PinConversationParams(Params):
    """Pin or unpin a conversation."""

    conversation_id: str = ID
    pinned: bool


class ListConversationsParams(Params):
    """A page of the conversation list (``limit`` null: every conversation from ``offset``)."""

    offset: int = Field(0, ge=0, le=2**63 - 1)  # SQLite's largest INTEGER
    limit: int | None = Field(None, ge=1, le=10_000)


class SearchParams(Params):
    """A full-text query over titles and messages."""

    query: str = Field(min_length=1, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class ExportParams(Params):
    """Which conversations (all when null) and in which format."""

    conversation_ids: list[str] | None = None
    format: Literal["json", "markdown"] = "json"


class ImportParams(Params):
    """A document produced by ``export_conversations`` in JSON format (text or parsed)."""

    data: str | dict[str, Any]
