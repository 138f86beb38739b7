"""Attached files: which types are supported, their text read out, their bytes stored by hash.

- ``_kinds``: ``file_type``, a file recognised by its name and first bytes (or refused).
- ``_extract``: ``extract``, a document's text (PDF pages with pypdfium2, HTML with Beautiful
  Soup), in a worker thread, within a time limit; every failure an ``AttachmentRefused``.
- ``_blobs``: ``BlobStore``, the files on disk under their SHA-256, stored once each.

Which message uses which file, and when a file is no longer used, is the conversation
database's business (``backend.chat``).
"""

from ._blobs import BlobStore, content_id
from ._extract import Extracted, extract
from ._kinds import SUPPORTED, FileType, Reader, file_type

__all__ = [
    "BlobStore",
    "Extracted",
    "FileType",
    "Reader",
    "SUPPORTED",
    "content_id",
    "extract",
    "file_type",
]
