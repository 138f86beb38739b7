"""Every error LlamaDesk raises, in one hierarchy.

Dependencies' errors (httpx, psutil, sqlite3, subprocess, llama-server responses) are translated
where they are caught (``raise SomeLlamaDeskError(...) from exc``), so the bridge only ever sees
these classes. Each carries a stable ``code`` the UI can switch on and a ``message`` a person can
act on; ``detail`` holds the technical part (a path, the last stderr lines, a status code).
``ErrorCode`` lists the codes the page knows; a class whose code is not one of them fails at import
(and under mypy), and a test checks every code belongs to a class, so the two cannot drift.

LlamaDeskError
├── InvalidArgument            a command's arguments failed validation
├── NotFound                   a conversation, message, model or file does not exist
├── Conflict                   the request clashes with current state (already generating)
├── ConfigError                settings could not be read, validated or written
├── EngineError                no usable llama-server binary (missing, failed build, impostor)
├── ModelError                 a model file is missing, unreadable or not a GGUF
├── ServerError                the llama-server process or its HTTP API failed (or a provider's)
│   ├── AuthFailed             a server or provider refused the API key
│   ├── ServerUnavailable      the server is not running / not ready / unreachable
│   ├── ServerTimeout          the server did not answer in time
│   │   └── ServerStalled      a streaming answer stopped arriving mid-way
│   └── ContextOverflow        the prompt does not fit the context window
├── StorageError               the conversation database failed
│   └── ImportFormatError      an import document is not a valid llamadesk export
├── ToolError                  an MCP server failed to start, or a tool call failed
├── AttachmentRefused          a file cannot be attached (type, size, an unreadable PDF, time)
└── InternalError              a bug: anything else, with the original error as detail
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

__all__ = [
    "AttachmentRefused",
    "AuthFailed",
    "Conflict",
    "ConfigError",
    "ContextOverflow",
    "EngineError",
    "ErrorCode",
    "FieldError",
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
    "ToolError",
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
    "auth_failed",
    "timeout",
    "context_overflow",
    "storage_error",
    "import_invalid",
    "tool_error",
    "attachment_refused",
    "internal",
]
"""The ``code`` of every error class: what the page's ``BridgeError.code`` can be."""


@dataclass(frozen=True)
class FieldError:
    """One invalid field: its dotted path and why it is wrong."""

    field: str
    message: str


class LlamaDeskError(Exception):
    """Base class: a failure with a message a person can act on."""

    code: ClassVar[ErrorCode] = "internal"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code not in get_args(ErrorCode):
            raise TypeError(f"{cls.__name__}.code {cls.code!r} is not an ErrorCode")

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

    code: ClassVar[ErrorCode] = "invalid_argument"


class NotFound(LlamaDeskError):
    """Raised when a conversation, message, model or file does not exist."""

    code: ClassVar[ErrorCode] = "not_found"


class Conflict(LlamaDeskError):
    """Raised when a request clashes with current state (e.g. a chat is already generating)."""

    code: ClassVar[ErrorCode] = "conflict"


class ConfigError(LlamaDeskError):
    """Raised when settings cannot be read, validated or written; ``fields`` lists bad fields."""

    code: ClassVar[ErrorCode] = "config_invalid"


class EngineError(LlamaDeskError):
    """Raised when no usable llama-server binary can be found, built or verified."""

    code: ClassVar[ErrorCode] = "engine_missing"


class ModelError(LlamaDeskError):
    """Raised when a model file is missing, unreadable or not a GGUF."""

    code: ClassVar[ErrorCode] = "model_invalid"


class ServerError(LlamaDeskError):
    """Raised when the llama-server process or its HTTP API fails (or a remote provider's)."""

    code: ClassVar[ErrorCode] = "server_error"
    status: int | None = None
    """The HTTP status the server answered with, when the failure was an HTTP answer."""


class AuthFailed(ServerError):
    """Raised when a server or provider refuses the API key (HTTP 401 or 403)."""

    code: ClassVar[ErrorCode] = "auth_failed"


class ServerUnavailable(ServerError):
    """Raised when the server is not running, still loading, or cannot be reached."""

    code: ClassVar[ErrorCode] = "server_unavailable"


class ServerTimeout(ServerError):
    """Raised when the server does not answer within the configured timeout."""

    code: ClassVar[ErrorCode] = "timeout"


class ServerStalled(ServerTimeout):
    """Raised when a streaming answer sends nothing for ``engine.stall_timeout_s``."""


class ContextOverflow(ServerError):
    """Raised when a prompt of ``n_prompt_tokens`` tokens does not fit a slot of ``n_ctx``.

    Both numbers are kept (None when llama-server did not say) so the caller can drop turns or
    say how far over the prompt is.
    """

    code: ClassVar[ErrorCode] = "context_overflow"

    def __init__(
        self, n_prompt_tokens: int | None, n_ctx: int | None, *, detail: str | None = None
    ) -> None:
        prompt = f"{n_prompt_tokens:,} tokens" if n_prompt_tokens is not None else "The prompt"
        window = f"{n_ctx:,}-token" if n_ctx is not None else "available"
        super().__init__(
            f"The conversation is too long: {prompt} do not fit the {window} context of a "
            "chat slot. Turn on 'drop oldest turns' in the settings, or start a new chat.",
            detail=detail,
        )
        self.n_prompt_tokens = n_prompt_tokens
        self.n_ctx = n_ctx


class StorageError(LlamaDeskError):
    """Raised when the conversation database cannot be read or written."""

    code: ClassVar[ErrorCode] = "storage_error"


class ImportFormatError(StorageError):
    """Raised when an import document is not a valid llamadesk export; nothing is imported."""

    code: ClassVar[ErrorCode] = "import_invalid"


class ToolError(LlamaDeskError):
    """Raised when an MCP server cannot be started or reached, or a tool call fails or times out.

    ``detail`` holds the server's last stderr lines when it has them (secrets masked).
    """

    code: ClassVar[ErrorCode] = "tool_error"


class AttachmentRefused(LlamaDeskError):
    """A file cannot be attached: its type is not supported, it is larger than the limit, its
    text cannot be read (an encrypted, damaged or image-only PDF; not UTF-8 text), or reading
    it took longer than the time limit. The message names the file and says which."""

    code: ClassVar[ErrorCode] = "attachment_refused"


class InternalError(LlamaDeskError):
    """Raised for anything unexpected (a bug); the original error is in ``detail``."""

    code: ClassVar[ErrorCode] = "internal"
