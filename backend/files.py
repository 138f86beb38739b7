"""Files on disk that a crash cannot leave half-written, and damaged ones set aside, not deleted.

:func:`write_atomic` is the one way LlamaDesk replaces a small file (settings, the models JSON
documents, pid files, download sidecars): the bytes go to a temporary file in the same folder
(``.<name>.<random>.tmp``, so a rename never crosses file systems), are flushed and fsynced, the
temporary file is renamed over the target, and the folder is fsynced so the rename itself is on
disk. After a crash at any point the target holds the old content or the new, never part of
either; a leftover temporary file is harmless and :func:`remove_temp_files` clears it.

:func:`set_aside` moves a file that cannot be used (not JSON, invalid, from a newer version) to
``<name>.bad-<UTC timestamp>`` beside it, so the app can start without it and the user still has
it. Both raise ``OSError``; callers translate it into their own error (``ConfigError``,
``StorageError``) with the path in the message.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["rename_durably", "remove_temp_files", "set_aside", "write_atomic"]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a crash leaves the old content or the new, never a mix."""
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        rename_durably(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def rename_durably(source: Path, target: Path) -> None:
    """Rename ``source`` over ``target`` and fsync the folder, so the rename survives a crash.

    ``source`` must already be fsynced and in the same folder (or at least file system).
    """
    source.replace(target)
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_temp_files(path: Path) -> None:
    """Delete temporary files an interrupted :func:`write_atomic` of ``path`` left behind."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


def set_aside(path: Path) -> Path:
    """Move an unusable file to ``<name>.bad-<UTC timestamp>`` beside it; return the new path.

    The timestamp has microseconds; should that name exist already, a counter is appended, so an
    earlier set-aside file is never overwritten.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
        counter += 1
    path.replace(aside)
    return aside
