"""Arguments and results of every bridge command.

Each command takes one JSON object of keyword arguments, validated by its params model
(``extra="forbid"``: unknown keys are an error, not silently dropped), and answers with the
result type named here. ``COMMANDS`` is the registry the API class, the HTTP mode and the
TypeScript generator all read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..contract import (
    ConfigView,
    Conversation,
    ConversationSummary,
    DownloadInfo,
    ExportResult,
    ImportResult,
    Message,
    ModelInfo,
    ModelSettings,
    SaveConfigResult,
    SearchHit,
    ServerDefaults,
    ServerLogs,
    ServerStatus,
    StreamStarted,
)

__all__ = [
    "COMMANDS",
    "AddModelFileParams",
    "CommandSpec",
    "ConversationRef",
    "CreateConversationParams",
    "Deleted",
    "DownloadModelParams",
    "DownloadRef",
    "EditMessageParams",
    "EmptyParams",
    "ExportParams",
    "ImportParams",
    "LogsParams",
    "MessageRef",
    "ModelRef",
    "OpenExternalParams",
    "Opened",
    "PickedFile",
    "PinConversationParams",
    "RemoveModelParams",
    "RenameConversationParams",
    "SaveConfigParams",
    "SaveModelSettingsParams",
    "SearchParams",
    "SelectModelParams",
    "SendMessageParams",
    "Stopped",
]

_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class EmptyParams(_Params):
    """No arguments."""


class ConversationRef(_Params):
    """Names one conversation."""

    conversation_id: str = _ID


class MessageRef(_Params):
    """Names one message."""

    message_id: str = _ID


class SendMessageParams(_Params):
    """A new user message for a conversation."""

    conversation_id: str = _ID
    content: str = Field(min_length=1, max_length=2_000_000)


class EditMessageParams(_Params):
    """New text for a user message; it becomes a sibling branch."""

    message_id: str = _ID
    content: str = Field(min_length=1, max_length=2_000_000)


class CreateConversationParams(_Params):
    """A new, empty conversation."""

    title: str | None = Field(None, max_length=200)


class RenameConversationParams(_Params):
    """A conversation's new title."""

    conversation_id: str = _ID
    title: str = Field(min_length=1, max_length=200)


class PinConversationParams(_Params):
    """Pin or unpin a conversation."""

    conversation_id: str = _ID
    pinned: bool


