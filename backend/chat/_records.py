"""The rows of the conversation database as records, and back, by column name.

A record is a frozen dataclass whose field names are the table's column names; reading a row
(a ``sqlite3.Row``) takes each field by name, writing one binds named parameters, so a column
added by a migration cannot shift the others. Values that SQLite has no type for are encoded
here: booleans as 0/1, ``params`` and ``usage`` as JSON, ``timings``, ``tool_calls``,
``options`` and ``probs`` as their wire JSON (``probs`` NULL when none were asked for).

Ids are 12-character url-safe random strings; times are ISO-8601 UTC strings with milliseconds
and a ``Z``, which sort as text.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import TypeAdapter

from ..contract import (
    Attachment,
    ConversationOptions,
    Message,
    MessageRole,
    MessageStatus,
    Timings,
    TokenProb,
    ToolCallInfo,
)
from ..llama import Usage, parse_usage

__all__ = [
    "CONVERSATION_COLUMNS",
    "ConversationRecord",
    "MESSAGE_COLUMNS",
    "MessageRecord",
    "conversation_from_row",
    "insert_conversation_row",
    "insert_message_row",
    "message_from_row",
    "message_values",
    "new_id",
    "stopped_calls",
    "utc_now",
]


_TOOL_CALLS = TypeAdapter(tuple[ToolCallInfo, ...])
_PROBS = TypeAdapter(tuple[TokenProb, ...])
_UNFINISHED = ("pending", "awaiting_approval", "running")


def stopped_calls(calls: tuple[ToolCallInfo, ...], why: str) -> tuple[ToolCallInfo, ...]:
    """``calls`` with every unfinished one ``cancelled``, its result saying ``why``."""
    return tuple(
        call.model_copy(update={"state": "cancelled", "result": why, "is_error": True})
        if call.state in _UNFINISHED
        else call
        for call in calls
    )


def new_id() -> str:
    """A fresh random id: 12 url-safe characters."""
    return secrets.token_urlsafe(9)


def utc_now() -> str:
    """The current time as ISO-8601 UTC with milliseconds, e.g. ``2026-01-02T03:04:05.678Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class ConversationRecord:
    """A conversation row."""

    id: str
    title: str
    created_at: str
    updated_at: str
    pinned: bool = False
    model: str | None = None
    system_prompt: str | None = None
    params: dict[str, float | int | None] = field(default_factory=dict)
    active_leaf_id: str | None = None
    title_pending: bool = False
    """True until the conversation gets its automatic title (or a rename)."""
    options: ConversationOptions = field(default_factory=ConversationOptions)
    provider_id: str = "local"
    """The provider that answers (``backend.providers``); ``local`` is the managed server."""
    provider_model: str | None = None
    """The provider's model; None: the local server's loaded model, or the provider's first."""


@dataclass(frozen=True)
class MessageRecord:
    """A message row."""

    id: str
    conversation_id: str
    parent_id: str | None
    role: MessageRole
    content: str
    created_at: str
    reasoning: str = ""
    status: MessageStatus = "complete"
    error: str | None = None
    timings: Timings | None = None
    usage: Usage | None = None
    model: str | None = None
    tool_calls: tuple[ToolCallInfo, ...] = ()
    probs: tuple[TokenProb, ...] | None = None
    """Each generated token's probability, when the conversation asked for them."""
    reasoning_ms: float | None = None
    provider_id: str | None = None
    provider_name: str | None = None
    """The provider that wrote the answer (the last one, when it fell back mid-answer)."""
    failover: str | None = None
    """Set when another provider than the chosen one wrote (part of) the answer: what happened."""

    def to_contract(
        self, sibling_ids: list[str], attachments: list[Attachment] | None = None
    ) -> Message:
        """The wire form, with the ids of this message and its siblings, and its attachments."""
        return Message(
            id=self.id,
            conversation_id=self.conversation_id,
            parent_id=self.parent_id,
            role=self.role,
            content=self.content,
            reasoning=self.reasoning,
            status=self.status,
            error=self.error,
            timings=self.timings,
            model=self.model,
            tool_calls=list(self.tool_calls),
            probs=None if self.probs is None else list(self.probs),
            reasoning_ms=self.reasoning_ms,
            provider_id=self.provider_id,
            provider_name=self.provider_name,
            failover=self.failover,
            attachments=attachments or [],
            created_at=self.created_at,
            sibling_ids=sibling_ids,
        )


