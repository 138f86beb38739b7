"""Which files can be attached, recognised by name and first bytes.

Documents are read as text: plain text and code (the extensions below, or any other file that
is UTF-8 without NUL bytes), Markdown, CSV/TSV, HTML (its text, without markup) and PDF (the
text of each page). Images are stored as they are, with no text: a vision model sees them.
Anything else is refused with a message naming the types that work.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from ..contract import AttachmentKind

__all__ = ["FileType", "Reader", "SUPPORTED", "file_type"]

Reader = Literal["text", "html", "pdf", "image"]
"""How a file's content is read."""

SUPPORTED = "text and code files, Markdown, HTML, CSV, PDF and images (PNG, JPEG, WebP, GIF)"
"""The types that can be attached, as a refusal names them."""

_CODE = (
    "txt text log json jsonl yaml yml toml ini cfg conf env xml css scss less js mjs cjs ts tsx"
    " jsx svelte vue py pyi rb php pl lua sh bash zsh fish ps1 bat c h cc cpp cxx hpp hh rs go"
    " java kt kts scala swift m mm cs fs sql r jl dart ex exs erl hs ml clj el vim tex bib"
    " diff patch rst org adoc gradle cmake mk dockerfile gitignore proto graphql tf nix zig"
)
_BY_EXTENSION: dict[str, tuple[str, Reader]] = {
    **{ext: ("text/plain", "text") for ext in _CODE.split()},
    "md": ("text/markdown", "text"),
    "markdown": ("text/markdown", "text"),
    "csv": ("text/csv", "text"),
    "tsv": ("text/tab-separated-values", "text"),
    "html": ("text/html", "html"),
    "htm": ("text/html", "html"),
    "xhtml": ("text/html", "html"),
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "image"),
    "jpg": ("image/jpeg", "image"),
    "jpeg": ("image/jpeg", "image"),
    "webp": ("image/webp", "image"),
    "gif": ("image/gif", "image"),
}
_MAGIC: tuple[tuple[bytes, str, Reader], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "image"),
    (b"\xff\xd8\xff", "image/jpeg", "image"),
    (b"GIF87a", "image/gif", "image"),
    (b"GIF89a", "image/gif", "image"),
)


@dataclass(frozen=True)
class FileType:
    """What a file is and how it is read."""

    mime_type: str
    reader: Reader

    @property
    def kind(self) -> AttachmentKind:
        """``image`` for pictures, ``document`` for everything read as text."""
        return "image" if self.reader == "image" else "document"


def _sniffed(data: bytes) -> FileType | None:
    for magic, mime, reader in _MAGIC:
        if data.startswith(magic):
            return FileType(mime, reader)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return FileType("image/webp", "image")
    return None


def file_type(name: str, data: bytes) -> FileType | None:
    """The type of a file named ``name`` with content ``data``; None when it is not supported.

    A PDF or an image is recognised by its first bytes whatever its name; other files by their
    extension, and a file with an unknown one counts as text when it decodes as such.
    """
    sniffed = _sniffed(data)
    if sniffed is not None:
        return sniffed
    path = PurePath(name.lower())
    extension = path.suffix.lstrip(".") or path.name.lstrip(".")
    known = _BY_EXTENSION.get(extension)
    if known is not None and known[1] in ("text", "html"):
        return FileType(*known)
    if known is None and b"\0" not in data[:8192]:
        return FileType("text/plain", "text")
    return None