class SearchParams(_Params):
    """A full-text query over titles and messages."""

    query: str = Field(min_length=1, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class ExportParams(_Params):
    """Which conversations (all when null) and in which format."""

    conversation_ids: list[str] | None = None
    format: Literal["json", "markdown"] = "json"


class ImportParams(_Params):
    """A document produced by ``export_conversations`` in JSON format (text or parsed)."""

    data: str | dict[str, Any]


class SaveConfigParams(_Params):
    """A partial settings update, nested like the settings model."""

    config: dict[str, Any]


class SelectModelParams(_Params):
    """The model to load."""

    model_id: str = Field(min_length=1, max_length=4096)


class AddModelFileParams(_Params):
    """A GGUF file to list where it lies (no copy): its full path."""

    path: str = Field(min_length=1, max_length=4096)


class ModelRef(_Params):
    """Names one model."""

    model_id: str = _ID


class RemoveModelParams(_Params):
    """A model to take off the list; its file is deleted only when ``delete_file`` is true."""

    model_id: str = _ID
    delete_file: bool


class SaveModelSettingsParams(_Params):
    """A model's load settings, replacing the saved ones (null fields inherit the engine's)."""

    model_id: str = _ID
    settings: ModelSettings


class DownloadModelParams(_Params):
    """A GGUF to download into the models folder, its file name, and its SHA-256 to check."""

    url: str = Field(min_length=1, max_length=8192, pattern=r"^https?://\S+$")
    filename: str | None = Field(None, min_length=1, max_length=255)
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$")


class DownloadRef(_Params):
    """Names one download (its file name)."""

    download_id: str = Field(min_length=1, max_length=255)


class LogsParams(_Params):
    """How many of the server's last log lines."""

    lines: int = Field(200, ge=1, le=5000)


class OpenExternalParams(_Params):
    """A link from the page to open in the system browser (http, https or mailto)."""

    url: str = Field(min_length=1, max_length=8192, pattern=r"^(https?://|mailto:)\S+$")


class Opened(BaseModel):
    """Answer of ``open_external``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    opened: bool


class PickedFile(BaseModel):
    """Answer of ``pick_model_file``: the chosen file's path, or null when cancelled."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str | None


class Deleted(BaseModel):
    """Answer of delete commands."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    deleted: bool


class Stopped(BaseModel):
    """Answer of ``stop_generation``: whether a generation was running."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    stopped: bool


@dataclass(frozen=True)
class CommandSpec:
    """A command's params model and result type."""

    params: type[_Params]
    result: Any


COMMANDS: dict[str, CommandSpec] = {
    "send_chat_message": CommandSpec(SendMessageParams, Message),
    "send_chat_message_stream": CommandSpec(SendMessageParams, StreamStarted),
    "stop_generation": CommandSpec(ConversationRef, Stopped),
    "regenerate_message": CommandSpec(MessageRef, StreamStarted),
    "continue_message": CommandSpec(MessageRef, StreamStarted),
    "edit_message": CommandSpec(EditMessageParams, StreamStarted),
    "select_branch": CommandSpec(MessageRef, Conversation),
    "delete_message": CommandSpec(MessageRef, Conversation),
    "list_conversations": CommandSpec(EmptyParams, list[ConversationSummary]),
    "get_conversation": CommandSpec(ConversationRef, Conversation),
    "create_conversation": CommandSpec(CreateConversationParams, Conversation),
    "rename_conversation": CommandSpec(RenameConversationParams, ConversationSummary),
    "delete_conversation": CommandSpec(ConversationRef, Deleted),
    "clear_conversation": CommandSpec(ConversationRef, Conversation),
    "pin_conversation": CommandSpec(PinConversationParams, ConversationSummary),
    "search_conversations": CommandSpec(SearchParams, list[SearchHit]),
    "export_conversations": CommandSpec(ExportParams, ExportResult),
    "import_conversations": CommandSpec(ImportParams, ImportResult),
    "get_config": CommandSpec(EmptyParams, ConfigView),
    "save_config": CommandSpec(SaveConfigParams, SaveConfigResult),
    "list_models": CommandSpec(EmptyParams, list[ModelInfo]),
    "refresh_models": CommandSpec(EmptyParams, list[ModelInfo]),
    "select_model": CommandSpec(SelectModelParams, ModelInfo),
    "add_model_file": CommandSpec(AddModelFileParams, ModelInfo),
    "remove_model": CommandSpec(RemoveModelParams, list[ModelInfo]),
    "unload_model": CommandSpec(ModelRef, list[ModelInfo]),
    "pick_model_file": CommandSpec(EmptyParams, PickedFile),
    "get_model_settings": CommandSpec(ModelRef, ModelSettings),
    "save_model_settings": CommandSpec(SaveModelSettingsParams, ModelSettings),
    "download_model": CommandSpec(DownloadModelParams, DownloadInfo),
    "cancel_download": CommandSpec(DownloadRef, list[DownloadInfo]),
    "list_downloads": CommandSpec(EmptyParams, list[DownloadInfo]),
    "clear_finished_downloads": CommandSpec(EmptyParams, list[DownloadInfo]),
    "get_server_status": CommandSpec(EmptyParams, ServerStatus),
    "start_server": CommandSpec(EmptyParams, ServerStatus),
    "stop_server": CommandSpec(EmptyParams, ServerStatus),
    "restart_server": CommandSpec(EmptyParams, ServerStatus),
    "get_server_logs": CommandSpec(LogsParams, ServerLogs),
    "get_server_defaults": CommandSpec(EmptyParams, ServerDefaults | None),
    "open_external": CommandSpec(OpenExternalParams, Opened),
}
