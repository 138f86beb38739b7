"""The wire contract: every value that crosses between Python and the page.

These pydantic models are the single source of truth. ``python -m backend contract`` writes their
JSON schema and ``build.py`` compiles it into ``frontend/src/lib/types/bridge.ts``; the test
command fails when the checked-in TypeScript is stale. Timestamps cross as ISO-8601 strings,
numbers are finite (NaN cannot be serialised), and every command answers with a
``CommandResult`` envelope so a failure is data, never a rejected promise without a code.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BRIDGE_NAMESPACE",
    "BridgeError",
    "BridgeEvent",
    "BridgeFieldError",
    "CommandFailure",
    "CommandSuccess",
    "ConfigView",
    "Conversation",
    "ConversationSummary",
    "ConversationUpdatedEvent",
    "DownloadInfo",
    "DownloadProgressEvent",
    "DownloadStatus",
    "ExportResult",
    "ImportResult",
    "Message",
    "MessageRole",
    "MessageStatus",
    "ModelFit",
    "ModelInfo",
    "ModelLoadState",
    "ModelSettings",
    "ModelsChangedEvent",
    "SaveConfigResult",
    "SearchHit",
    "ServerDefaults",
    "ServerLogs",
    "ServerState",
    "ServerStatus",
    "ServerStatusEvent",
    "StreamChunkEvent",
    "StreamEndEvent",
    "StreamErrorEvent",
    "StreamStarted",
    "Timings",
]

BRIDGE_NAMESPACE = "llamadesk"
"""The page exposes ``window.llamadesk.emit(event)``; Python pushes every event through it."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MessageRole = Literal["system", "user", "assistant"]
MessageStatus = Literal["streaming", "complete", "cancelled", "error"]
ServerState = Literal[
    "stopped", "starting", "ready", "unhealthy", "crashed", "restarting", "failed"
]
ErrorCode = Literal[
    "invalid_argument",
    "not_found",
    "conflict",
    "config_invalid",
    "engine_missing",
    "model_invalid",
    "server_error",
    "server_unavailable",
    "timeout",
    "context_overflow",
    "cancelled",
    "storage_error",
    "import_invalid",
    "internal",
]


class BridgeFieldError(_Wire):
    """One invalid argument or setting: its dotted path and why."""

    field: str
    message: str


class BridgeError(_Wire):
    """A failure the UI shows: a stable code, a sentence for people, and technical detail."""

    code: ErrorCode
    message: str
    detail: str | None = None
    fields: list[BridgeFieldError] = Field(default_factory=list)


class Timings(_Wire):
    """How long an answer took, from llama-server's ``timings``."""

    prompt_n: int = 0
    prompt_ms: float = 0.0
    predicted_n: int = 0
    predicted_ms: float = 0.0
    predicted_per_second: float | None = None
    cache_n: int = 0


class Message(_Wire):
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
    created_at: str
    sibling_ids: list[str] = Field(
        default_factory=list, description="Ids of this message and its siblings, oldest first."
    )


class ConversationSummary(_Wire):
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
    messages: list[Message] = Field(default_factory=list)


class StreamStarted(_Wire):
    """Answer of the streaming commands: the ids to match later stream events with."""

    stream_id: str
    conversation_id: str
    user_message: Message | None
    assistant_message: Message


class SearchHit(_Wire):
    """One full-text search result."""

    conversation_id: str
    message_id: str | None
    title: str
    snippet: str
    rank: float


class ExportResult(_Wire):
    """An exported document and a file name to save it under."""

    format: Literal["json", "markdown"]
    filename: str
    content: str


class ImportResult(_Wire):
    """The ids of the conversations an import created."""

    conversation_ids: list[str]


class ServerStatus(_Wire):
    """The monitor's state: the only source of truth for the header's status."""

    state: ServerState
    pid: int | None = None
    port: int | None = None
    model: str | None = None
    uptime_s: float | None = None
    elapsed_s: float | None = Field(None, description="Seconds spent in the current state.")
    restarts: int = 0
    last_error: str | None = None
    hint: str | None = Field(None, description="What the user can do about last_error.")


class ServerDefaults(_Wire):
    """llama-server's own sampling defaults (``/props``): what an empty generation setting uses."""

    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    max_tokens: int | None = None
    repeat_penalty: float | None = None
    seed: int | None = None


class ServerLogs(_Wire):
    """The last lines llama-server wrote."""

    lines: list[str]


class ModelFit(_Wire):
    """Whether a model fits in free memory at a context size: an estimate, never a refusal."""

    fits: bool
    needed_bytes: int = Field(description="Weights plus the KV cache for context_size tokens.")
    available_bytes: int = Field(description="Memory free now (including reclaimable cache).")
    context_size: int
    warning: str | None = None


