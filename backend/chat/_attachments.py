"""``AttachmentService``: files attached to messages, from the dialog or an upload to the store.

Adding a file checks its size against ``attachments.max_file_mb`` before reading it, recognises
its type, reads its text in a worker thread within ``attachments.extract_timeout_s`` (so the
event loop never waits on a 300-page PDF), writes its bytes once under their SHA-256, and
stores its row with a hold (it is not used by any message yet). Sending only links rows: the
text was read when the file was added, so a message with a document costs nothing more to
send than the same text typed in. An image is decoded when it is added (a damaged one, or one
with more pixels than Pillow opens, is refused then, not when it is sent); the page gets it
scaled down from :meth:`AttachmentService.image` (a thumbnail, or larger to view).

Files no message uses any more are removed by :meth:`AttachmentService.collect` after every
delete, and at start by :meth:`AttachmentService.sweep`, which also finishes what a crash
interrupted (a queued file not yet removed, a file written but never named by a row).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import anyio

from ..attachments import SUPPORTED, BlobStore, content_id, extract, file_type
from ..config import AttachmentSettings
from ..contract import (
    Attachment,
    AttachmentImage,
    AttachmentRef,
    AttachmentText,
    PickedAttachments,
    RefusedFile,
)
from ..errors import AttachmentRefused, InvalidArgument, LlamaDeskError, StorageError
from ..images import PreparedImage, prepare_image_async
from ._parts import PartStore, StoredAttachment
from ._records import utc_now
from ._store import ConversationStore

__all__ = ["AttachmentService"]

log = logging.getLogger(__name__)

_MB = 1024 * 1024
_CHECK_SIDE = 64
"""The side an image is scaled to when it is only checked (decoding it whole is the check)."""


class AttachmentService:
    """Adds, reads and releases the files attached to messages."""

    def __init__(
        self,
        store: ConversationStore,
        blobs: BlobStore,
        settings: Callable[[], AttachmentSettings],
    ) -> None:
        self.parts = PartStore(store)
        self.blobs = blobs
        self.settings = settings

    def _check_size(self, name: str, size: int) -> None:
        limit = self.settings().max_file_mb
        if size > limit * _MB:
            raise AttachmentRefused(
                f"{name} is {size / _MB:.1f} MB, larger than the {limit:g} MB limit "
                "(Settings → Attachments)."
            )
        if size == 0:
            raise AttachmentRefused(f"{name} is empty.")

    async def add(self, name: str, data: bytes) -> Attachment:
        """Attach a file's bytes (refused with a reason: type, size, unreadable text, time)."""
        self._check_size(name, len(data))
        kind = file_type(name, data)
        if kind is None:
            raise AttachmentRefused(f"{name} cannot be attached: only {SUPPORTED} can.")
        if kind.reader == "image":
            await self._check_image(name, data)
        timeout = self.settings().extract_timeout_s
        extracted = await anyio.to_thread.run_sync(extract, name, kind, data, timeout)
        attachment = StoredAttachment(
            id=content_id(data),
            name=name,
            mime_type=kind.mime_type,
            kind=kind.kind,
            size=len(data),
            text=extracted.text if extracted else None,
            page_offsets=extracted.page_offsets if extracted else None,
            created_at=utc_now(),
        )
        await anyio.to_thread.run_sync(self.blobs.put, data)
        self.parts.add(attachment)
        if not self.blobs.path(attachment.id).exists():  # collected while it was being written
            self.blobs.put(data)
        return attachment.view(name)

    @staticmethod
    async def _check_image(name: str, data: bytes) -> None:
        try:
            await prepare_image_async(data, name, _CHECK_SIDE)
        except InvalidArgument as exc:
            raise AttachmentRefused(exc.message, detail=exc.detail) from exc

    async def add_upload(self, name: str, data: str) -> Attachment:
        """Attach a file the page sent as base64 (browser mode), with the same limits."""
        self._check_size(name, len(data) * 3 // 4)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AttachmentRefused(f"{name} did not arrive as valid base64.") from exc
        return await self.add(name, raw)

    async def add_path(self, path: Path) -> Attachment:
        """Attach the file at ``path`` (the window's file dialog chose it)."""
        try:
            size = (await anyio.to_thread.run_sync(path.stat)).st_size
            self._check_size(path.name, size)
            data = await anyio.to_thread.run_sync(path.read_bytes)
        except OSError as exc:
            raise AttachmentRefused(f"{path.name} cannot be read.", detail=str(exc)) from exc
        return await self.add(path.name, data)

    async def add_paths(self, paths: Sequence[Path]) -> PickedAttachments:
        """Attach each file; those that cannot be are listed with the reason."""
        attached: list[Attachment] = []
        refused: list[RefusedFile] = []
        for path in paths:
            try:
                attached.append(await self.add_path(path))
            except LlamaDeskError as exc:
                refused.append(RefusedFile(name=path.name, message=exc.message))
        return PickedAttachments(attachments=attached, refused=refused)

    def text(self, ref: AttachmentRef, name: str | None = None) -> AttachmentText:
        """A stored file's extracted text (of the pages asked for)."""
        stored = self.parts.get(ref.id)
        stored.check_pages(ref.first_page, ref.last_page)
        return AttachmentText(
            attachment=stored.view(name or stored.name, ref.first_page, ref.last_page),
            text=stored.pages_text(ref.first_page, ref.last_page),
        )

    def read_bytes(self, attachment_id: str) -> bytes:
        """A stored file's bytes (an image to send to a vision model)."""
        return self.blobs.read(self.parts.get(attachment_id).id)

    async def prepared(self, attachment_id: str, max_side: int) -> PreparedImage:
        """A stored image scaled down to ``max_side``, off the event loop.

        ``InvalidArgument`` when the file is not an image (or can no longer be decoded),
        ``NotFound`` when it is not stored."""
        stored = self.parts.get(attachment_id)
        if stored.kind != "image":
            raise InvalidArgument(f"{stored.name} is not an image.")
        data = await anyio.to_thread.run_sync(self.blobs.read, stored.id)
        return await prepare_image_async(data, stored.name, max_side)

    async def image(self, attachment_id: str, max_side: int) -> AttachmentImage:
        """A stored image for the page: scaled down to ``max_side``, base64."""
        prepared = await self.prepared(attachment_id, max_side)
        return AttachmentImage(
            id=attachment_id,
            mime_type=prepared.mime_type,
            data=base64.b64encode(prepared.data).decode("ascii"),
            width=prepared.width,
            height=prepared.height,
            source_width=prepared.source_width,
            source_height=prepared.source_height,
        )

    def collect(self) -> None:
        """Remove the files no message uses any more (queued by the database's trigger)."""
        orphans = self.parts.orphans()
        if not orphans:
            return
        removed = []
        for orphan in orphans:
            try:
                self.blobs.remove(orphan)
                removed.append(orphan)
            except StorageError as exc:
                log.warning("%s (%s)", exc.message, exc.detail)
        self.parts.forget_orphans(removed)

    def sweep(self) -> None:
        """At start: release unsent files past their hold, finish removals, drop leftovers."""
        self.parts.expire_holds()
        self.collect()
        self.blobs.remove_leftovers()
        known = self.parts.known()
        for blob_id in list(self.blobs.ids()):
            if blob_id not in known:
                self.blobs.remove(blob_id)
