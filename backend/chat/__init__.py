"""Chat core: the conversation store, its migrations, export/import, slot caches, orchestrator.

``ConversationStore`` keeps conversations as message trees in SQLite; ``ChatOrchestrator`` runs
the chat commands and streams answers to the bridge; ``SlotManager`` gives conversations sticky
llama-server slots and keeps their KV caches on disk across restarts.
"""

from ._export import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    ExportDocument,
    ExportedConversation,
    ExportedMessage,
    export_json,
    export_markdown,
    import_json,
    parse_export,
)
from ._migrations import MIGRATIONS, migrate, schema_version
from ._orchestrator import ChatOrchestrator, derive_title
from ._slots import SlotLease, SlotManager, prefix_hash
from ._store import (
    ConversationRecord,
    ConversationStore,
    MessageRecord,
    SlotCacheRecord,
    new_id,
    utc_now,
)
from ._tree import MessageTree

__all__ = [
    "ChatOrchestrator",
    "ConversationRecord",
    "ConversationStore",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "ExportDocument",
    "ExportedConversation",
    "ExportedMessage",
    "MIGRATIONS",
    "MessageRecord",
    "MessageTree",
    "SlotCacheRecord",
    "SlotLease",
    "SlotManager",
    "derive_title",
    "export_json",
    "export_markdown",
    "import_json",
    "migrate",
    "new_id",
    "parse_export",
    "prefix_hash",
    "schema_version",
    "utc_now",
]
