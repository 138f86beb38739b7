"""Reading text out of documents: types, PDFs page by page, and every refusal saying which."""

from __future__ import annotations

import pytest

from backend.attachments import extract, file_type
from backend.errors import AttachmentRefused
from tests.attachments.pdfs import damaged_pdf, encrypted_pdf, image_only_pdf, text_pdf

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _text(name: str, data: bytes, timeout_s: float = 10.0) -> str:
    kind = file_type(name, data)
    assert kind is not None
    extracted = extract(name, kind, data, timeout_s)
    assert extracted is not None
    return extracted.text


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("notes.txt", "text/plain"),
        ("main.py", "text/plain"),
        ("README.md", "text/markdown"),
        ("table.csv", "text/csv"),
        ("page.html", "text/html"),
        ("Makefile", "text/plain"),
    ],
)
def test_text_types_are_recognised_by_name(name: str, mime: str) -> None:
    kind = file_type(name, b"hello")
    assert kind is not None
    assert (kind.mime_type, kind.kind) == (mime, "document")


def test_pdfs_and_images_are_recognised_by_their_bytes_whatever_their_name() -> None:
    pdf = file_type("download.bin", text_pdf(["x"]))
    image = file_type("photo.txt", PNG)
    assert pdf is not None
    assert (pdf.mime_type, pdf.reader) == ("application/pdf", "pdf")
    assert image is not None
    assert (image.mime_type, image.kind) == ("image/png", "image")
    assert extract("photo.png", image, PNG, 10) is None


def test_a_binary_file_of_another_type_is_not_supported() -> None:
    assert file_type("archive.zip", b"PK\x03\x04\0\0\0binary") is None
    assert file_type("program.exe", b"MZ\x90\0\x03\0") is None


def test_utf8_text_is_read_as_is_and_other_encodings_are_refused_by_name() -> None:
    assert _text("notes.txt", "\ufeffcafé, naïve".encode()) == "café, naïve"
    assert _text("utf16.txt", "hello".encode("utf-16")) == "hello"
    with pytest.raises(AttachmentRefused, match=r"latin\.txt is not UTF-8 text"):
        _text("latin.txt", "café".encode("latin-1"))


def test_html_gives_its_text_without_markup_scripts_or_styles() -> None:
    html = (
        b"<html><head><title>T</title><style>p{color:red}</style></head><body>"
        b"<h1>Lyon</h1><p>Old <b>town</b> &amp; rivers</p><script>alert(1)</script>"
        b"<ul><li>Fourvi\xc3\xa8re</li><li>Croix-Rousse</li></ul></body></html>"
    )
    text = _text("lyon.html", html)
    assert "Lyon" in text
    assert "Old" in text
    assert "town" in text
    assert "& rivers" in text
    assert "Fourvière" in text
    assert "Croix-Rousse" in text
    assert "alert" not in text
    assert "color" not in text
    assert "<" not in text


def test_csv_and_markdown_keep_their_text() -> None:
    assert _text("t.csv", b"city,people\nLyon,522000\n") == "city,people\nLyon,522000\n"
    assert _text("n.md", b"# Title\n\n- item\n") == "# Title\n\n- item\n"


def test_a_pdf_gives_the_text_of_each_page_and_where_each_starts() -> None:
    data = text_pdf(["First page about volcanoes.", "Second page about glaciers."])
    kind = file_type("geo.pdf", data)
    assert kind is not None
    extracted = extract("geo.pdf", kind, data, 10)
    assert extracted is not None
    assert extracted.page_offsets is not None
    assert len(extracted.page_offsets) == 2
    second = extracted.text[extracted.page_offsets[1] :]
    assert "glaciers" in second
    assert "volcanoes" not in second
    assert "volcanoes" in extracted.text[: extracted.page_offsets[1]]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (encrypted_pdf(), r"scan\.pdf is an encrypted PDF: it needs a password"),
        (damaged_pdf(), r"scan\.pdf is a damaged PDF"),
        (image_only_pdf(), r"scan\.pdf has no text to read: it is an image-only PDF"),
    ],
    ids=["encrypted", "damaged", "image-only"],
)
def test_an_unreadable_pdf_is_refused_saying_which(data: bytes, says: str) -> None:
    kind = file_type("scan.pdf", data)
    assert kind is not None
    with pytest.raises(AttachmentRefused, match=says):
        extract("scan.pdf", kind, data, 10)


def test_reading_a_pdf_past_the_time_limit_is_refused_with_the_page_it_reached() -> None:
    data = text_pdf([f"Page {i}" for i in range(40)])
    kind = file_type("long.pdf", data)
    assert kind is not None
    with pytest.raises(AttachmentRefused, match=r"Reading long\.pdf took longer than 1e-09 s"):
        extract("long.pdf", kind, data, 1e-9)
