"""Message queue commands: messages typed while an answer streams, sent after it in order."""

from __future__ import annotations

from ...contract import (
    ConversationRef,
    MessageQueue,
    QueuedMessageRef,
    QueueMessageParams,
    StreamStarted,
    UpdateQueuedMessageParams,
)
from ._base import HandlerBase

__all__ = ["QueueCommands"]


class QueueCommands(HandlerBase):
    """Queue, edit, move, delete and send the messages waiting for the running answer."""

    async def queue_message(self, params: QueueMessageParams) -> MessageQueue:
        """Queue a message after the running answer (sent at once when none runs)."""
        return self._services.chat.queue.add(params.conversation_id, params.content)

    async def update_queued_message(self, params: UpdateQueuedMessageParams) -> MessageQueue:
        """Change a queued message's text or its place in the queue (0: next)."""
        return self._services.chat.queue.update(params.queued_id, params.content, params.position)

    async def delete_queued_message(self, params: QueuedMessageRef) -> MessageQueue:
        """Take a message out of the queue unsent."""
        return self._services.chat.queue.delete(params.queued_id)

    async def send_queued_now(self, params: QueuedMessageRef) -> StreamStarted:
        """Stop the running answer (its text kept) and send this queued message now."""
        return await self._services.chat.queue.send_now(params.queued_id)

    async def resume_queue(self, params: ConversationRef) -> MessageQueue:
        """Go on with a queue paused by Stop or an error: its next message is sent."""
        return self._services.chat.queue.resume(params.conversation_id)
