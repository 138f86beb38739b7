"""Settings file migrations: an append-only list of named functions, oldest first.

A file's ``schema_version`` is the number of migrations already applied to it; a file without
one is version 0. Opening a file runs the rest of the list in order, so the version of the code
is ``len(MIGRATIONS)``. Never edit or reorder a released migration: add a new one, and a test
that migrates a real file of the old shape.

Version 0 was a flat file from the first prototype::

    {"server_path": "/opt/llama-server", "model_path": "/m/a.gguf", "ctx_size": 8192,
     "temperature": 0.5, "theme": "auto"}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

__all__ = ["MIGRATIONS", "MigrationError", "migrate", "migration"]

Document = dict[str, Any]
Migration = Callable[[Document], Document]

MIGRATIONS: Final[list[Migration]] = []


class MigrationError(Exception):
    """The file's ``schema_version`` is not one this version can migrate from."""


def migration(function: Migration) -> Migration:
    """Register ``function`` as the next migration."""
    MIGRATIONS.append(function)
    return function


def migrate(doc: Document) -> tuple[Document, int]:
    """Bring ``doc`` to the current version; return it and the version it had."""
    version = doc.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise MigrationError(f"schema_version {version!r} is not a version number")
    if version > len(MIGRATIONS):
        raise MigrationError(
            f"schema_version {version} was written by a newer LlamaDesk"
            f" (this one knows up to {len(MIGRATIONS)})"
        )
    for step in MIGRATIONS[version:]:
        try:
            doc = step(doc)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise MigrationError(f"{step.__name__} cannot migrate it ({exc})") from exc
    return {**doc, "schema_version": len(MIGRATIONS)}, version


_V0_KEYS: Final = {
    "server_path": ("engine", "server_binary"),
    "model_path": ("engine", "model"),
    "ctx_size": ("engine", "context_size"),
    "temperature": ("generation", "temperature"),
    "theme": ("appearance", "theme"),
}


@migration
def m001_sections(doc: Document) -> Document:
    """v0 -> v1: flat prototype keys move into sections; theme ``auto`` becomes ``system``."""
    migrated: Document = {key: value for key, value in doc.items() if key not in _V0_KEYS}
    for old, (section, field) in _V0_KEYS.items():
        if old in doc:
            migrated.setdefault(section, {})[field] = doc[old]
    appearance = migrated.get("appearance", {})
    if appearance.get("theme") == "auto":
        appearance["theme"] = "system"
    return migrated
