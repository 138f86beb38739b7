"""Getting an image ready for a vision model: decoded, its first frame, scaled down, re-encoded.

What a model sees is a few hundred tokens whatever the photo's size, so sending a 12-megapixel
picture only costs time (base64 over HTTP, decoding in llama-server). Pillow decodes PNG, JPEG,
WebP and GIF; an animated GIF or WebP gives its first frame; a phone photo is turned upright by
its EXIF orientation; the image is scaled down (never up) so its longest side is at most
``max_side``, with Lanczos resampling. It is re-encoded as PNG when it has transparency or came
as a lossless PNG/GIF, else as JPEG (quality 90): llama-server's image loader (stb_image) reads
those two but not WebP. Decoding is CPU work: :func:`prepare_image_async` runs it off the event
loop. Every failure is an ``InvalidArgument`` saying what was wrong with which file.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Final

import anyio
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.errors import InvalidArgument

__all__ = ["IMAGE_MIME_TYPES", "PreparedImage", "prepare_image", "prepare_image_async"]

IMAGE_MIME_TYPES: Final = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
"""The formats accepted, by Pillow's name, with their MIME types."""

_LOSSLESS: Final = frozenset({"PNG", "GIF"})
_JPEG_QUALITY: Final = 90
_MAX_PIXELS: Final = Image.MAX_IMAGE_PIXELS or 89_478_485
"""Refuse larger images, Pillow's own bound (a decompression bomb is a small file that decodes
to gigabytes)."""


@dataclass(frozen=True)
class PreparedImage:
    """An image as it is sent: its bytes and type, its size now and as it came."""

    data: bytes
    mime_type: str
    width: int
    height: int
    source_format: str
    source_width: int
    source_height: int

    @property
    def scaled(self) -> bool:
        """Whether it was made smaller than it came."""
        return (self.width, self.height) != (self.source_width, self.source_height)


def prepare_image(data: bytes, name: str, max_side: int) -> PreparedImage:
    """``data`` (the file ``name``) ready to send, its longest side at most ``max_side``."""
    if max_side < 1:
        raise InvalidArgument("The longest side of an image must be at least 1 pixel.")
    with _opened(data, name) as image:
        source_format = str(image.format)
        source = image.size
        image.seek(0)
        frame = ImageOps.exif_transpose(image)
        frame.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        encoded, mime = _encode(frame, source_format)
        return PreparedImage(encoded, mime, *frame.size, source_format, *source)


async def prepare_image_async(data: bytes, name: str, max_side: int) -> PreparedImage:
    """:func:`prepare_image` on a worker thread."""
    return await anyio.to_thread.run_sync(prepare_image, data, name, max_side)


def _opened(data: bytes, name: str) -> Image.Image:
    accepted = ", ".join(IMAGE_MIME_TYPES)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_MIME_TYPES))
            if image.width * image.height > _MAX_PIXELS:
                raise Image.DecompressionBombError(name)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidArgument(
            f"{name} has more pixels than LlamaDesk opens ({_MAX_PIXELS // 1_000_000} megapixels)."
        ) from None
    except UnidentifiedImageError:
        raise InvalidArgument(
            f"{name} is not an image LlamaDesk can read (it takes {accepted})."
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidArgument(
            f"{name} is a damaged or cut-off image: {exc}.", detail=str(exc)
        ) from None
    return image


def _encode(frame: Image.Image, source_format: str) -> tuple[bytes, str]:
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
    out = io.BytesIO()
    if has_alpha or source_format in _LOSSLESS:
        frame.convert("RGBA" if has_alpha else "RGB").save(out, "PNG", optimize=False)
        return out.getvalue(), IMAGE_MIME_TYPES["PNG"]
    frame.convert("RGB").save(out, "JPEG", quality=_JPEG_QUALITY)
    return out.getvalue(), IMAGE_MIME_TYPES["JPEG"]
