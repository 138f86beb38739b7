"""Message parts in the database: the stored attachments and which message uses which.

A user message's parts are its text (``messages.content``) and its attachments
(``message_parts`` rows, in order), each naming a stored file (``attachments``, keyed by the
SHA-256 of its bytes) with the name it was attached under and an optional page range. See
``_migrations`` (``m008_attachments``) for how a file is released with the last message that
uses it. The files' bytes are on disk (``backend.attachments.BlobStore``); this module only
holds rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..contract import Attachment, AttachmentChoice, AttachmentKind
from ..errors import InvalidArgument, NotFound
from ._records import MessageRecord
from ._store import ConversationStore

__all__ = ["PartStore", "StoredAttachment", "StoredPart", "hold_time", "part_views"]

_HOLD = timedelta(days=1)
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
_ATTACHMENT_COLUMNS = "id, name, mime_type, kind, size, text, page_offsets, created_at"
_PART_SELECT = (
    "SELECT p.message_id, p.name AS part_name, p.first_page, p.last_page,"
    " a.id, a.name, a.mime_type, a.kind, a.size, a.text, a.page_offsets, a.created_at"
    " FROM message_parts p JOIN attachments a ON a.id = p.attachment_id"
)


def hold_time(now: datetime | None = None) -> str:
    """Until when a file just attached (not yet sent) is kept unused: a day from now."""
    moment = (now or datetime.now(UTC)) + _HOLD
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class StoredAttachment:
    """An ``attachments`` row: a stored file and its extracted text (None for an image)."""

    id: str
    name: str
    mime_type: str
    kind: AttachmentKind
    size: int
    text: str | None
    page_offsets: tuple[int, ...] | None
    created_at: str

    @property
    def page_count(self) -> int | None:
        """A PDF's number of pages (None for other files)."""
        return len(self.page_offsets) if self.page_offsets is not None else None

    def check_pages(self, first: int | None, last: int | None) -> None:
        """``InvalidArgument`` unless the range fits this file (a range needs pages)."""
        if first is None and last is None:
            return
        count = self.page_count
        if count is None:
            raise InvalidArgument(f"{self.name} has no pages: send it whole.")
        for page in (first, last):
            if page is not None and page > count:
                raise InvalidArgument(f"{self.name} has {count} pages; there is no page {page}.")

    def pages_text(self, first: int | None = None, last: int | None = None) -> str:
        """The text of pages ``first`` to ``last`` (1-based, inclusive), or of the whole file."""
        text = self.text or ""
        if self.page_offsets is None or (first is None and last is None):
            return text
        offsets = self.page_offsets
        start = offsets[(first or 1) - 1]
        end = offsets[last] if last is not None and last < len(offsets) else len(text)
        return text[start:end].rstrip("\n")

    def view(self, name: str, first: int | None = None, last: int | None = None) -> Attachment:
        """This file as a message part under ``name``, with the pages chosen."""
        return Attachment(
            id=self.id,
            name=name,
            mime_type=self.mime_type,
            kind=self.kind,
            size=self.size,
            page_count=self.page_count,
            char_count=len(self.pages_text(first, last)),
            first_page=first,
            last_page=last,
        )


@dataclass(frozen=True)
class StoredPart:
    """One attachment of a message: the file, the name it goes by, the pages sent."""

    attachment: StoredAttachment
    name: str
    first_page: int | None
    last_page: int | None

    def view(self) -> Attachment:
        """The part as the page shows it."""
        return self.attachment.view(self.name, self.first_page, self.last_page)

    def text(self) -> str:
        """The text sent for this part (empty for an image)."""
        return self.attachment.pages_text(self.first_page, self.last_page)


def _attachment(row: sqlite3.Row) -> StoredAttachment:
    offsets = row["page_offsets"]
    return StoredAttachment(
        id=row["id"],
        name=row["name"],
        mime_type=row["mime_type"],
        kind=row["kind"],
        size=row["size"],
        text=row["text"],
        page_offsets=tuple(json.loads(offsets)) if offsets is not None else None,
        created_at=row["created_at"],
    )


