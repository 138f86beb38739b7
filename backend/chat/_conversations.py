"""The conversation commands: list, open, create, rename, pin, delete, search, export, branches.

Everything here reads or changes stored conversations; nothing generates. A command that would
change a conversation under a running answer (clearing it, deleting a message) is refused with
``Conflict``; deleting a conversation stops its answer first. A conversation created without a
title gets one from its first message after its first answer (:func:`derive_title`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from ..config import SamplingParams
from ..contract import (
    Conversation,
    ConversationOptions,
    ConversationSummary,
    ConversationUpdatedEvent,
    ExportResult,
    ImportResult,
    SearchHit,
)
from ..errors import FieldError, InvalidArgument
from ._attachments import AttachmentService
from ._export import export_filename, export_json, import_json
from ._export_markdown import export_markdown
from ._generation import Generations
from ._live import live_view
from ._slots import SlotManager
from ._store import ConversationStore
from ._tree import MessageTree
from ._views import EventSink, active_branch, conversation_view

__all__ = ["ConversationService", "derive_title"]

_TITLE_CHARS = 48


def derive_title(text: str) -> str:
    """A short title from the first user message: its first line, cut at a word boundary."""
    line = re.sub(r"\s+", " ", text.strip().splitlines()[0] if text.strip() else "").strip()
    if len(line) <= _TITLE_CHARS:
        return line or "New chat"
    cut = line[:_TITLE_CHARS].rsplit(" ", 1)[0] or line[:_TITLE_CHARS]
    return cut.rstrip(" ,.;:") + "…"


class ConversationService:
    """Stored conversations as the page sees them."""

    def __init__(
        self,
        store: ConversationStore,
        slots: SlotManager,
        generations: Generations,
        emit: EventSink,
        attachments: AttachmentService,
    ) -> None:
        self.store = store
        self.slots = slots
        self.generations = generations
        self.emit = emit
        self.attachments = attachments

    async def create_conversation(self, title: str | None = None) -> Conversation:
        """A new, empty conversation."""
        record = self.store.create_conversation(title)
        return conversation_view(self.store, record.id)

    async def list_conversations(
        self, offset: int = 0, limit: int | None = None
    ) -> list[ConversationSummary]:
        """Conversations, pinned first, then most recently updated (all, or one page)."""
        return self.store.list_conversations(offset, limit)

    async def get_conversation(self, conversation_id: str) -> Conversation:
        """A conversation with its active branch, root first, siblings filled in; while it
        streams, the answer's text as it is now and the stream (``_live``)."""
        view = conversation_view(self.store, conversation_id)
        return live_view(view, self.generations.live(conversation_id))

    async def rename(self, conversation_id: str, title: str) -> ConversationSummary:
        """Give a conversation a title (no automatic title afterwards)."""
        title = title.strip()
        if not title:
            raise InvalidArgument("A title cannot be empty.")
        self.store.update_conversation(conversation_id, title=title, title_pending=False)
        return self.store.summary(conversation_id)

    async def pin(self, conversation_id: str, pinned: bool) -> ConversationSummary:
        """Pin or unpin a conversation."""
        self.store.update_conversation(conversation_id, pinned=pinned, touch=False)
        return self.store.summary(conversation_id)

    async def set_provider(
        self, conversation_id: str, provider_id: str, model: str | None
    ) -> Conversation:
        """Answer this conversation with ``provider_id``'s ``model`` from now on."""
        self.store.update_conversation(
            conversation_id, provider_id=provider_id, provider_model=model, touch=False
        )
        return conversation_view(self.store, conversation_id)

    async def delete_conversation(self, conversation_id: str) -> bool:
        """Delete a conversation (stopping its generation first); False if it did not exist."""
        await self.generations.stop(conversation_id)
        await self.slots.forget(conversation_id)
        deleted = self.store.delete_conversation(conversation_id)
        self.attachments.collect()
        return deleted

    async def clear_conversation(self, conversation_id: str) -> Conversation:
        """Delete every message of a conversation."""
        self.generations.ensure_idle(conversation_id)
        await self.slots.forget(conversation_id)
        self.store.clear_conversation(conversation_id)
        self.attachments.collect()
        return conversation_view(self.store, conversation_id)

    async def update_settings(
        self,
        conversation_id: str,
        system_prompt: str | None,
        params: Mapping[str, float | int | None],
        options: ConversationOptions,
    ) -> Conversation:
        """Replace a conversation's own settings (the next answer uses them); the sampling
        values are checked against the generation settings' bounds, and a null one is dropped,
        so it falls back to the global value."""
        try:
            checked = SamplingParams.model_validate(dict(params), strict=True)
        except ValidationError as exc:
            fields = [
                FieldError("params." + ".".join(str(p) for p in e["loc"]), e["msg"])
                for e in exc.errors()
            ]
            raise InvalidArgument(
                f"A sampling value is invalid: {fields[0].field}: {fields[0].message}",
                fields=fields,
            ) from exc
        self.store.update_conversation(
            conversation_id,
            system_prompt=system_prompt,
            params=checked.model_dump(exclude_none=True),
            options=options,
            touch=False,
        )
        return conversation_view(self.store, conversation_id)

    async def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over titles and messages, best first."""
        return self.store.search(query, limit)

    async def export(
        self, conversation_ids: list[str] | None = None, format: str = "json"
    ) -> ExportResult:
        """Export conversations (all when None) as lossless JSON or readable Markdown."""
        ids = conversation_ids or [c.id for c in self.store.list_conversations()]
        for conversation_id in ids:
            self.store.get_conversation(conversation_id)
        title = self.store.get_conversation(ids[0]).title if len(ids) == 1 else "conversations"
        if format == "json":
            content = export_json(self.store, ids, self.attachments.blobs)
            return ExportResult(
                format="json", filename=export_filename(title, "json"), content=content
            )
        if format == "markdown":
            branches = {cid: active_branch(self.store, cid) for cid in ids}
            content = export_markdown(self.store, branches)
            return ExportResult(
                format="markdown", filename=export_filename(title, "md"), content=content
            )
        raise InvalidArgument(f"Unknown export format {format!r}; use json or markdown.")

    async def import_(self, data: str | dict[str, Any]) -> ImportResult:
        """Import a JSON export; all or nothing; never overwrites."""
        ids = import_json(self.store, data, self.attachments.blobs)
        return ImportResult(conversation_ids=ids)

    async def select_branch(self, message_id: str) -> Conversation:
        """Show the branch through ``message_id`` (ending at its newest descendant)."""
        message = self.store.get_message(message_id)
        tree = MessageTree(self.store.messages(message.conversation_id))
        self.store.update_conversation(
            message.conversation_id, active_leaf_id=tree.latest_leaf(message_id), touch=False
        )
        return conversation_view(self.store, message.conversation_id)

    async def delete_message(self, message_id: str) -> Conversation:
        """Delete a message and everything below it."""
        message = self.store.get_message(message_id)
        conversation_id = message.conversation_id
        self.generations.ensure_idle(conversation_id)
        leaf = self.store.get_conversation(conversation_id).active_leaf_id
        shown = {m.id for m in active_branch(self.store, conversation_id)} if leaf else set()
        self.store.delete_subtree(message_id)
        self.attachments.collect()
        if message_id in shown:  # the active branch lost its tail
            remaining = MessageTree(self.store.messages(conversation_id))
            self.store.update_conversation(
                conversation_id, active_leaf_id=remaining.latest_leaf(message.parent_id)
            )
        return conversation_view(self.store, conversation_id)

    def auto_title(self, conversation_id: str) -> None:
        """Title a conversation still waiting for one from its first user message, and say so."""
        record = self.store.get_conversation(conversation_id)
        if not record.title_pending:
            return
        first = next((m for m in self.store.messages(conversation_id) if m.role == "user"), None)
        if first is None:
            return
        self.store.update_conversation(
            conversation_id, title=derive_title(first.content), title_pending=False
        )
        self.emit(ConversationUpdatedEvent(conversation=self.store.summary(conversation_id)))
