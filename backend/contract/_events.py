"""Events Python pushes to the page through ``window.llamadesk.emit(event)``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ._base import Wire
from ._chat import ConversationSummary, Message, StreamStarted
from ._errors import BridgeError
from ._inspect import TokenProb
from ._live import PromptProgress
from ._local_api import LocalApiStatus
from ._models import DownloadInfo, ModelInfo
from ._providers import FailoverChoice, FailoverQuestion, Providers
from ._queue import MessageQueue
from ._rpc import RpcStatus
from ._server import ServerStatus
from ._storage import DatabaseRecovery
from ._tool_calls import StreamNoticeKind, ToolCallInfo
from ._tools import ToolServers

__all__ = [
    "BRIDGE_NAMESPACE",
    "BridgeEvent",
    "ConversationUpdatedEvent",
    "DatabaseRecoveredEvent",
    "DownloadProgressEvent",
    "FailoverAnsweredEvent",
    "FailoverQuestionEvent",
    "LocalApiStatusEvent",
    "ModelsChangedEvent",
    "ProvidersChangedEvent",
    "QueueChangedEvent",
    "RpcStatusEvent",
    "ServerStatusEvent",
    "StreamChunkEvent",
    "StreamEndEvent",
    "StreamErrorEvent",
    "StreamNoticeEvent",
    "StreamProgressEvent",
    "StreamRoundEvent",
    "ToolCallEvent",
    "ToolServersChangedEvent",
]


BRIDGE_NAMESPACE = "llamadesk"
"""The page exposes ``window.llamadesk.emit(event)``; Python pushes every event through it."""


class StreamChunkEvent(Wire):
    """New text for a streaming answer: deltas only, never the whole text."""

    type: Literal["stream_chunk"] = "stream_chunk"
    stream_id: str
    conversation_id: str
    message_id: str
    content: str = ""
    reasoning: str = ""
    offset: int = Field(
        0,
        ge=0,
        description="Where content starts in the message's text (UTF-16 code units, as "
        "JavaScript counts), so a page that already has text skips what it has.",
    )
    reasoning_offset: int = Field(
        0, ge=0, description="Where reasoning starts in the message's reasoning (UTF-16 units)."
    )
    probs: list[TokenProb] = Field(
        default_factory=list,
        description="The probabilities of this chunk's tokens, in order, when the conversation "
        "asked for them; empty otherwise.",
    )


class StreamEndEvent(Wire):
    """A stream finished (completed or stopped); ``message`` is the stored final state."""

    type: Literal["stream_end"] = "stream_end"
    stream_id: str
    conversation_id: str
    message: Message


class StreamErrorEvent(Wire):
    """A stream failed; ``message`` keeps the partial text, ``error`` says why."""

    type: Literal["stream_error"] = "stream_error"
    stream_id: str
    conversation_id: str
    message: Message
    error: BridgeError


class ToolCallEvent(Wire):
    """A tool call of a streaming answer changed state; ``awaiting_approval`` asks the user."""

    type: Literal["tool_call"] = "tool_call"
    stream_id: str
    conversation_id: str
    message_id: str
    call: ToolCallInfo


class StreamRoundEvent(Wire):
    """A tool round ended: ``message`` is stored complete with its calls' results, and the
    answer goes on in ``next_message`` (empty, ``streaming``, a child of ``message``)."""

    type: Literal["stream_round"] = "stream_round"
    stream_id: str
    conversation_id: str
    message: Message
    next_message: Message


class StreamNoticeEvent(Wire):
    """Something the user should know about a streaming answer that does not stop it."""

    type: Literal["stream_notice"] = "stream_notice"
    stream_id: str
    conversation_id: str
    message_id: str
    kind: StreamNoticeKind
    text: str
    server_id: str | None = Field(
        None, description="tool_server_unavailable: the server's id (null for other kinds)."
    )
    server_name: str | None = Field(None, description="tool_server_unavailable: its name.")
    reason: str | None = Field(
        None,
        description="tool_server_unavailable: why it could not be reached (secrets masked).",
    )
    provider_id: str | None = Field(
        None, description="provider_failover: the provider that answers from here on."
    )
    provider_name: str | None = Field(None, description="provider_failover: its name.")


class StreamProgressEvent(Wire):
    """llama-server read another batch of a streaming answer's prompt (before its first token)."""

    type: Literal["stream_progress"] = "stream_progress"
    stream_id: str
    conversation_id: str
    message_id: str
    progress: PromptProgress


