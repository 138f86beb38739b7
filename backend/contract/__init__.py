"""The wire contract: every value that crosses between Python and the page.

These pydantic models are the single source of truth. ``python -m backend contract`` writes their
JSON schema (with every command's params and result, read from the handlers) and ``build.py``
compiles it into ``frontend/src/lib/types/bridge.ts``; the test command fails when the checked-in
TypeScript is stale. Timestamps cross as ISO-8601 strings, numbers are finite (NaN cannot be
serialised), and every command answers with an envelope (``CommandSuccess`` or
``CommandFailure``), so a failure is data, never a rejected promise without a code.

Modules, by topic:

- ``_base``: the bases ``Wire`` (results, events) and ``Params`` (command arguments).
- ``_errors``: ``BridgeError``, the envelopes, and ``bridge_error`` (exception → wire).
- ``_chat``: conversations, messages, search, export/import.
- ``_models``: the model list, per-model load settings, downloads.
- ``_server``: llama-server's status, sampling defaults and log.
- ``_storage``: a damaged database recovered at start, the daily backups.
- ``_app``: the settings form, opening a link in the system browser, the About section.
- ``_tools``: MCP tool servers, their tools, approval rules, ``mcp.json`` import/export.
- ``_events``: what Python pushes to the page.
"""

from ._app import (
    About,
    ConfigView,
    Opened,
    OpenExternalParams,
    SaveConfigParams,
    SaveConfigResult,
)
from ._base import EmptyParams, Params
from ._chat import (
    Conversation,
    ConversationRef,
    ConversationSummary,
    CreateConversationParams,
    Deleted,
    EditMessageParams,
    ExportParams,
    ExportResult,
    ImportParams,
    ImportResult,
    Message,
    MessageRef,
    MessageRole,
    MessageStatus,
    PinConversationParams,
    RenameConversationParams,
    SearchHit,
    SearchParams,
    SendMessageParams,
    Stopped,
    StreamStarted,
    Timings,
)
from ._errors import (
    BridgeError,
    BridgeFieldError,
    CommandFailure,
    CommandSuccess,
    ErrorCode,
    bridge_error,
)
from ._events import (
    BRIDGE_NAMESPACE,
    BridgeEvent,
    ConversationUpdatedEvent,
    DatabaseRecoveredEvent,
    DownloadProgressEvent,
    ModelsChangedEvent,
    ServerStatusEvent,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
    ToolServersChangedEvent,
)
from ._models import (
    AddModelFileParams,
    DownloadInfo,
    DownloadModelParams,
    DownloadRef,
    DownloadStatus,
    ModelFit,
    ModelInfo,
    ModelLoadState,
    ModelRef,
    ModelSettings,
    PickedFile,
    RemoveModelParams,
    SaveModelSettingsParams,
    SelectModelParams,
)
from ._server import LogsParams, ServerDefaults, ServerLogs, ServerState, ServerStatus
from ._storage import (
    BackupInfo,
    BackupList,
    DatabaseRecovery,
    RestoreBackupParams,
    RestoredBackup,
)
from ._tools import (
    AddToolServerParams,
    ApprovalRule,
    ExportToolServersResult,
    ImportToolServersParams,
    ImportToolServersResult,
    ListToolsParams,
    SetToolRuleParams,
    SetToolServerEnabledParams,
    ToolInfo,
    ToolServerInfo,
    ToolServerRef,
    ToolServers,
    ToolServerSpec,
    ToolServerState,
    ToolServerTransport,
    UpdateToolServerParams,
)

__all__ = [
    "About",
    "AddModelFileParams",
    "AddToolServerParams",
    "ApprovalRule",
    "BRIDGE_NAMESPACE",
    "BackupInfo",
    "BackupList",
    "BridgeError",
    "BridgeEvent",
    "BridgeFieldError",
    "CommandFailure",
    "CommandSuccess",
    "ConfigView",
    "Conversation",
    "ConversationRef",
    "ConversationSummary",
    "ConversationUpdatedEvent",
    "CreateConversationParams",
    "DatabaseRecoveredEvent",
    "DatabaseRecovery",
    "Deleted",
    "DownloadInfo",
    "DownloadModelParams",
    "DownloadProgressEvent",
    "DownloadRef",
    "DownloadStatus",
    "EditMessageParams",
    "EmptyParams",
    "ErrorCode",
    "ExportParams",
    "ExportResult",
    "ExportToolServersResult",
    "ImportParams",
    "ImportResult",
    "ImportToolServersParams",
    "ImportToolServersResult",
    "ListToolsParams",
    "LogsParams",
    "Message",
    "MessageRef",
    "MessageRole",
    "MessageStatus",
    "ModelFit",
    "ModelInfo",
    "ModelLoadState",
    "ModelRef",
    "ModelSettings",
    "ModelsChangedEvent",
    "OpenExternalParams",
    "Opened",
    "Params",
    "PickedFile",
    "PinConversationParams",
    "RemoveModelParams",
    "RenameConversationParams",
    "RestoreBackupParams",
    "RestoredBackup",
    "SaveConfigParams",
    "SaveConfigResult",
    "SaveModelSettingsParams",
    "SearchHit",
    "SearchParams",
    "SelectModelParams",
    "SendMessageParams",
    "ServerDefaults",
    "ServerLogs",
    "ServerState",
    "ServerStatus",
    "ServerStatusEvent",
    "SetToolRuleParams",
    "SetToolServerEnabledParams",
    "Stopped",
    "StreamChunkEvent",
    "StreamEndEvent",
    "StreamErrorEvent",
    "StreamStarted",
    "Timings",
    "ToolInfo",
    "ToolServerInfo",
    "ToolServerRef",
    "ToolServerSpec",
    "ToolServerState",
    "ToolServerTransport",
    "ToolServers",
    "ToolServersChangedEvent",
    "UpdateToolServerParams",
    "bridge_error",
]
