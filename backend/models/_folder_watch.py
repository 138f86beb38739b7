"""Rescanning the model folders when they change: inotify, so an idle app does not poll the disk.

``watch_folders`` runs rounds: watch, rescan, report a changed list, sleep until a change.

``folder_changes`` registers a watch on every folder the catalogue scans (recursively, hidden
folders skipped, as the scan does) and on the folders of linked files (not recursively); a
folder that does not exist yet is watched through its nearest existing parent, so its creation
is seen. The watches are registered *before* the caller rescans, so a change made during the
scan is not missed: it is queued and ends the next wait at once. Each round gets new watches,
which also picks up folders created since.

Where inotify cannot be used (no inotify, or the system's watch limit reached) the waits are
a timer instead, as before inotify, and the log says so once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from asyncinotify import Inotify, Mask

from backend.errors import InvalidArgument, LlamaDeskError
from backend.models._files import visible_folders

if TYPE_CHECKING:
    from backend.models._catalogue import ModelCatalogue, ModelsCallback

__all__ = ["FolderChanges", "folder_changes", "watch_folders"]

_log = logging.getLogger(__name__)

_MASK = (
    Mask.CREATE
    | Mask.DELETE
    | Mask.MOVED_FROM
    | Mask.MOVED_TO
    | Mask.CLOSE_WRITE
    | Mask.DELETE_SELF
    | Mask.MOVE_SELF
    | Mask.ONLYDIR
)
"""A file appeared, went, was renamed or finished being written; not every write of a copy."""


async def watch_folders(
    catalogue: ModelCatalogue,
    on_change: ModelsCallback,
    *,
    settle_s: float = 0.5,
    poll_s: float = 2.0,
) -> None:
    """Rescan when something in the model folders changed; call ``on_change`` if the list did.

    Idle, it sleeps on inotify; without inotify it rescans every ``poll_s``. A burst of changes
    (a model being copied in) waits ``settle_s`` and is one rescan. A failed rescan (say, the
    data folder briefly unreadable) is logged and retried ``poll_s`` later: the watch outlives
    it rather than taking its task group down. The catalogue's ``rewatch`` starts a new round
    when the folders to watch changed.
    """
    if settle_s < 0 or poll_s <= 0:
        raise InvalidArgument("The watch needs a settle time of 0 or more and a positive poll.")
    catalogue.rewatch.bind()
    last = catalogue.models()
    while True:
        recursive, flat = catalogue.watched_folders()
        async with folder_changes(recursive, flat, poll_s=poll_s) as changes:
            failed = False
            try:
                current = await anyio.to_thread.run_sync(catalogue.refresh)
            except LlamaDeskError as exc:
                _log.warning("Rescanning the model folders failed: %s", exc.message)
                failed = True
            else:
                if current != last:
                    last = current
                    on_change(current)
            with anyio.move_on_after(poll_s if failed else math.inf):
                async with anyio.create_task_group() as first:
                    for wait in (changes.wait, catalogue.rewatch.wait):
                        first.start_soon(_then_cancel, wait, first.cancel_scope)
        await anyio.sleep(settle_s)


async def _then_cancel(wait: Callable[[], Awaitable[None]], scope: anyio.CancelScope) -> None:
    await wait()
    scope.cancel()


class FolderChanges:
    """One round of watches; :meth:`wait` returns once something in them changed."""

    def __init__(self, notify: Inotify | None, poll_s: float) -> None:
        self._notify = notify
        self._poll_s = poll_s

    async def wait(self) -> None:
        """Until a watched folder changed (or ``poll_s`` passed, without inotify)."""
        if self._notify is None:
            await anyio.sleep(self._poll_s)
        else:
            await anyio.wait_readable(self._notify.fd)


@asynccontextmanager
async def folder_changes(
    recursive: Sequence[Path], flat: Sequence[Path], *, poll_s: float
) -> AsyncIterator[FolderChanges]:
    """Watch ``recursive`` folders with everything under them, and ``flat`` ones alone.

    The folders are walked off the event loop (a large or slow tree must not stall it).
    """
    notify = await anyio.to_thread.run_sync(_watching, recursive, flat, poll_s)
    if notify is None:
        yield FolderChanges(None, poll_s)
        return
    with notify:
        yield FolderChanges(notify, poll_s)


def _watching(recursive: Sequence[Path], flat: Sequence[Path], poll_s: float) -> Inotify | None:
    """An inotify with every watch in place, or None (said once) where it cannot be had."""
    notify: Inotify | None = None
    try:
        notify = Inotify()
        for folder in recursive:
            _watch_tree(notify, folder)
        for folder in flat:
            _watch(notify, _existing(folder))
    except OSError as exc:  # no inotify, or the watch limit (ENOSPC: fs.inotify.max_user_watches)
        if notify is not None:
            notify.close()
        _say_once(f"Cannot watch the model folders ({exc}); rescanning every {poll_s:g} s")
        return None
    return notify


_said: set[str] = set()


def _say_once(warning: str) -> None:
    """Log ``warning`` the first time only: without inotify every round would repeat it."""
    if warning not in _said:
        _said.add(warning)
        _log.warning("%s", warning)


def _watch_tree(notify: Inotify, folder: Path) -> None:
    if not folder.is_dir():
        _watch(notify, _existing(folder))
        return
    for root, _files in visible_folders(folder):
        _watch(notify, root)


def _watch(notify: Inotify, folder: Path | None) -> None:
    """Watch one folder; one that went or cannot be read meanwhile is skipped."""
    if folder is None:
        return
    try:
        notify.add_watch(folder, _MASK)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return


def _existing(folder: Path) -> Path | None:
    """``folder`` or its nearest parent that is a folder (None for none)."""
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            return candidate
    return None
