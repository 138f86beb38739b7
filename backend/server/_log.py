"""Where llama-server's output goes: a rotating file and the last lines in memory.

At default verbosity a model that fails to load says why only on stderr, and only once: the
output is kept so the monitor can quote it in the error and the logs viewer can show it. The
file rotates by size (``llama-server.log``, ``.1``, ``.2``…) so a server that runs for weeks
cannot fill the disk; the ring buffer holds the last lines for ``ServerMonitor.logs``. The
monitor writes its own notes (launches, orphans it stopped) into the same stream, prefixed
``[llamadesk]``, so the log tells one story. A file that cannot be written (a full disk) never
stops the server or the app: the lines stay in memory, and writing resumes when it can.
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
        self._failing = False

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
        """Record one line (without its newline); a file that cannot be written is skipped."""
        self._lines.append(line)
        try:
            handle = self._open()
            handle.write(line + "\n")
            handle.flush()
            if handle.tell() >= self._max_bytes:
                self._rotate()
        except OSError as exc:
            self._file_failed(exc)
            return
        self._failing = False

    def _file_failed(self, exc: OSError) -> None:
        """Note once (in memory) that the file is not written; the next write tries again."""
        try:
            self.close()
        except OSError:
            self._file = None
        if not self._failing:
            self._failing = True
            self._lines.append(
                f"[llamadesk] could not write {self.path} ({exc.strerror}); "
                "the log is kept in memory until it can be written again"
            )

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
