"""Attachments in the JSON export: each file once, with its bytes, and each message's parts.

An export lists every file its messages use once, under ``attachments`` at the top of the
document (``id`` = SHA-256 of the bytes, ``data`` = the bytes in base64, and the extracted
text, so an import need not read the file again); a message lists its parts by id, name and
page range. An import checks each file's bytes against its id, stores the files before its
transaction and links the parts inside it, so a bad file imports nothing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from ..attachments import BlobStore, content_id
from ..contract import ATTACHMENT_ID, AttachmentChoice, AttachmentKind
from ..errors import FieldError, ImportFormatError, StorageError
from ._parts import PartStore, StoredAttachment, StoredPart

__all__ = [
    "ExportedFile",
    "ExportedPart",
    "check_files",
    "exported_files",
    "exported_parts",
    "store_files",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ExportedPart(_Strict):
    """One attachment of an exported message."""

    id: str = ATTACHMENT_ID
    name: str = Field(min_length=1, max_length=255)
    first_page: int | None = Field(None, ge=1)
    last_page: int | None = Field(None, ge=1)

    def choice(self) -> AttachmentChoice:
        """The part as a message's attachment."""
        return AttachmentChoice(
            id=self.id, name=self.name, first_page=self.first_page, last_page=self.last_page
        )


class ExportedFile(_Strict):
    """One attached file of an export, with its bytes and extracted text."""

    id: str = ATTACHMENT_ID
    name: str = Field(min_length=1, max_length=255)
    mime_type: str = Field(min_length=1, max_length=200)
    kind: AttachmentKind
    size: int = Field(ge=0)
    text: str | None = None
    page_offsets: list[int] | None = None
    created_at: str
    data: str = Field(description="The file's bytes, base64.")


def exported_parts(parts: Sequence[StoredPart]) -> list[ExportedPart]:
    """A message's parts as the export lists them."""
    return [
        ExportedPart(
            id=p.attachment.id, name=p.name, first_page=p.first_page, last_page=p.last_page
        )
        for p in parts
    ]


def exported_files(attachments: Iterable[StoredAttachment], blobs: BlobStore) -> list[ExportedFile]:
    """Each file once, with its bytes."""
    files: dict[str, ExportedFile] = {}
    for a in attachments:
        if a.id not in files:
            files[a.id] = ExportedFile(
                id=a.id,
                name=a.name,
                mime_type=a.mime_type,
                kind=a.kind,
                size=a.size,
                text=a.text,
                page_offsets=list(a.page_offsets) if a.page_offsets is not None else None,
                created_at=a.created_at,
                data=base64.b64encode(blobs.read(a.id)).decode(),
            )
    return list(files.values())


def _decoded(index: int, file: ExportedFile) -> bytes:
    where = f"attachments.{index}"
    try:
        data = base64.b64decode(file.data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImportFormatError(
            f"The export file is invalid at {where}.data: not base64",
            fields=[FieldError(f"{where}.data", "not base64")],
        ) from exc
    if content_id(data) != file.id:
        message = "the bytes do not match the id (SHA-256)"
        raise ImportFormatError(
            f"The export file is invalid at {where}: {message}",
            fields=[FieldError(f"{where}.id", message)],
        )
    return data


def check_files(files: Sequence[ExportedFile], used: Iterable[str]) -> list[bytes]:
    """Each file's bytes, checked; ``ImportFormatError`` for a part naming no listed file."""
    listed = {f.id for f in files}
    for attachment_id in used:
        if attachment_id not in listed:
            message = f"no file {attachment_id[:12]}… under attachments"
            raise ImportFormatError(f"The export file is invalid: a message names {message}")
    return [_decoded(i, f) for i, f in enumerate(files)]


def store_files(
    parts: PartStore, blobs: BlobStore | None, files: Sequence[ExportedFile], data: Sequence[bytes]
) -> None:
    """Store the files (bytes on disk first, then their rows in the caller's transaction)."""
    if files and blobs is None:
        raise StorageError("This store keeps no attached files; the import has some.")
    for file, content in zip(files, data, strict=True):
        assert blobs is not None
        blobs.put(content)
        parts.add(
            StoredAttachment(
                id=file.id,
                name=file.name,
                mime_type=file.mime_type,
                kind=file.kind,
                size=len(content),
                text=file.text,
                page_offsets=tuple(file.page_offsets) if file.page_offsets is not None else None,
                created_at=file.created_at,
            )
        )
