"""One download as a record: the state the page sees, and what the manager keeps beside it.

``DownloadState`` is immutable; a ``DownloadJob`` holds the current one and replaces it on every
change through :meth:`DownloadJob.update`, which also reports the new state to the listener, so
no change reaches the page half-made and none is missed. The job also knows where its unfinished
bytes live (``name.gguf.part``) and its sidecar (``name.gguf.part.json``, see ``_download_files``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

import anyio

from backend.contract import DownloadInfo, DownloadStatus

__all__ = ["ACTIVE", "DownloadJob", "DownloadState", "DownloadStatus", "ProgressCallback"]

ACTIVE: tuple[DownloadStatus, ...] = ("queued", "running")


@dataclass(frozen=True)
class DownloadState:
    """One download as the page shows it."""

    id: str
    url: str
    path: Path
    status: DownloadStatus
    bytes_done: int = 0
    total: int | None = None
    rate_bps: float | None = None
    eta_s: float | None = None
    error: str | None = None
    sha256: str | None = None

    def info(self) -> DownloadInfo:
        """The wire form the page shows."""
        return DownloadInfo.model_validate({**asdict(self), "path": str(self.path)})


ProgressCallback = Callable[[DownloadState], None]


@dataclass
class DownloadJob:
    """A download's current state, its server ETag, and the handles that stop or await it."""

    state: DownloadState
    on_change: ProgressCallback | None = None
    etag: str | None = None
    scope: anyio.CancelScope | None = None
    finished: anyio.Event | None = None
    stop_as: Literal["paused", "cancelled"] | None = None

    @property
    def part(self) -> Path:
        """The unfinished bytes: ``name.gguf.part``."""
        return self.state.path.with_name(self.state.path.name + ".part")

    @property
    def sidecar(self) -> Path:
        """What a resume needs to know: ``name.gguf.part.json``."""
        return self.state.path.with_name(self.state.path.name + ".part.json")

    def update(self, **changes: object) -> None:
        """Replace the state with ``changes`` applied, and report it."""
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.emit()

    def fail(self, message: str) -> None:
        """Mark the download ``failed`` with ``message`` as the reason."""
        self.update(status="failed", error=message, rate_bps=None, eta_s=None)

    def emit(self) -> None:
        """Report the current state to the listener, if there is one."""
        if self.on_change is not None:
            self.on_change(self.state)