class QueueChangedEvent(Wire):
    """A conversation's message queue changed: a message queued, edited, moved, deleted or
    sent, or the queue paused or resumed. ``sent`` is set when the backend sent its next
    message: the new answer streams like one the page started (its ids are in ``sent``)."""

    type: Literal["queue_changed"] = "queue_changed"
    conversation_id: str
    queue: MessageQueue
    sent: StreamStarted | None = Field(
        None, description="The message just sent from the queue and its answer, or null."
    )


class ServerStatusEvent(Wire):
    """The server changed state."""

    type: Literal["server_status"] = "server_status"
    status: ServerStatus


class ModelsChangedEvent(Wire):
    """The model list changed."""

    type: Literal["models_changed"] = "models_changed"
    models: list[ModelInfo]


class DownloadProgressEvent(Wire):
    """A download progressed or changed status (at most a few times a second per download)."""

    type: Literal["download_progress"] = "download_progress"
    download: DownloadInfo


class ConversationUpdatedEvent(Wire):
    """A conversation changed outside a command (e.g. its automatic title)."""

    type: Literal["conversation_updated"] = "conversation_updated"
    conversation: ConversationSummary


class DatabaseRecoveredEvent(Wire):
    """The conversation database was damaged at start and recovered (sent when a page attaches)."""

    type: Literal["database_recovered"] = "database_recovered"
    recovery: DatabaseRecovery


class ToolServersChangedEvent(Wire):
    """A tool server was added, changed or removed, or changed state (starting, ready, ...)."""

    type: Literal["tool_servers_changed"] = "tool_servers_changed"
    servers: ToolServers


class RpcStatusEvent(Wire):
    """The RPC workers changed: a check's result, a launch's spread, the local worker's state."""

    type: Literal["rpc_status"] = "rpc_status"
    status: RpcStatus


class ProvidersChangedEvent(Wire):
    """A provider was added, changed or removed, its health changed, or a fall-back began or
    ended (the banner)."""

    type: Literal["providers_changed"] = "providers_changed"
    providers: Providers


class FailoverQuestionEvent(Wire):
    """An answer paused under an ``ask`` failover rule: the page asks the user (``question``)
    and sends the choice with ``answer_failover``."""

    type: Literal["failover_question"] = "failover_question"
    question: FailoverQuestion


class FailoverAnsweredEvent(Wire):
    """A failover question was answered (in this page or another): close it."""

    type: Literal["failover_answered"] = "failover_answered"
    stream_id: str
    conversation_id: str
    message_id: str
    question_id: str
    choice: FailoverChoice


class LocalApiStatusEvent(Wire):
    """The local API changed state (started, stopped, failed) or got a new key or model."""

    type: Literal["local_api_status"] = "local_api_status"
    status: LocalApiStatus


BridgeEvent = Annotated[
    StreamChunkEvent
    | StreamEndEvent
    | StreamErrorEvent
    | ToolCallEvent
    | StreamRoundEvent
    | StreamNoticeEvent
    | StreamProgressEvent
    | QueueChangedEvent
    | ServerStatusEvent
    | ModelsChangedEvent
    | DownloadProgressEvent
    | ConversationUpdatedEvent
    | DatabaseRecoveredEvent
    | ToolServersChangedEvent
    | RpcStatusEvent
    | ProvidersChangedEvent
    | FailoverQuestionEvent
    | FailoverAnsweredEvent
    | LocalApiStatusEvent,
    Field(discriminator="type"),
]
