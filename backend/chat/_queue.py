"""The message queue: messages typed while an answer streams, sent by the backend in order.

The backend owns the sending, so a queue goes on with no page open (browser mode with the tab
closed) and a second tab sees the same list:

- **One after each answer.** When a conversation's answer completes, the next queued message of
  *that* conversation is sent (stored as a user message, answered, streamed); a queue never
  sends into another conversation. Queuing into an idle conversation whose queue is not paused
  sends at once (the answer ended just before).
- **Paused on Stop or an error.** An answer stopped or failed pauses its queue (never firing
  into a failed server): ``resume_queue`` goes on; ``send_queued_now`` sends one message and
  leaves the queue paused after it.
- **Send now** stops the running answer (its partial text kept, as Stop does) and sends the
  chosen message next, without pausing: the rest follow it as usual.
- **Stored.** Messages and a pause live in SQLite (``m009_message_queue``); at start the
  queues that are not paused go on, while the app's shutdown itself pauses nothing.
- Every change is pushed as ``queue_changed``; a message the backend sent carries its new
  stream (``sent``), so pages draw it as if they had sent it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..contract import MessageQueue, QueueChangedEvent, QueuePause, StreamStarted
from ..errors import LlamaDeskError
from ._generation import Generation, Generations
from ._queue_store import QueueTable
from ._store import ConversationStore
from ._views import EventSink

__all__ = ["MessageQueueService", "SendQueued"]

log = logging.getLogger(__name__)

SendQueued = Callable[[str, str], StreamStarted]
"""Sends a message (conversation id, text) as the user would, streamed; what it started."""


class MessageQueueService:
    """Each conversation's queue: the commands on it, and what is sent after each answer."""

    def __init__(
        self,
        store: ConversationStore,
        generations: Generations,
        emit: EventSink,
        send: SendQueued,
    ) -> None:
        self.table = QueueTable(store)
        self._generations = generations
        self._emit = emit
        self._send = send
        self.closing = False
        """Set at shutdown: the answers stopped then pause nothing and nothing more is sent."""

    def view(self, conversation_id: str) -> MessageQueue:
        """The conversation's queue as the page shows it."""
        return self.table.view(conversation_id)

    def add(self, conversation_id: str, content: str) -> MessageQueue:
        """Queue a message last (sent at once when the conversation is idle and not paused)."""
        self.table.add(conversation_id, content)
        if not self._next(conversation_id):
            self._changed(conversation_id)
        return self.view(conversation_id)

    def update(self, queued_id: str, content: str | None, position: int | None) -> MessageQueue:
        """New text and/or place for a queued message."""
        queued = self.table.update(queued_id, content, position)
        return self._changed(queued.conversation_id)

    def delete(self, queued_id: str) -> MessageQueue:
        """Take a message out of its queue unsent."""
        queued = self.table.remove(queued_id)
        return self._changed(queued.conversation_id)

    async def send_now(self, queued_id: str) -> StreamStarted:
        """Stop the conversation's answer (text kept) and send this queued message instead."""
        conversation_id = self.table.get(queued_id).conversation_id
        running = self._generations.running(conversation_id)
        if running is not None:
            running.queue_hold = True
            await self._generations.stop(conversation_id)
        queued = self.table.get(queued_id)
        return self._send_one(queued.conversation_id, queued.id, queued.content)

    def resume(self, conversation_id: str) -> MessageQueue:
        """Unpause the queue; its next message is sent now if no answer is running."""
        self.table.store.get_conversation(conversation_id)
        self.table.unpause(conversation_id)
        if not self._next(conversation_id):
            self._changed(conversation_id)
        return self.view(conversation_id)

    def resume_all(self) -> None:
        """At start: every queue left waiting and not paused sends its next message."""
        for conversation_id in self.table.waiting():
            self._next(conversation_id)

    def answered(self, generation: Generation) -> None:
        """An answer ended: send the next message, or pause the queue (stopped, failed)."""
        final = generation.final
        if self.closing or generation.queue_hold or final is None:
            return
        conversation_id = generation.conversation_id
        if final.status == "complete":
            self._next(conversation_id)
            return
        failure = generation.failure
        why: QueuePause = "error" if final.status == "error" else "stopped"
        if self.table.pause(conversation_id, why, failure.message if failure else None):
            self._changed(conversation_id)

    def _next(self, conversation_id: str) -> bool:
        """Send the queue's next message if it may go now; whether one was sent."""
        if self.closing or conversation_id in self._generations:
            return False
        queue = self.table.view(conversation_id)
        if queue.paused is not None or not queue.messages:
            return False
        head = queue.messages[0]
        try:
            self._send_one(conversation_id, head.id, head.content)
        except LlamaDeskError as exc:
            log.warning("Could not send a queued message: %s", exc.message)
            if self.table.pause(conversation_id, "error", exc.message):
                self._changed(conversation_id)
            return False
        return True

    def _send_one(self, conversation_id: str, queued_id: str, content: str) -> StreamStarted:
        started = self._send(conversation_id, content)
        self.table.remove(queued_id)
        self._changed(conversation_id, started)
        return started

    def _changed(self, conversation_id: str, sent: StreamStarted | None = None) -> MessageQueue:
        queue = self.table.view(conversation_id)
        self._emit(QueueChangedEvent(conversation_id=conversation_id, queue=queue, sent=sent))
        return queue
