"""Images for vision models: made ready to send, and put into a user turn.

* ``_prepare``: ``prepare_image`` decodes PNG, JPEG, WebP or GIF (first frame) with Pillow,
  turns it upright, scales it down to a longest side and re-encodes it as PNG or JPEG, off the
  event loop with ``prepare_image_async``;
* ``_content``: ``user_content`` makes a user turn's OpenAI content array with ``image_url``
  data URIs for a model that sees, or names the images in the text, with a note, for one that
  cannot.
"""

from backend.images._content import NamedImage, blind_note, image_part, user_content
from backend.images._prepare import (
    IMAGE_MIME_TYPES,
    PreparedImage,
    prepare_image,
    prepare_image_async,
)

__all__ = [
    "IMAGE_MIME_TYPES",
    "NamedImage",
    "PreparedImage",
    "blind_note",
    "image_part",
    "prepare_image",
    "prepare_image_async",
    "user_content",
]
