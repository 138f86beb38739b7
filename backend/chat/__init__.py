"""Chat core: conversations in SQLite, answers generated and streamed, prompt caches kept.

Modules, from the database up:

- ``_migrations``: the schema as an append-only list of named migrations.
- ``_records``: ``ConversationRecord`` and ``MessageRecord``, mapped to and from rows by column
  name; ids (``new_id``) and timestamps (``utc_now``).
- ``_store``: ``ConversationStore``, conversations and their message trees, full-text search,
  one connection behind one lock, errors translated to ``StorageError``/``NotFound``.
- ``_slot_caches``: ``SlotCaches``, the table of saved KV cache files.
- ``_bulk``: writing whole conversations as given (import).
- ``_tree``: ``MessageTree``, branches, siblings and leaves of one conversation.
- ``_export``: the JSON export format (validated on import) and Markdown.
- ``_slots``: ``SlotManager``, sticky llama-server slots and their caches on disk.
- ``_orchestrator``: ``ChatOrchestrator``, the chat commands: answers streamed to the bridge.
"""

from ._bulk import existing_ids, insert_conversation
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
from ._records import ConversationRecord, MessageRecord, new_id, utc_now
from ._slot_caches import SlotCacheRecord, SlotCaches
from ._slots import SlotLease, SlotManager, prefix_hash
from ._store import ConversationStore
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
    "SlotCaches",
    "SlotLease",
    "SlotManager",
    "derive_title",
    "existing_ids",
    "export_json",
    "export_markdown",
    "import_json",
    "insert_conversation",
    "migrate",
    "new_id",
    "parse_export",
    "prefix_hash",
    "schema_version",
    "utc_now",
]
