"""Export and import: a lossless JSON document, and Markdown for reading.

Long because: the format's documented example, its strict models, export and import
belong in one place, so the one file states the whole format.

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
          "options": {"stop": [], "token_probs": 0, ...},  # optional (ConversationOptions)
          "active_leaf_id": "m5",                         # optional: the branch shown
          "provider_id": "local", "provider_model": null, # optional: who answers it
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
              "model": null,                              # optional
              "tool_calls": [{"id": "c1", "name": "add", "arguments": "{...}",
                              "state": "done", "result": "5", ...}],  # optional (ToolCallInfo)
              "probs": [{"token": "Hi", "prob": 0.9, "top": [...]}],     # optional (TokenProb)
              "reasoning_ms": 1234.5,                     # optional: how long it thought
              "provider_id": "local", "provider_name": "This computer",  # optional: who wrote it
              "failover": null,                           # optional: how it fell back
              "attachments": [{"id": "<sha256>", "name": "report.pdf",   # optional: its files
                               "first_page": 2, "last_page": 5}]       # pages sent (or null)
            }
          ]
        }
      ],
      "attachments": [                                    # optional: each file used, once
        {"id": "<sha256>", "name": "report.pdf", "mime_type": "application/pdf",
         "kind": "document", "size": 12345, "text": "...", "page_offsets": [0, 1234],
         "created_at": "...Z", "data": "<the bytes, base64>"}
      ]
    }

Ids match ``^[A-Za-z0-9_-]+$`` (at most 64 characters). Import validates the whole document
first and then writes it in one transaction: a bad file imports nothing. It validates as strictly
as live data is: the text is strict JSON (``strict_json``: UTF-8, no ``NaN``/``Infinity``, no lone
surrogates, not nested deeply), values have their JSON types (``"pinned": "true"`` is an error,
not true), ``params`` are the generation settings' own fields with their bounds
(``SamplingParams``), and times are ISO-8601 with a time zone, stored in the app's own UTC form.
Unknown keys, a bad time, a missing parent, a message listed before its parent or a duplicate id
are reported as ``ImportFormatError`` with the offending field. Import never overwrites: an id
that already exists gets a fresh one, and parent links and the active leaf follow the new ids. A
message imported as ``streaming`` becomes ``cancelled``, and so do its unfinished tool calls.

Attachments: see ``_export_files``; the Markdown export: ``_export_markdown``.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_serializer,
)

from .. import strict_json
from ..attachments import BlobStore
from ..config import SamplingParams
from ..contract import (
    ConversationOptions,
    MessageRole,
    MessageStatus,
    Timings,
    TokenProb,
    ToolCallInfo,
)
from ..errors import FieldError, ImportFormatError, InvalidArgument
from ..llama import parse_usage
from ._bulk import existing_ids, insert_conversation
from ._export_files import (
    ExportedFile,
    ExportedPart,
    check_files,
    exported_files,
    exported_parts,
    store_files,
)
from ._parts import PartStore, StoredPart
from ._records import ConversationRecord, MessageRecord, new_id, stopped_calls, utc_now
from ._store import ConversationStore

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "ExportDocument",
    "ExportedConversation",
    "ExportedMessage",
    "export_json",
    "import_json",
    "parse_export",
]

EXPORT_FORMAT = "llamadesk.conversations"
EXPORT_VERSION = 1

_Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def _utc_timestamp(text: str) -> str:
    """An ISO-8601 time with a zone, as the store writes times (``...T03:04:05.678Z``)."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("it has no time zone")
        utc = moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            f"expected an ISO-8601 time with a zone, like 2026-01-02T03:04:05.678Z ({exc})"
        ) from exc
    return utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