CONVERSATION_COLUMNS = tuple(f.name for f in fields(ConversationRecord))
MESSAGE_COLUMNS = tuple(f.name for f in fields(MessageRecord))


def conversation_from_row(row: sqlite3.Row) -> ConversationRecord:
    """The record of a ``conversations`` row that has every record column."""
    return ConversationRecord(
        id=row["id"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        pinned=bool(row["pinned"]),
        model=row["model"],
        system_prompt=row["system_prompt"],
        params=json.loads(row["params"]),
        active_leaf_id=row["active_leaf_id"],
        title_pending=bool(row["title_pending"]),
        options=ConversationOptions.model_validate_json(row["options"]),
        provider_id=row["provider_id"],
        provider_model=row["provider_model"],
    )


def message_from_row(row: sqlite3.Row) -> MessageRecord:
    """The record of a ``messages`` row that has every record column."""
    return MessageRecord(
        id=row["id"],
        conversation_id=row["conversation_id"],
        parent_id=row["parent_id"],
        role=cast("MessageRole", row["role"]),
        content=row["content"],
        created_at=row["created_at"],
        reasoning=row["reasoning"],
        status=cast("MessageStatus", row["status"]),
        error=row["error"],
        timings=Timings.model_validate_json(row["timings"]) if row["timings"] else None,
        usage=parse_usage(json.loads(row["usage"])) if row["usage"] else None,
        model=row["model"],
        tool_calls=_TOOL_CALLS.validate_json(row["tool_calls"]),
        probs=_PROBS.validate_json(row["probs"]) if row["probs"] else None,
        reasoning_ms=row["reasoning_ms"],
        provider_id=row["provider_id"],
        provider_name=row["provider_name"],
        failover=row["failover"],
    )


def _conversation_values(record: ConversationRecord) -> dict[str, Any]:
    """The column values of a conversation, keyed by column name."""
    values = {name: getattr(record, name) for name in CONVERSATION_COLUMNS}
    values.update(
        pinned=int(record.pinned),
        params=json.dumps(record.params),
        title_pending=int(record.title_pending),
        options=record.options.model_dump_json(),
    )
    return values


def message_values(record: MessageRecord) -> dict[str, Any]:
    """The column values of a message, keyed by column name."""
    values = {name: getattr(record, name) for name in MESSAGE_COLUMNS}
    values.update(
        timings=record.timings.model_dump_json() if record.timings else None,
        usage=json.dumps(asdict(record.usage)) if record.usage is not None else None,
        tool_calls=_TOOL_CALLS.dump_json(record.tool_calls).decode(),
        probs=None if record.probs is None else _PROBS.dump_json(record.probs).decode(),
    )
    return values


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    marks = ", ".join(f":{name}" for name in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (fixed names)


_INSERT_CONVERSATION = _insert_sql("conversations", CONVERSATION_COLUMNS)
_INSERT_MESSAGE = _insert_sql("messages", MESSAGE_COLUMNS)


def insert_conversation_row(db: sqlite3.Connection, record: ConversationRecord) -> None:
    """Insert a conversation as given (its id included), inside the caller's transaction."""
    db.execute(_INSERT_CONVERSATION, _conversation_values(record))


def insert_message_row(db: sqlite3.Connection, record: MessageRecord) -> None:
    """Insert a message as given (its id included), inside the caller's transaction."""
    db.execute(_INSERT_MESSAGE, message_values(record))
