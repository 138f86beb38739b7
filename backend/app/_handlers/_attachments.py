"""Attachment commands: files picked in the window or uploaded, their text or image, token
counts."""

from __future__ import annotations

from pathlib import Path

import anyio

from ...contract import (
    Attachment,
    AttachmentImage,
    AttachmentImageParams,
    AttachmentRef,
    AttachmentText,
    CountTokensParams,
    EmptyParams,
    PickedAttachments,
    TokenCounts,
    UploadAttachmentParams,
)
from ...errors import Conflict
from ._base import HandlerBase

__all__ = ["AttachmentCommands"]


class AttachmentCommands(HandlerBase):
    """Attaching files to the message being written, and reading them back."""

    async def pick_attachments(self, params: EmptyParams) -> PickedAttachments:
        """Choose files with the desktop's file dialog; each is read and stored by the backend."""
        picker = self._attachment_picker()
        if picker is None:
            raise Conflict(
                "There is no file dialog in browser mode.",
                detail="Upload the files with upload_attachment instead.",
            )
        paths = await anyio.to_thread.run_sync(picker)
        return await self._services.chat.attachments.add_paths([Path(p) for p in paths])

    async def upload_attachment(self, params: UploadAttachmentParams) -> Attachment:
        """Attach a file the page sends (browser mode), with the same limits as the dialog."""
        return await self._services.chat.attachments.add_upload(params.name, params.data)

    async def get_attachment_text(self, params: AttachmentRef) -> AttachmentText:
        """The text read out of a stored attachment (of the pages asked for)."""
        return self._services.chat.attachments.text(params)

    async def get_attachment_image(self, params: AttachmentImageParams) -> AttachmentImage:
        """A stored image scaled down to a longest side (a thumbnail, or larger to view it)."""
        return await self._services.chat.attachments.image(params.id, params.max_side)

    async def count_message_tokens(self, params: CountTokensParams) -> TokenCounts:
        """Tokens of the text and of each attachment, against the conversation's context left."""
        return await self._services.chat.tokens.count(
            params.conversation_id, params.content, params.attachments
        )
