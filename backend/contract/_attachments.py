"""Attachments: files that are parts of a user message, stored once by content hash.

An ``Attachment`` is a stored file as a message (or the form, before sending) shows it: its
content hash (``id``), the name it was attached under, its type and size, and for a document
how much text was extracted. A message's parts are its text (``Message.content``) and its
attachments, in order; an image is just another kind of part (no extracted text).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ._base import Params, Wire

__all__ = [
    "ATTACHMENT_ID",
    "Attachment",
    "AttachmentChoice",
    "AttachmentImage",
    "AttachmentImageParams",
    "AttachmentKind",
    "AttachmentRef",
    "AttachmentText",
    "AttachmentTokens",
    "CountTokensParams",
    "PickedAttachments",
    "RefusedFile",
    "TokenCounts",
    "UploadAttachmentParams",
]

AttachmentKind = Literal["document", "image"]
"""A document has extracted text the model reads; an image has none (a vision model sees it)."""

ATTACHMENT_ID = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")
"""The shape of an attachment id: the SHA-256 of the file's bytes, in lowercase hex."""

_NAME = Field(min_length=1, max_length=255)
_MAX_UPLOAD_CHARS = 300_000_000
"""A base64 upload's length bound: beyond any size cap the settings allow (200 MB)."""


class _PageRange(Params):
    first_page: int | None = Field(None, ge=1, le=100_000)
    last_page: int | None = Field(None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _ordered(self) -> _PageRange:
        if (
            self.first_page is not None
            and self.last_page is not None
            and self.first_page > self.last_page
        ):
            raise ValueError("first_page must not come after last_page")
        return self


class Attachment(Wire):
    """A stored file as one part of a message (or of the form before sending)."""

    id: str = Field(description="SHA-256 of the file's bytes: where it is stored.")
    name: str
    mime_type: str
    kind: AttachmentKind
    size: int = Field(description="The file's size in bytes.")
    page_count: int | None = Field(None, description="A PDF's number of pages.")
    char_count: int = Field(0, description="Characters of extracted text (of the pages chosen).")
    first_page: int | None = Field(None, description="The first page sent (null: from the start).")
    last_page: int | None = Field(None, description="The last page sent (null: to the end).")


class AttachmentChoice(_PageRange):
    """An attachment to send with a message, optionally only some of its pages (PDF)."""

    id: str = ATTACHMENT_ID
    name: str = _NAME


class AttachmentRef(_PageRange):
    """Names a stored attachment, optionally some of its pages."""

    id: str = ATTACHMENT_ID


class UploadAttachmentParams(Params):
    """A file sent by the page (browser mode): its name and its bytes as base64."""

    name: str = _NAME
    data: str = Field(max_length=_MAX_UPLOAD_CHARS, description="The file's bytes, base64.")


class RefusedFile(Wire):
    """A picked file that could not be attached, and why."""

    name: str
    message: str


class PickedAttachments(Wire):
    """The files chosen in the window's file dialog: those attached, those refused."""

    attachments: list[Attachment]
    refused: list[RefusedFile] = Field(default_factory=list)


class AttachmentText(Wire):
    """The text extracted from an attachment (of the pages asked for)."""

    attachment: Attachment
    text: str


class AttachmentImageParams(Params):
    """An attached image to show, scaled down to a longest side (a thumbnail, or larger)."""

    id: str = ATTACHMENT_ID
    max_side: int = Field(
        320, ge=16, le=2048, description="The longest side of the image returned, in pixels."
    )


class AttachmentImage(Wire):
    """An attached image as the page shows it: scaled down, as PNG or JPEG, base64."""

    id: str
    mime_type: str = Field(description="image/png or image/jpeg (a GIF gives its first frame).")
    data: str = Field(description="The image's bytes, base64.")
    width: int
    height: int
    source_width: int = Field(description="The stored image's width, before scaling.")
    source_height: int = Field(description="The stored image's height, before scaling.")


class CountTokensParams(Params):
    """What the form would send: its text and attachments, into which conversation."""

    conversation_id: str | None = Field(None, min_length=1, max_length=64)
    content: str = Field("", max_length=2_000_000)
    attachments: list[AttachmentChoice] = Field(default_factory=list, max_length=100)


class AttachmentTokens(Wire):
    """How many tokens one attachment takes as sent (its label included)."""

    id: str
    name: str
    tokens: int


class TokenCounts(Wire):
    """Token counts of a message about to be sent, against the context left."""

    text_tokens: int
    attachments: list[AttachmentTokens]
    context_size: int = Field(description="Tokens one answer's context holds (a server slot).")
    context_used: int = Field(description="Tokens the conversation so far takes.")
    context_left: int = Field(
        description="Tokens left for this message and its answer (context_size - context_used)."
    )