ModelLoadState = Literal["loaded", "loading", "unloaded", "failed"]


class ModelInfo(_Wire):
    """A model the app can load, what its GGUF header says, and whether it fits."""

    id: str
    name: str
    path: str
    size_bytes: int
    is_default: bool = False
    selected: bool = False
    error: str | None = None
    architecture: str | None = None
    parameters: int | None = None
    quantization: str | None = None
    context_length: int | None = Field(None, description="The context the model was trained on.")
    has_chat_template: bool = False
    source: Literal["default", "folder", "linked"]
    fit: ModelFit | None = Field(
        None, description="At the context size it would load with; null when it cannot load."
    )
    load_state: ModelLoadState = Field(
        "unloaded",
        description="Whether the model is in memory: the selected one while the server runs, "
        "and in router mode every model the router has loaded.",
    )


class ModelSettings(_Wire):
    """How one model loads; a null field inherits the engine setting of the same name.

    Bounds match ``EngineSettings``. Saved settings apply at the model's next (re)start.
    """

    context_size: int | None = Field(
        None, ge=256, le=1_048_576, description="Context window in tokens."
    )
    threads: int | None = Field(
        None, ge=0, le=1024, description="CPU threads; 0 lets llama-server decide."
    )
    gpu_layers: int | None = Field(
        None, ge=-1, le=10_000, description="Layers offloaded to the GPU; -1 offloads all."
    )
    extra_args: list[str] | None = Field(
        None, description="Extra llama-server arguments, replacing the global ones."
    )


DownloadStatus = Literal["queued", "running", "paused", "failed", "done"]


class DownloadInfo(_Wire):
    """One download into the models folder; its id is the file name."""

    id: str
    url: str
    path: str
    status: DownloadStatus
    bytes_done: int = 0
    total: int | None = None
    rate_bps: float | None = None
    eta_s: float | None = None
    error: str | None = None
    sha256: str | None = None


class ConfigView(_Wire):
    """Effective settings, where each value came from, and the JSON schema for the form."""

    values: dict[str, Any]
    sources: dict[str, Literal["default", "file", "dotenv", "env", "cli"]]
    locked: list[str] = Field(
        default_factory=list, description="Fields set by env or flags; the page cannot change them."
    )
    json_schema: dict[str, Any]


class SaveConfigResult(_Wire):
    """Outcome of a valid save."""

    values: dict[str, Any]
    restart_required: bool
    changed: list[str]


class CommandSuccess(_Wire):
    """Envelope of a command that worked."""

    ok: Literal[True] = True
    result: Any


class CommandFailure(_Wire):
    """Envelope of a command that failed."""

    ok: Literal[False] = False
    error: BridgeError


class StreamChunkEvent(_Wire):
    """New text for a streaming answer: deltas only, never the whole text."""

    type: Literal["stream_chunk"] = "stream_chunk"
    stream_id: str
    conversation_id: str
    message_id: str
    content: str = ""
    reasoning: str = ""


class StreamEndEvent(_Wire):
    """A stream finished (completed or stopped); ``message`` is the stored final state."""

    type: Literal["stream_end"] = "stream_end"
    stream_id: str
    conversation_id: str
    message: Message


class StreamErrorEvent(_Wire):
    """A stream failed; ``message`` keeps the partial text, ``error`` says why."""

    type: Literal["stream_error"] = "stream_error"
    stream_id: str
    conversation_id: str
    message: Message
    error: BridgeError


class ServerStatusEvent(_Wire):
    """The server changed state."""

    type: Literal["server_status"] = "server_status"
    status: ServerStatus


class ModelsChangedEvent(_Wire):
    """The model list changed."""

    type: Literal["models_changed"] = "models_changed"
    models: list[ModelInfo]


class DownloadProgressEvent(_Wire):
    """A download progressed or changed status (at most a few times a second per download)."""

    type: Literal["download_progress"] = "download_progress"
    download: DownloadInfo


class ConversationUpdatedEvent(_Wire):
    """A conversation changed outside a command (e.g. its automatic title)."""

    type: Literal["conversation_updated"] = "conversation_updated"
    conversation: ConversationSummary


BridgeEvent = Annotated[
    StreamChunkEvent
    | StreamEndEvent
    | StreamErrorEvent
    | ServerStatusEvent
    | ModelsChangedEvent
    | DownloadProgressEvent
    | ConversationUpdatedEvent,
    Field(discriminator="type"),
]
