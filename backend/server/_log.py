"""Where llama-server's output goes: a rotating file and the last lines in memory.

At default verbosity a model that fails to load says why only on stderr, and only once: the
output is kept so the monitor can quote it in the error and the logs viewer can show it. The
file rotates by size (``llama-server.log``, ``.1``, ``.2``…) so a server that runs for weeks
cannot fill the disk; the ring buffer holds the last lines for ``ServerMonitor.logs``. The
monitor writes its own notes (launches, orphans it stopped) into the same stream, prefixed
``[llamadesk]``, so the log tells one story.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import TextIO

__all__ = ["ServerLog"]


class ServerLog:
    """Lines from llama-server: appended to a rotating file and kept in a ring buffer."""

    def __init__(
        self, path: Path, *, max_bytes: int = 5_000_000, backups: int = 3, keep: int = 2000
    ) -> None:
        self.path = path
        self._max_bytes = max_bytes
        self._backups = backups
        self._lines: deque[str] = deque(maxlen=keep)
        self._file: TextIO | None = None

    def _open(self) -> TextIO:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8", errors="replace")
        return self._file

    def _rotate(self) -> None:
        self.close()
        for index in range(self._backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self._backups > 0:
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()

    def write(self, line: str) -> None:
        """Record one line (without its newline)."""
        self._lines.append(line)
        handle = self._open()
        handle.write(line + "\n")
        handle.flush()
        if handle.tell() >= self._max_bytes:
            self._rotate()

    def note(self, text: str) -> None:
        """Record a line of the monitor's own."""
        self.write(f"[llamadesk] {text}")

    def tail(self, count: int) -> list[str]:
        """The last ``count`` lines, oldest first."""
        if count <= 0:
            return []
        return list(self._lines)[-count:]

    def close(self) -> None:
        """Close the file; a later write opens it again."""
        if self._file is not None:
            self._file.close()
            self._file = None
