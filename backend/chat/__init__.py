"""Chat core: conversations in SQLite, answers generated and streamed, prompt caches kept.

Modules, from the database up:

- ``_migrations``: the schema as an append-only list of named migrations.
- ``_records``: ``ConversationRecord`` and ``MessageRecord``, mapped to and from rows by column
  name; ids (``new_id``) and timestamps (``utc_now``).
- ``_store``: ``ConversationStore``, conversations and their message trees, full-text search,
  one connection behind one lock, errors translated to ``StorageError``/``NotFound``.
- ``_search``: full-text search over titles and messages.
- ``_slot_caches``: ``SlotCaches``, the table of saved KV cache files.
- ``_bulk``: writing whole conversations as given (import).
- ``_tree``: ``MessageTree``, branches, siblings and leaves of one conversation.
- ``_parts``: ``PartStore``, attachments' rows and which message uses which (by content hash).
- ``_attachments``: ``AttachmentService``, files added (dialog, upload), read back, released.
- ``_token_counts``: a message's tokens before sending, against the context left.
- ``_export``: the JSON export format (validated on import); ``_export_files`` its attachments;
  ``_export_markdown`` the Markdown export.
- ``_slots``: ``SlotManager``, sticky llama-server slots and their caches on disk.
- ``_read_ahead``: the next user turn's opening read into a restored slot before it is sent.
- ``_images``: ``PromptImages``, whether the model answering sees, and its images made ready.
- ``_prompt``: what is sent for an answer: the prompt and sampling parameters (pure).
- ``_views``: stored conversations and messages as the page's contract models; the event sink.
- ``_conversations``: ``ConversationService``, the commands that read or change conversations.
- ``_generation``: one answer under way, and which conversations are generating (one each).
- ``_context``: ``ContextMeter``, the next prompt's tokens against one slot's context.
- ``_live``: an answer on its way: chunk offsets, prompt progress, the view to re-attach to.
- ``_tool_round``: one round of tool calls: offered, validated, approved, run and stored.
- ``_routed``: a streamed answer through the provider router (failover, who wrote it).
- ``_runner``: ``GenerationRunner``, one answer from prompt to stored final state and events.
- ``_orchestrator``: ``ChatOrchestrator``, the backend's core (the page has a component of the
  same name): wires the above, starts and stops answers, and saves slot caches at shutdown.
"""

from ._attachments import AttachmentService
from ._conversations import ConversationService, derive_title
from ._export import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    ExportDocument,
    ExportedConversation,
    ExportedMessage,
    export_json,
    import_json,
    parse_export,
)
from ._export_markdown import export_markdown
from ._migrations import MIGRATIONS, migrate, schema_version
from ._orchestrator import ChatOrchestrator
from ._read_ahead import DraftReader, opening_fields
from ._records import ConversationRecord, MessageRecord, new_id, utc_now
from ._slot_caches import SlotCacheRecord, SlotCaches
from ._slots import SlotLease, SlotManager, prefix_hash
from ._store import ConversationStore
from ._tree import MessageTree

__all__ = [
    "AttachmentService",
    "ChatOrchestrator",
    "ConversationRecord",
    "ConversationService",
    "ConversationStore",
    "DraftReader",
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
    "export_json",
    "export_markdown",
    "import_json",
    "migrate",
    "new_id",
    "opening_fields",
    "parse_export",
    "prefix_hash",
    "schema_version",
    "utc_now",
]
