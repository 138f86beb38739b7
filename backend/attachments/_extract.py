"""Reading the text out of a document: plain text, HTML and PDF, within a time limit.

Runs in a worker thread (the caller's ``anyio.to_thread``), never on the event loop. PDFium is
not thread-safe, so PDFs are read one at a time behind a lock. A PDF's text is its pages' text
joined by blank lines; ``page_offsets`` says where each page starts, so a page range can be
sent alone. Every failure leaves as ``AttachmentRefused`` saying which: not UTF-8 text, an
encrypted PDF (a password is needed), a damaged one, one with no text at all (image-only,
e.g. scanned), or reading that outlasted the time limit.
"""

from __future__ import annotations

import codecs
import re
import threading
import time
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c
from bs4 import BeautifulSoup

from ..errors import AttachmentRefused
from ._kinds import FileType

__all__ = ["Extracted", "extract"]

_PDF_LOCK = threading.Lock()
_PAGE_SEPARATOR = "\n\n"
_DROPPED_HTML = ("script", "style", "noscript", "template", "head")


@dataclass(frozen=True)
class Extracted:
    """A document's text, and where each page starts in it (PDF only)."""

    text: str
    page_offsets: tuple[int, ...] | None = None


def extract(name: str, kind: FileType, data: bytes, timeout_s: float) -> Extracted | None:
    """The text of ``data`` (None for an image); ``AttachmentRefused`` when it has none."""
    deadline = time.monotonic() + timeout_s
    if kind.reader == "image":
        return None
    if kind.reader == "pdf":
        return _pdf(name, data, deadline, timeout_s)
    if kind.reader == "html":
        return Extracted(_html(data))
    return Extracted(_text(name, data))


def _text(name: str, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise AttachmentRefused(f"{name} is not valid UTF-16 text.", detail=str(exc)) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AttachmentRefused(
            f"{name} is not UTF-8 text, so it cannot be read; save it as UTF-8 and attach it "
            "again.",
            detail=str(exc),
        ) from exc
    if "\0" in text:
        raise AttachmentRefused(f"{name} is a binary file, not text.")
    return text


def _html(data: bytes) -> str:
    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(_DROPPED_HTML):
        tag.decompose()
    text = soup.get_text("\n")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _pdf(name: str, data: bytes, deadline: float, timeout_s: float) -> Extracted:
    with _PDF_LOCK:
        document = _open_pdf(name, data)
        try:
            pages = _page_texts(name, document, deadline, timeout_s)
        finally:
            document.close()
    if not any(page.strip() for page in pages):
        raise AttachmentRefused(
            f"{name} has no text to read: it is an image-only PDF (scanned pages or pictures). "
            "Attach a PDF with a text layer, or run text recognition (OCR) on it first."
        )
    offsets: list[int] = []
    position = 0
    for page in pages:
        offsets.append(position)
        position += len(page) + len(_PAGE_SEPARATOR)
    return Extracted(_PAGE_SEPARATOR.join(pages), tuple(offsets))


def _open_pdf(name: str, data: bytes) -> pypdfium2.PdfDocument:
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise AttachmentRefused(
                f"{name} is an encrypted PDF: it needs a password to open. Save a copy without "
                "the password and attach that.",
                detail=str(exc),
            ) from exc
        raise AttachmentRefused(
            f"{name} is a damaged PDF: it cannot be read (it may be cut short or not a PDF).",
            detail=str(exc),
        ) from exc


def _page_texts(
    name: str, document: pypdfium2.PdfDocument, deadline: float, timeout_s: float
) -> list[str]:
    pages: list[str] = []
    try:
        for index in range(len(document)):
            if time.monotonic() > deadline:
                raise AttachmentRefused(
                    f"Reading {name} took longer than {timeout_s:g} s (at page {index + 1} of "
                    f"{len(document)}); it was not attached. Raise the time limit in Settings → "
                    "Attachments, or attach fewer pages.",
                )
            page = document[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
    except pypdfium2.PdfiumError as exc:
        raise AttachmentRefused(
            f"{name} is a damaged PDF: page {len(pages) + 1} cannot be read.", detail=str(exc)
        ) from exc
    return pages
