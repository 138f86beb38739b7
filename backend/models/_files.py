"""Finding model files on disk, grouping split models, and deleting them.

Folders are walked recursively (LM Studio and Hugging Face downloads nest models as
``publisher/repo/file.gguf``), following no symlinked folders, skipping hidden entries and
unreadable folders. Only ``*.gguf`` names count, so a download's ``<name>.gguf.part`` never
shows up as a model.

llama.cpp's ``gguf-split`` names parts ``<base>-00001-of-00003.gguf``; llama-server is given
part 1 and finds the others beside it. A split model is therefore one entry keyed by part 1's
path, whatever parts exist: a missing part is reported on the entry, not hidden.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from backend.errors import StorageError

__all__ = [
    "FileGroup",
    "delete_files",
    "find_gguf_files",
    "group_files",
    "split_siblings",
    "visible_folders",
]

_SPLIT = re.compile(r"^(?P<base>.+)-(?P<no>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)


@dataclass(frozen=True)
class FileGroup:
    """One model's files: a single file, or the parts of a split model."""

    name: str
    primary: Path
    parts: tuple[Path, ...]
    missing: tuple[int, ...] = ()
    part_count: int = 1

    @property
    def missing_reason(self) -> str | None:
        """Which parts are missing, in words, or None."""
        if not self.missing:
            return None
        numbers = ", ".join(str(number) for number in self.missing)
        noun = "part" if len(self.missing) == 1 else "parts"
        return f"Split model is missing {noun} {numbers} of {self.part_count}."


def _is_gguf_name(name: str) -> bool:
    """A visible ``*.gguf`` file name."""
    return name.lower().endswith(".gguf") and not name.startswith(".")


def visible_folders(folder: Path, *, recursive: bool = True) -> Iterator[tuple[Path, list[str]]]:
    """``folder`` and (``recursive``) every visible folder under it, each with its file names,
    sorted: what the scan reads, and so what the folder watch watches. Nothing when missing."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(name for name in dirs if not name.startswith(".")) if recursive else []
        yield Path(root), sorted(files)


def find_gguf_files(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Every visible GGUF file under ``folder`` (or only in it); nothing when it does not exist."""
    return [
        root / name
        for root, files in visible_folders(folder, recursive=recursive)
        for name in files
        if _is_gguf_name(name)
    ]


def split_siblings(path: Path) -> list[Path]:
    """For a split part, every part of the same model present beside it; else ``[path]``."""
    match = _SPLIT.match(path.name)
    if match is None:
        return [path]
    base, count = match["base"], match["count"]
    pattern = re.compile(rf"^{re.escape(base)}-\d{{5}}-of-{count}\.gguf$", re.IGNORECASE)
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return [path]
    return sorted(entry for entry in entries if pattern.match(entry.name))


def group_files(paths: Iterable[Path]) -> list[FileGroup]:
    """Group paths into models, split parts together, in first-seen order."""
    singles: dict[Path, FileGroup] = {}
    splits: dict[tuple[Path, str, int], dict[int, Path]] = {}
    order: list[Path | tuple[Path, str, int]] = []
    for path in paths:
        match = _SPLIT.match(path.name)
        if match is None:
            if path not in singles:
                singles[path] = FileGroup(path.name[: -len(".gguf")], path, (path,))
                order.append(path)
            continue
        key = (path.parent, match["base"], int(match["count"]))
        if key not in splits:
            splits[key] = {}
            order.append(key)
        splits[key][int(match["no"])] = path
    return [singles[key] if isinstance(key, Path) else _split(key, splits[key]) for key in order]


def _split(key: tuple[Path, str, int], found: dict[int, Path]) -> FileGroup:
    _, base, count = key
    numbers = sorted(found)
    missing = tuple(number for number in range(1, count + 1) if number not in found)
    return FileGroup(
        name=base,
        primary=found[numbers[0]],
        parts=tuple(found[number] for number in numbers),
        missing=missing,
        part_count=count,
    )


def delete_files(files: Iterable[Path]) -> None:
    """Delete a model's files; ``StorageError`` names the one that could not go."""
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"Cannot delete {path}: {exc.strerror}.", detail=str(exc)) from exc
