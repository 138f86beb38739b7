"""Every error LlamaDesk raises, in one hierarchy.

Dependencies' errors (httpx, psutil, sqlite3, subprocess, llama-server responses) are translated
where they are caught (``raise SomeLlamaDeskError(...) from exc``), so the bridge only ever sees
these classes. Each carries a stable ``code`` the UI can switch on and a ``message`` a person can
act on; ``detail`` holds the technical part (a path, the last stderr lines, a status code).

LlamaDeskError
├── InvalidArgument            a command's arguments failed validation
├── NotFound                   a conversation, message, model or file does not exist
├── Conflict                   the request clashes with current state (already generating)
├── ConfigError                settings could not be read, validated or written
├── EngineError                no usable llama-server binary (missing, failed build, impostor)
├── ModelError                 a model file is missing, unreadable or not a GGUF
├── ServerError                the llama-server process or its HTTP API failed
│   ├── ServerUnavailable      the server is not running / not ready / unreachable
│   ├── ServerTimeout          the server did not answer in time
│   │   └── ServerStalled      a streaming answer stopped arriving mid-way
│   ├── ContextOverflow        the prompt does not fit the context window
│   └── GenerationCancelled    a generation was stopped by the user
├── StorageError               the conversation database failed
│   └── ImportFormatError      an import document is not a valid llamadesk export
└── InternalError              a bug: anything else, with the original error as detail
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "Conflict",
    "ConfigError",
    "ContextOverflow",
    "EngineError",
    "FieldError",
    "GenerationCancelled",
    "ImportFormatError",
    "InternalError",
    "InvalidArgument",
    "LlamaDeskError",
    "ModelError",
    "NotFound",
    "ServerError",
    "ServerStalled",
    "ServerTimeout",
    "ServerUnavailable",
    "StorageError",
]


@dataclass(frozen=True)
class FieldError:
    """One invalid field: its dotted path and why it is wrong."""

    field: str
    message: str


class LlamaDeskError(Exception):
    """Base class: a failure with a message a person can act on."""

    code: ClassVar[str] = "internal"

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        fields: list[FieldError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.fields: list[FieldError] = fields or []


class InvalidArgument(LlamaDeskError):
    """Raised when a command's arguments fail validation; ``fields`` says which and why."""

    code = "invalid_argument"


class NotFound(LlamaDeskError):
    """Raised when a conversation, message, model or file does not exist."""

    code = "not_found"


class Conflict(LlamaDeskError):
    """Raised when a request clashes with current state (e.g. a chat is already generating)."""

    code = "conflict"


class ConfigError(LlamaDeskError):
    """Raised when settings cannot be read, validated or written; ``fields`` lists bad fields."""

    code = "config_invalid"


class EngineError(LlamaDeskError):
    """Raised when no usable llama-server binary can be found, built or verified."""

    code = "engine_missing"


class ModelError(LlamaDeskError):
    """Raised when a model file is missing, unreadable or not a GGUF."""

    code = "model_invalid"


class ServerError(LlamaDeskError):
    """Raised when the llama-server process or its HTTP API fails."""

    code = "server_error"


class ServerUnavailable(ServerError):
    """Raised when the server is not running, still loading, or cannot be reached."""

    code = "server_unavailable"


class ServerTimeout(ServerError):
    """Raised when the server does not answer within the configured timeout."""

    code = "timeout"


class ServerStalled(ServerTimeout):
    """Raised when a streaming answer sends nothing for ``engine.stall_timeout_s``."""


class ContextOverflow(ServerError):
    """Raised when the prompt does not fit the model's context window."""

    code = "context_overflow"


class GenerationCancelled(ServerError):
    """Raised inside a generation that the user stopped."""

    code = "cancelled"


class StorageError(LlamaDeskError):
    """Raised when the conversation database cannot be read or written."""

    code = "storage_error"


class ImportFormatError(StorageError):
    """Raised when an import document is not a valid llamadesk export; nothing is imported."""

    code = "import_invalid"


class InternalError(LlamaDeskError):
    """Raised for anything unexpected (a bug); the original error is in ``detail``."""

    code = "internal"