Timestamp = Annotated[
    str,
    AfterValidator(_utc_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ExportedMessage(_Strict):
    """One message of an exported conversation."""

    id: str = _Id
    parent_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    role: MessageRole
    content: str
    reasoning: str = ""
    status: MessageStatus = "complete"
    created_at: Timestamp
    error: str | None = None
    timings: Timings | None = None
    usage: dict[str, int] | None = None
    model: str | None = None
    tool_calls: list[ToolCallInfo] = Field(default_factory=list, max_length=1000)
    probs: list[TokenProb] | None = Field(None, max_length=1_000_000)
    reasoning_ms: float | None = Field(None, ge=0)
    provider_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    provider_name: str | None = Field(None, max_length=200)
    failover: str | None = Field(None, max_length=2000)
    attachments: list[ExportedPart] = Field(default_factory=list, max_length=100)


class ExportedConversation(_Strict):
    """One exported conversation with all its branches."""

    id: str = _Id
    title: str = Field(max_length=1000)
    created_at: Timestamp
    updated_at: Timestamp
    pinned: bool = False
    model: str | None = None
    system_prompt: str | None = None
    params: SamplingParams = Field(default_factory=SamplingParams)
    options: ConversationOptions = Field(default_factory=ConversationOptions)
    active_leaf_id: str | None = None
    provider_id: str = Field("local", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    provider_model: str | None = Field(None, max_length=500)
    messages: list[ExportedMessage] = Field(default_factory=list)

    @field_serializer("params")
    def _set_params_only(self, params: SamplingParams) -> dict[str, float | int]:
        return params.model_dump(exclude_none=True)


class ExportDocument(_Strict):
    """A whole export file."""

    format: Literal["llamadesk.conversations"]
    version: Literal[1]
    exported_at: Timestamp | None = None
    conversations: list[ExportedConversation]
    attachments: list[ExportedFile] = Field(default_factory=list)


def _exported(
    store: ConversationStore, conversation_id: str, parts: dict[str, list[StoredPart]]
) -> ExportedConversation:
    record = store.get_conversation(conversation_id)
    messages = store.messages(conversation_id)
    parts.update(PartStore(store).parts(m.id for m in messages))
    return ExportedConversation(
        id=record.id,
        title=record.title,
        created_at=record.created_at,
        updated_at=record.updated_at,
        pinned=record.pinned,
        model=record.model,
        system_prompt=record.system_prompt,
        params=SamplingParams.model_validate(record.params),
        options=record.options,
        active_leaf_id=record.active_leaf_id,
        provider_id=record.provider_id,
        provider_model=record.provider_model,
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
                usage=asdict(m.usage) if m.usage is not None else None,
                model=m.model,
                tool_calls=list(m.tool_calls),
                probs=None if m.probs is None else list(m.probs),
                reasoning_ms=m.reasoning_ms,
                provider_id=m.provider_id,
                provider_name=m.provider_name,
                failover=m.failover,
                attachments=exported_parts(parts.get(m.id, [])),
            )
            for m in messages
        ],
    )


def export_json(
    store: ConversationStore, conversation_ids: list[str], blobs: BlobStore | None = None
) -> str:
    """The JSON document for these conversations (their attached files read from ``blobs``)."""
    parts: dict[str, list[StoredPart]] = {}
    conversations = [_exported(store, cid, parts) for cid in conversation_ids]
    used = [p.attachment for message_parts in parts.values() for p in message_parts]
    if used and blobs is None:
        raise InvalidArgument("These conversations have attachments; their files are needed.")
    document = ExportDocument(
        format=EXPORT_FORMAT,
        version=EXPORT_VERSION,
        exported_at=utc_now(),
        conversations=conversations,
        attachments=exported_files(used, blobs) if blobs is not None else [],
    )
    return document.model_dump_json(indent=2, exclude_defaults=False)


def parse_export(data: str | dict[str, Any]) -> ExportDocument:
    """Validate an export document (text or parsed); ``ImportFormatError`` says what is wrong."""
    try:
        if isinstance(data, str):
            raw = strict_json.loads(data, "The file")
        else:
            raw = data
            strict_json.check(raw, "The document")
    except InvalidArgument as exc:
        raise ImportFormatError(exc.message, detail=exc.detail) from exc
    if not isinstance(raw, dict) or raw.get("format") != EXPORT_FORMAT:
        raise ImportFormatError(
            f'This is not a LlamaDesk export (expected "format": "{EXPORT_FORMAT}").'
        )
    try:
        document = ExportDocument.model_validate(raw, strict=True)
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


def import_json(
    store: ConversationStore, data: str | dict[str, Any], blobs: BlobStore | None = None
) -> list[str]:
    """Import every conversation of a document in one transaction; return the new ids.

    Its attached files go to ``blobs`` (written before the transaction; a failed import leaves
    them unnamed, for the next start's sweep)."""
    document = parse_export(data)
    used = [a.id for c in document.conversations for m in c.messages for a in m.attachments]
    contents = check_files(document.attachments, used)
    taken_conversations = existing_ids(
        store, "conversations", [c.id for c in document.conversations]
    )
    taken_messages = existing_ids(
        store, "messages", [m.id for c in document.conversations for m in c.messages]
    )
    created = []
    parts = PartStore(store)
    with store.transaction():
        store_files(parts, blobs, document.attachments, contents)
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
                params=conversation.params.model_dump(exclude_none=True),
                active_leaf_id=ids[leaf] if leaf else None,
                options=conversation.options,
                provider_id=conversation.provider_id,
                provider_model=conversation.provider_model,
            )
            insert_conversation(
                store, record, [_message(m, cid, ids) for m in conversation.messages]
            )
            for m in conversation.messages:
                parts.link(ids[m.id], [a.choice() for a in m.attachments])
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
        usage=parse_usage(message.usage),
        model=message.model,
        tool_calls=stopped_calls(
            tuple(message.tool_calls), "Not run: the answer was cut short before it ran."
        )
        if message.status == "streaming"
        else tuple(message.tool_calls),
        probs=None if message.probs is None else tuple(message.probs),
        reasoning_ms=message.reasoning_ms,
        provider_id=message.provider_id,
        provider_name=message.provider_name,
        failover=message.failover,
    )


def export_filename(title: str, extension: str) -> str:
    """A safe file name derived from a title."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", title).strip("-")[:60] or "conversation"
    return f"{stem}.{extension}"
