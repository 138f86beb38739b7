"""Attached files on disk, stored once each under their content hash.

``<root>/<first two hex digits>/<sha256>``: two messages with the same file share one copy. A
file is written whole (``write_atomic``) before any row names it, and removed only after the
row that named it is gone, so a crash leaves at worst an unnamed file, which :meth:`BlobStore.ids`
lets the sweep at start find and remove.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import NotFound, StorageError
from ..files import write_atomic

__all__ = ["BlobStore", "content_id"]


def content_id(data: bytes) -> str:
    """The id of a file's content: its SHA-256 in lowercase hex."""
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Files by content hash under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, blob_id: str) -> Path:
        """Where the file with this id lives."""
        return self.root / blob_id[:2] / blob_id

    def put(self, data: bytes) -> str:
        """Store ``data`` (once: an existing copy is kept) and return its id."""
        blob_id = content_id(data)
        target = self.path(blob_id)
        if target.exists():
            return blob_id
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
        except OSError as exc:
            raise StorageError(
                f"Could not store the attachment in {self.root}.", detail=str(exc)
            ) from exc
        return blob_id

    def read(self, blob_id: str) -> bytes:
        """The file's bytes; ``NotFound`` when it is not stored."""
        try:
            return self.path(blob_id).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"The attached file {blob_id[:12]}… is no longer stored.") from exc
        except OSError as exc:
            raise StorageError("Could not read an attached file.", detail=str(exc)) from exc

    def remove(self, blob_id: str) -> None:
        """Delete the file (nothing when it is already gone)."""
        try:
            self.path(blob_id).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError("Could not delete an attached file.", detail=str(exc)) from exc

    def ids(self) -> Iterator[str]:
        """The ids of every stored file."""
        for file in self._files():
            if len(file.name) == 64 and not file.name.startswith("."):
                yield file.name

    def remove_leftovers(self) -> None:
        """Delete the temporary files of writes a crash interrupted (only when none runs)."""
        for file in self._files():
            if file.name.startswith(".") and file.name.endswith(".tmp"):
                file.unlink(missing_ok=True)

    def _files(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.is_dir():
                yield from folder.iterdir()