class PartStore:
    """The attachment rows of one conversation store."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def add(self, attachment: StoredAttachment) -> None:
        """Store a file's row (or renew the hold of the same file stored before).

        A file queued for removal is taken off the queue: it is wanted again."""
        offsets = attachment.page_offsets
        with self.store.transaction() as db:
            db.execute(
                f"INSERT INTO attachments ({_ATTACHMENT_COLUMNS}, held_until)"  # noqa: S608
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET held_until = excluded.held_until",
                (
                    attachment.id,
                    attachment.name,
                    attachment.mime_type,
                    attachment.kind,
                    attachment.size,
                    attachment.text,
                    json.dumps(list(offsets)) if offsets is not None else None,
                    attachment.created_at,
                    hold_time(),
                ),
            )
            db.execute("DELETE FROM attachment_orphans WHERE id = ?", (attachment.id,))

    def get(self, attachment_id: str) -> StoredAttachment:
        """The stored file, or ``NotFound`` (never stored, or released since)."""
        rows = self.store.query(
            f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE id = ?",  # noqa: S608
            (attachment_id,),
        )
        if not rows:
            raise NotFound(
                f"The attachment {attachment_id[:12]}… is not stored (any more); attach the "
                "file again."
            )
        return _attachment(rows[0])

    def add_user_message(
        self,
        conversation_id: str,
        parent_id: str | None,
        content: str,
        attachments: Sequence[AttachmentChoice],
    ) -> MessageRecord:
        """Store a user message with its parts, in one transaction."""
        with self.store.transaction():
            user = self.store.add_message(conversation_id, parent_id, "user", content)
            self.link(user.id, attachments)
        return user

    def link(self, message_id: str, choices: Sequence[AttachmentChoice]) -> None:
        """Make ``choices`` the parts of a new message (in the caller's transaction, if any)."""
        with self.store.transaction() as db:
            for position, choice in enumerate(choices):
                self.get(choice.id).check_pages(choice.first_page, choice.last_page)
                db.execute(
                    "INSERT INTO message_parts"
                    " (message_id, position, attachment_id, name, first_page, last_page)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        message_id,
                        position,
                        choice.id,
                        choice.name,
                        choice.first_page,
                        choice.last_page,
                    ),
                )
                db.execute("UPDATE attachments SET held_until = '' WHERE id = ?", (choice.id,))

    def parts(self, message_ids: Iterable[str]) -> dict[str, list[StoredPart]]:
        """The parts of each message that has any, in order."""
        ids = list(message_ids)
        found: dict[str, list[StoredPart]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self.store.query(
                f"{_PART_SELECT} WHERE p.message_id IN ({marks}) ORDER BY p.message_id, p.position",
                chunk,
            )
            for row in rows:
                found.setdefault(row["message_id"], []).append(
                    StoredPart(
                        _attachment(row), row["part_name"], row["first_page"], row["last_page"]
                    )
                )
        return found

    def choices(self, message_id: str) -> list[AttachmentChoice]:
        """A message's parts as they would be sent again (an edit keeps them)."""
        return [
            AttachmentChoice(
                id=part.attachment.id,
                name=part.name,
                first_page=part.first_page,
                last_page=part.last_page,
            )
            for part in self.parts([message_id]).get(message_id, [])
        ]

    def has_images(self, conversation_id: str) -> bool:
        """Whether any message of the conversation has an image (one indexed query)."""
        rows = self.store.query(
            "SELECT 1 FROM messages m JOIN message_parts p ON p.message_id = m.id"
            " JOIN attachments a ON a.id = p.attachment_id"
            " WHERE m.conversation_id = ? AND a.kind = 'image' LIMIT 1",
            (conversation_id,),
        )
        return bool(rows)

    def orphans(self) -> list[str]:
        """Ids of files no row uses any more, whose bytes are still to be removed."""
        return [row["id"] for row in self.store.query("SELECT id FROM attachment_orphans")]

    def forget_orphans(self, ids: Iterable[str]) -> None:
        """The files of ``ids`` are gone from disk: drop them from the queue."""
        with self.store.transaction() as db:
            db.executemany("DELETE FROM attachment_orphans WHERE id = ?", [(i,) for i in ids])

    def expire_holds(self) -> None:
        """Release files attached in the form but never sent, once their hold has passed."""
        with self.store.transaction() as db:
            unused = (
                f"held_until < {_NOW} AND NOT EXISTS"  # noqa: S608
                " (SELECT 1 FROM message_parts p WHERE p.attachment_id = attachments.id)"
            )
            db.execute(
                f"INSERT OR IGNORE INTO attachment_orphans(id)"  # noqa: S608
                f" SELECT id FROM attachments WHERE {unused}"
            )
            db.execute(f"DELETE FROM attachments WHERE {unused}")  # noqa: S608

    def known(self) -> set[str]:
        """Ids of every stored file's row (the files on disk that no row names are leftovers)."""
        return {row["id"] for row in self.store.query("SELECT id FROM attachments")}


def part_views(parts: Mapping[str, Sequence[StoredPart]], message_id: str) -> list[Attachment]:
    """A message's attachments as the page shows them (none when it has no parts)."""
    return [part.view() for part in parts.get(message_id, ())]
