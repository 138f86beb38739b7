"""Small JSON documents in the data folder, written atomically and never fatal to read.

The catalogue keeps two: the linked files and hidden folder models (``models.json``) and the
per-model load settings (``model-settings.json``). A write goes to a temporary file beside the
target, is fsynced, renamed over it, and the folder is fsynced, so a crash leaves the old
document or the new one. A document that is not a JSON object (hand-edited, half-written by
something else) must not stop the app from listing models: it is moved aside as
``<name>.bad-<UTC timestamp>``, reading starts from empty, and a warning says where it went.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.errors import StorageError

__all__ = ["JsonFile"]


class JsonFile:
    """One JSON object on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []

    def read(self) -> dict[str, Any]:
        """The stored object; ``{}`` when missing, or when unusable (moved aside, warned)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StorageError(
                f"Cannot read {self.path}: {exc.strerror}.", detail=str(exc)
            ) from exc
        try:
            data = json.loads(text)
        except ValueError as exc:
            return self._set_aside(f"it is not valid JSON ({exc})")
        if not isinstance(data, dict):
            return self._set_aside("it is not a JSON object")
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Replace the document atomically."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=2, sort_keys=True)
                    handle.flush()
                    os.fsync(handle.fileno())
                Path(temp).replace(self.path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise StorageError(
                f"Cannot write {self.path}: {exc.strerror}.", detail=str(exc)
            ) from exc

    def _set_aside(self, why: str) -> dict[str, Any]:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        try:
            self.path.replace(aside)
        except OSError as exc:
            raise StorageError(f"Cannot move {self.path} aside: {exc.strerror}.") from exc
        self.warnings.append(f"{self.path.name} was unusable ({why}); it was moved to {aside}.")
        return {}
