"""Fakes for bridge tests: a handlers object answering every command with a sample result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from backend.app import COMMANDS
from backend.contract import (
    ConfigView,
    Conversation,
    ConversationSummary,
    Deleted,
    DownloadInfo,
    ExportResult,
    ImportResult,
    Message,
    ModelInfo,
    ModelSettings,
    Opened,
    PickedFile,
    SaveConfigResult,
    ServerDefaults,
    ServerLogs,
    ServerStatus,
    Stopped,
    StreamStarted,
)

NOW = "2026-11-24T00:00:00Z"


def sample_message() -> Message:
    return Message(
        id="m1",
        conversation_id="c1",
        parent_id=None,
        role="assistant",
        content="hi",
        created_at=NOW,
    )


def _summary() -> ConversationSummary:
    return ConversationSummary(id="c1", title="t", created_at=NOW, updated_at=NOW)


SAMPLES: dict[Any, Any] = {
    Message: sample_message(),
    StreamStarted: StreamStarted(
        stream_id="s", conversation_id="c1", user_message=None, assistant_message=sample_message()
    ),
    Stopped: Stopped(stopped=True),
    Opened: Opened(opened=True),
    PickedFile: PickedFile(path="/models/picked.gguf"),
    Conversation: Conversation(id="c1", title="t", created_at=NOW, updated_at=NOW),
    ConversationSummary: _summary(),
    Deleted: Deleted(deleted=True),
    ExportResult: ExportResult(format="json", filename="x.json", content="{}"),
    ImportResult: ImportResult(conversation_ids=["c2"]),
    ConfigView: ConfigView(values={}, sources={}, json_schema={}),
    SaveConfigResult: SaveConfigResult(values={}, restart_required=False, changed=[]),
    ModelInfo: ModelInfo(id="m", name="m", path="/m.gguf", size_bytes=1, source="folder"),
    ModelSettings: ModelSettings(context_size=2048),
    DownloadInfo: DownloadInfo(
        id="m.gguf", url="https://x/m.gguf", path="/m.gguf", status="queued"
    ),
    ServerStatus: ServerStatus(state="ready"),
    ServerLogs: ServerLogs(lines=["a"]),
    ServerDefaults | None: ServerDefaults(temperature=0.8, seed=-1),
}


class FakeHandlers:
    """Answers every command with a sample of its result type and records the params."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.override: dict[str, Callable[[Any], Awaitable[Any]]] = {}

    def __getattr__(self, name: str) -> Callable[[Any], Awaitable[Any]]:
        if name not in COMMANDS:
            raise AttributeError(name)
        if name in self.override:
            return self.override[name]
        result_type = COMMANDS[name].result

        async def handler(params: Any) -> Any:
            self.calls.append((name, params))
            return sample_of(result_type)

        return handler


def sample_of(result_type: Any) -> Any:
    """A valid value of a command's result type: the hand-made one in SAMPLES, else built from
    the type's required fields, so a new command needs no entry here."""
    if result_type in SAMPLES:
        return SAMPLES[result_type]
    origin, args = get_origin(result_type), get_args(result_type)
    if origin in (list, dict):
        return origin()
    if origin is Literal:
        return args[0]
    if origin in (Union, UnionType):
        return None if type(None) in args else sample_of(args[0])
    if isinstance(result_type, type) and issubclass(result_type, BaseModel):
        fields = result_type.model_fields.items()
        return result_type(**{k: sample_of(f.annotation) for k, f in fields if f.is_required()})
    return {bool: True, int: 1, float: 1.0, str: "x"}[result_type]
