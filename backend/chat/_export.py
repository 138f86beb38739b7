"""Export and import: a lossless JSON document, and Markdown for reading.

The JSON format (``application/json``, UTF-8)::

    {
      "format": "llamadesk.conversations",
      "version": 1,
      "exported_at": "2026-01-02T03:04:05.678Z",          # optional
      "conversations": [
        {
          "id": "abc123", "title": "Trip to Lyon",
          "created_at": "...Z", "updated_at": "...Z",     # ISO-8601 UTC
          "pinned": false,
          "model": "SmolLM2-135M-Instruct.Q4_1.gguf",      # optional, null
          "system_prompt": null,                          # null = use the global one
          "params": {"temperature": 0.7},                 # per-conversation sampling overrides
          "active_leaf_id": "m5",                         # optional: the branch shown
          "messages": [                                   # parents before children
            {
              "id": "m1", "parent_id": null,              # the messages form a tree
              "role": "user",                             # system | user | assistant
              "content": "...", "reasoning": "",
              "status": "complete",                       # streaming | complete | cancelled | error
              "created_at": "...Z",
              "error": null,                              # optional: why an answer failed
              "timings": {"prompt_n": 12, "cache_n": 0, ...},   # optional
              "usage": {"prompt_tokens": 12, ...},        # optional
              "model": null                               # optional
            }
          ]
        }
      ]
    }

Ids match ``^[A-Za-z0-9_-]+$`` (at most 64 characters). Import validates the whole document
first (unknown keys, a missing parent, a message listed before its parent or a duplicate id are
errors, reported as ``ImportFormatError`` with the offending field) and then writes it in one
transaction: a bad file imports nothing. Import never overwrites: an id that already exists gets
a fresh one, and parent links and the active leaf follow the new ids. A message imported as
``streaming`` becomes ``cancelled``.

Markdown export shows each conversation's active branch: the title as a heading, then each
message under a role heading, reasoning in a ``<details>`` block.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..contract import MessageRole, MessageStatus, Timings
from ..errors import FieldError, ImportFormatError
from ._store import ConversationRecord, ConversationStore, MessageRecord, new_id, utc_now

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "ExportDocument",
    "ExportedConversation",
    "ExportedMessage",
    "export_json",
    "export_markdown",
    "import_json",
    "parse_export",
]

EXPORT_FORMAT = "llamadesk.conversations"
EXPORT_VERSION = 1

_Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportedMessage(_Strict):
    """One message of an exported conversation."""

    id: str = _Id
    parent_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    role: MessageRole
    content: str
    reasoning: str = ""
    status: MessageStatus = "complete"
    created_at: str
    error: str | None = None
    timings: Timings | None = None
    usage: dict[str, int] | None = None
    model: str | None = None


class ExportedConversation(_Strict):
    """One exported conversation with all its branches."""

    id: str = _Id
    title: str = Field(max_length=1000)
    created_at: str
    updated_at: str
    pinned: bool = False
    model: str | None = None
    system_prompt: str | None = None
    params: dict[str, float | int | None] = Field(default_factory=dict)
    active_leaf_id: str | None = None
    messages: list[ExportedMessage] = Field(default_factory=list)


class ExportDocument(_Strict):
    """A whole export file."""

    format: Literal["llamadesk.conversations"]
    version: Literal[1]
    exported_at: str | None = None
    conversations: list[ExportedConversation]


def _exported(store: ConversationStore, conversation_id: str) -> ExportedConversation:
    record = store.get_conversation(conversation_id)
    return ExportedConversation(
        id=record.id,
        title=record.title,
        created_at=record.created_at,
        updated_at=record.updated_at,
        pinned=record.pinned,
        model=record.model,
        system_prompt=record.system_prompt,
        params=record.params,
        active_leaf_id=record.active_leaf_id,
        messages=[
            ExportedMessage(
                id=m.id,
                parent_id=m.parent_id,
                role=m.role,
                content=m.content,
                reasoning=m.reasoning,
                status=m.status,
                created_at=m.created_at,
                error=m.error,
                timings=m.timings,
                usage=m.usage,
                model=m.model,
            )
            for m in store.messages(conversation_id)
        ],
    )


def export_json(store: ConversationStore, conversation_ids: list[str]) -> str:
    """The JSON document for these conversations."""
    document = ExportDocument(
        format=EXPORT_FORMAT,
        version=EXPORT_VERSION,
        exported_at=utc_now(),
        conversations=[_exported(store, cid) for cid in conversation_ids],
    )
    return document.model_dump_json(indent=2)


def export_markdown(store: ConversationStore, branches: dict[str, list[MessageRecord]]) -> str:
    """Markdown for these conversations (id to active branch, root first)."""
    parts = []
    for conversation_id, branch in branches.items():
        record = store.get_conversation(conversation_id)
        lines = [f"# {record.title}", "", f"*{record.created_at}*", ""]
        if record.system_prompt:
            lines += ["## System", "", record.system_prompt, ""]
        for message in branch:
            lines += [f"## {message.role.capitalize()}", ""]
            if message.reasoning:
                lines += [
                    "<details><summary>Reasoning</summary>",
                    "",
                    message.reasoning,
                    "",
                    "</details>",
                    "",
                ]
            lines += [message.content, ""]
            if message.status != "complete":
                lines += [
                    f"*({message.status}{': ' + message.error if message.error else ''})*",
                    "",
                ]
        parts.append("\n".join(lines))
    return "\n---\n\n".join(parts)


def parse_export(data: str | dict[str, Any]) -> ExportDocument:
    """Validate an export document (text or parsed); ``ImportFormatError`` says what is wrong."""
    try:
        raw = json.loads(data) if isinstance(data, str) else data
    except ValueError as exc:
        raise ImportFormatError("The file is not valid JSON.", detail=str(exc)) from exc
    if not isinstance(raw, dict) or raw.get("format") != EXPORT_FORMAT:
        raise ImportFormatError(
            f'This is not a LlamaDesk export (expected "format": "{EXPORT_FORMAT}").'
        )
    try:
        document = ExportDocument.model_validate(raw)
    except ValidationError as exc:
        fields = [
            FieldError(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()[:20]
        ]
        first = fields[0]
        raise ImportFormatError(
            f"The export file is invalid at {first.field}: {first.message}",
            detail=str(exc),
            fields=fields,
        ) from exc
    _check_trees(document)
    return document


def _check_trees(document: ExportDocument) -> None:
    conversation_ids: set[str] = set()
    message_ids: set[str] = set()
    for c_index, conversation in enumerate(document.conversations):
        where = f"conversations.{c_index}"
        if conversation.id in conversation_ids:
            _fail(f"{where}.id", f"duplicate conversation id {conversation.id!r}")
        conversation_ids.add(conversation.id)
        seen: set[str] = set()
        for m_index, message in enumerate(conversation.messages):
            field = f"{where}.messages.{m_index}"
            if message.id in message_ids:
                _fail(f"{field}.id", f"duplicate message id {message.id!r}")
            if message.parent_id is not None and message.parent_id not in seen:
                _fail(f"{field}.parent_id", f"parent {message.parent_id!r} is not listed before it")
            message_ids.add(message.id)
            seen.add(message.id)
        if conversation.active_leaf_id is not None and conversation.active_leaf_id not in seen:
            _fail(f"{where}.active_leaf_id", f"no message {conversation.active_leaf_id!r}")


def _fail(field: str, message: str) -> None:
    raise ImportFormatError(
        f"The export file is invalid at {field}: {message}", fields=[FieldError(field, message)]
    )


def import_json(store: ConversationStore, data: str | dict[str, Any]) -> list[str]:
    """Import every conversation of a document in one transaction; return the new ids."""
    document = parse_export(data)
    taken_conversations = store.existing_ids(
        "conversations", [c.id for c in document.conversations]
    )
    taken_messages = store.existing_ids(
        "messages", [m.id for c in document.conversations for m in c.messages]
    )
    created = []
    with store.transaction():
        for conversation in document.conversations:
            ids = {
                m.id: (new_id() if m.id in taken_messages else m.id) for m in conversation.messages
            }
            cid = new_id() if conversation.id in taken_conversations else conversation.id
            leaf = conversation.active_leaf_id
            record = ConversationRecord(
                id=cid,
                title=conversation.title,
                created_at=conversation.created_at,
                updated_at=conversation.updated_at,
                pinned=conversation.pinned,
                model=conversation.model,
                system_prompt=conversation.system_prompt,
                params=conversation.params,
                active_leaf_id=ids[leaf] if leaf else None,
            )
            store.insert_conversation(
                record, [_message(m, cid, ids) for m in conversation.messages]
            )
            created.append(cid)
    return created


def _message(message: ExportedMessage, conversation_id: str, ids: dict[str, str]) -> MessageRecord:
    return MessageRecord(
        id=ids[message.id],
        conversation_id=conversation_id,
        parent_id=ids[message.parent_id] if message.parent_id else None,
        role=message.role,
        content=message.content,
        created_at=message.created_at,
        reasoning=message.reasoning,
        status="cancelled" if message.status == "streaming" else message.status,
        error=message.error,
        timings=message.timings,
        usage=message.usage,
        model=message.model,
    )


def export_filename(title: str, extension: str) -> str:
    """A safe file name derived from a title."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", title).strip("-")[:60] or "conversation"
    return f"{stem}.{extension}"
