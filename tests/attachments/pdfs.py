"""PDFs made for the tests with fpdf2: with text, image-only, encrypted, damaged."""

from __future__ import annotations

from fpdf import FPDF
from PIL import Image

__all__ = ["damaged_pdf", "encrypted_pdf", "image_only_pdf", "text_pdf"]


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with one page per string, each written as its text layer."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 5, text)
    return bytes(pdf.output())


def image_only_pdf(pages: int = 2) -> bytes:
    """A PDF whose pages hold only a picture (like a scan): no text at all."""
    pdf = FPDF()
    picture = Image.new("RGB", (60, 40), "teal")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(picture, x=10, y=10, w=120)
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    """A PDF that needs a password to open."""
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.set_font("helvetica")
    pdf.add_page()
    pdf.cell(text="Only with the password.")
    return bytes(pdf.output())


def damaged_pdf() -> bytes:
    """A text PDF cut short after its first 400 bytes (a broken download)."""
    return text_pdf(["This file was cut short."] * 3)[:400]
