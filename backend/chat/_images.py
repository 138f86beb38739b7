"""The images of an answer's prompt, made ready for the model that answers.

Whether the local model can see is what its server reports when the prompt is built:
``/props`` → ``modalities.vision``, true when llama-server was started with a projector
(``--mmproj``). For a model that sees, each image of the branch is read from the store, scaled
down to ``attachments.image_max_side`` and re-encoded off the event loop; the last few are kept
(by file and side), so a conversation's earlier images are not decoded again for each answer.
For a model that cannot see nothing is read: the prompt names each image with a note, and the
rest of the conversation still goes (llama-server refuses the whole request otherwise).

A conversation answered by a remote provider gets its images: such a server says nothing about
what it sees before it is asked, and one that cannot answers with its own error.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from ..contract import LOCAL_PROVIDER_ID
from ..errors import ServerError
from ..images import PreparedImage
from ..llama import LlamaCppAdapter, parse_server_defaults
from ._attachments import AttachmentService
from ._parts import StoredPart

__all__ = ["PromptImages"]

log = logging.getLogger(__name__)

_KEPT = 16
"""How many prepared images are kept in memory (a few hundred KB each)."""


class PromptImages:
    """Decides whether a prompt's images are sent, and prepares those that are."""

    def __init__(
        self,
        attachments: AttachmentService,
        adapter: LlamaCppAdapter,
        max_side: Callable[[], int],
    ) -> None:
        self.attachments = attachments
        self.adapter = adapter
        self.max_side = max_side
        self._kept: OrderedDict[tuple[str, int], PreparedImage] = OrderedDict()

    async def sees(self, provider_id: str) -> bool:
        """Whether the model answering for ``provider_id`` is sent images (see the module)."""
        if provider_id != LOCAL_PROVIDER_ID:
            return True
        try:
            return parse_server_defaults(await self.adapter.props()).vision is True
        except ServerError as exc:
            log.info("Images named, not sent: the server's /props failed: %s", exc.message)
            return False

    async def for_parts(
        self, parts: Mapping[str, Sequence[StoredPart]], provider_id: str
    ) -> dict[str, PreparedImage] | None:
        """The images among ``parts`` ready to send, by attachment id; None when the model
        cannot see (or there are none)."""
        ids = [p.attachment.id for ps in parts.values() for p in ps if p.attachment.kind == "image"]
        if not ids or not await self.sees(provider_id):
            return None
        return {image_id: await self.prepared(image_id) for image_id in dict.fromkeys(ids)}

    async def prepared(self, attachment_id: str) -> PreparedImage:
        """One stored image scaled to the current ``image_max_side`` (kept for the next time)."""
        key = (attachment_id, self.max_side())
        image = self._kept.get(key)
        if image is None:
            image = await self.attachments.prepared(*key)
            self._kept[key] = image
            while len(self._kept) > _KEPT:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
        return image
