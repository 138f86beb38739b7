"""A user turn with images, as the OpenAI chat API takes it, or as text for a model that is blind.

llama-server takes the OpenAI content-array shape: ``{"role": "user", "content": [{"type":
"text", "text": ...}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}]}``.
A model loaded without a projector answers such a request with HTTP 500 ("image input is not
supported"), so for it each image becomes its file name in the text, with a note saying it was
not sent, and the rest of the conversation still goes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backend.images._prepare import PreparedImage

__all__ = ["NamedImage", "blind_note", "image_part", "user_content"]


@dataclass(frozen=True)
class NamedImage:
    """An image attached under a file name, ready to send."""

    name: str
    image: PreparedImage


def image_part(image: PreparedImage) -> dict[str, Any]:
    """One ``image_url`` content part carrying ``image`` as a base64 data URI."""
    encoded = base64.b64encode(image.data).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:{image.mime_type};base64,{encoded}"}}


def blind_note(names: Sequence[str]) -> str:
    """The line that stands for images a model cannot see."""
    listed = ", ".join(names)
    noun = "Image" if len(names) == 1 else "Images"
    return f"[{noun} attached: {listed}; not shown to this model, which cannot see images]"


def user_content(
    text: str, images: Sequence[NamedImage], *, vision: bool
) -> str | list[dict[str, Any]]:
    """The ``content`` of a user turn: a content array with the images for a model that sees,
    else text naming them (plain text when there are none)."""
    if not images:
        return text
    if not vision:
        note = blind_note([item.name for item in images])
        return f"{text}\n\n{note}" if text else note
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    return parts + [image_part(item.image) for item in images]
