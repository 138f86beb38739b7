"""Small JSON documents in the data folder, written atomically and never fatal to read.

The catalogue keeps two: the linked files and hidden folder models (``models.json``) and the
per-model load settings (``model-settings.json``). A write goes through
:func:`backend.files.write_atomic`, so a crash leaves the old document or the new one. A document
that is not a JSON object (hand-edited, half-written by something else) must not stop the app from
listing models: it is set aside as ``<name>.bad-<UTC timestamp>``, reading starts from empty, and
a warning says where it went.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.errors import StorageError
from backend.files import set_aside, write_atomic

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
        document = json.dumps(data, indent=2, sort_keys=True).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, document)
        except OSError as exc:
            raise StorageError(
                f"Cannot write {self.path}: {exc.strerror}.", detail=str(exc)
            ) from exc

    def _set_aside(self, why: str) -> dict[str, Any]:
        try:
            aside = set_aside(self.path)
        except OSError as exc:
            raise StorageError(f"Cannot move {self.path} aside: {exc.strerror}.") from exc
        self.warnings.append(f"{self.path.name} was unusable ({why}); it was moved to {aside}.")
        return {}
