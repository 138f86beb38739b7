"""A server that sends an answer's headers and then nothing: the answer ends as stalled."""

from __future__ import annotations

import time

import anyio
import pytest

from backend.chat import ChatOrchestrator, ConversationStore
from backend.config import Settings
from backend.contract import BridgeEvent, StreamEndEvent, StreamErrorEvent
from backend.llama import FakeLlamaServer, FakeReply

pytestmark = pytest.mark.anyio


async def test_a_silent_stream_ends_as_stalled_keeping_its_text(
    chat: ChatOrchestrator,
    fake: FakeLlamaServer,
    store: ConversationStore,
    events: list[BridgeEvent],
    settings: Settings,
) -> None:
    settings.engine.stall_timeout_s = 0.3
    fake.script(FakeReply(content=["a", "b", "c", "d"], stall_after=2))
    conversation = await chat.conversations.create_conversation()
    started_at = time.monotonic()
    started = await chat.handle_user_message_stream(conversation.id, "go")
    with anyio.fail_after(10):  # today: request_timeout_s, 600 s
        while not any(isinstance(e, StreamEndEvent | StreamErrorEvent) for e in events):  # noqa: ASYNC110
            await anyio.sleep(0.01)
    waited_s = time.monotonic() - started_at
    (end,) = [e for e in events if isinstance(e, StreamEndEvent | StreamErrorEvent)]
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "timeout"
    assert "stopped sending" in end.error.message
    assert "0.3 s" in end.error.message
    assert (end.message.status, end.message.content) == ("error", "ab")
    stored = store.get_message(started.assistant_message.id)
    assert (stored.status, stored.content) == ("error", "ab")
    assert 0.3 <= waited_s < 3
    assert fake.closed_streams == 1, "the silent connection was not closed"
    assert not chat.is_generating(conversation.id)
