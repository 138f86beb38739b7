"""The message queue against the fake server and real SQLite: order, edits, pauses, restarts.

The fake is used here for what a real server cannot do on demand (fail mid-answer, stall until
stopped); ``test_queue_real.py`` runs the same flows against llama-server with SmolLM2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import (
    QUEUE_MAX,
    BridgeEvent,
    QueueChangedEvent,
    QueueMessageParams,
    StreamEndEvent,
    StreamErrorEvent,
    UpdateQueuedMessageParams,
)
from backend.errors import InvalidArgument, NotFound
from backend.llama import FakeLlamaServer, FakeReply, LlamaCppAdapter
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio

STALLED = FakeReply(content=["Part", "ial", " text", " never", " ends"], stall_after=2)
"""An answer that sends two pieces, then stays silent until it is stopped."""


def _ends(events: list[BridgeEvent]) -> list[StreamEndEvent | StreamErrorEvent]:
    return [e for e in events if isinstance(e, StreamEndEvent | StreamErrorEvent)]


def _asked(store: ConversationStore, conversation_id: str) -> list[str]:
    """The user messages of a conversation, oldest first."""
    return [m.content for m in store.messages(conversation_id) if m.role == "user"]


def _answers(store: ConversationStore, conversation_id: str) -> list[str]:
    return [m.status for m in store.messages(conversation_id) if m.role == "assistant"]


def _pieces(events: list[BridgeEvent]) -> int:
    return sum(1 for e in events if getattr(e, "type", "") == "stream_chunk")


async def test_queued_messages_are_sent_in_order_one_after_each_answer(
    chat: ChatOrchestrator, events: list[BridgeEvent], store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "first")
    chat.queue.add(conversation.id, "second")
    queue = chat.queue.add(conversation.id, "third")
    assert [m.content for m in queue.messages] == ["second", "third"]
    assert queue.paused is None

    await wait_until_async(lambda: len(_ends(events)) == 3)
    assert _asked(store, conversation.id) == ["first", "second", "third"]
    assert _answers(store, conversation.id) == ["complete"] * 3
    view = await chat.conversations.get_conversation(conversation.id)
    assert [m.content for m in view.messages] == [
        "first",
        "Hello from the fake.",
        "second",
        "Hello from the fake.",
        "third",
        "Hello from the fake.",
    ]
    assert view.queue.messages == []
    sent = [e.sent for e in events if isinstance(e, QueueChangedEvent) and e.sent is not None]
    assert [s.user_message.content for s in sent if s.user_message] == ["second", "third"]
    # Each one went after the previous answer ended, never beside it.
    kinds = [e.type for e in events if e.type in ("stream_end", "queue_changed")]
    assert kinds == [
        "queue_changed",
        "queue_changed",
        "stream_end",
        "queue_changed",
        "stream_end",
        "queue_changed",
        "stream_end",
    ]


async def test_a_message_queued_into_an_idle_conversation_is_sent_at_once(
    chat: ChatOrchestrator, events: list[BridgeEvent], store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    queue = chat.queue.add(conversation.id, "right away")
    assert queue.messages == []
    assert chat.is_generating(conversation.id)
    await wait_until_async(lambda: len(_ends(events)) == 1)
    assert _asked(store, conversation.id) == ["right away"]


async def test_queued_messages_can_be_edited_moved_and_deleted_before_they_go(
    chat: ChatOrchestrator, events: list[BridgeEvent], store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "first")
    a = chat.queue.add(conversation.id, "a").messages[-1]
    b = chat.queue.add(conversation.id, "b").messages[-1]
    c = chat.queue.add(conversation.id, "c").messages[-1]
    chat.queue.update(b.id, "b, edited", None)
    moved = chat.queue.update(c.id, None, 0)
    assert [m.content for m in moved.messages] == ["c", "a", "b, edited"]
    assert [m.content for m in chat.queue.update(a.id, None, 40).messages] == [
        "c",
        "b, edited",
        "a",
    ]
    assert [m.content for m in chat.queue.delete(a.id).messages] == ["c", "b, edited"]
    with pytest.raises(NotFound, match="already sent or deleted"):
        chat.queue.update(a.id, "too late", None)

    await wait_until_async(lambda: len(_ends(events)) == 3)
    assert _asked(store, conversation.id) == ["first", "c", "b, edited"]
    with pytest.raises(NotFound, match="already sent or deleted"):
        chat.queue.delete(c.id)


async def test_stop_pauses_the_queue_until_it_is_resumed(
    chat: ChatOrchestrator,
    events: list[BridgeEvent],
    store: ConversationStore,
    fake: FakeLlamaServer,
) -> None:
    fake.script(STALLED)
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "first")
    chat.queue.add(conversation.id, "waiting")
    await wait_until_async(lambda: _pieces(events) >= 1)
    assert await chat.stop(conversation.id)

    queue = (await chat.conversations.get_conversation(conversation.id)).queue
    assert queue.paused == "stopped"
    assert [m.content for m in queue.messages] == ["waiting"]
    assert not chat.is_generating(conversation.id)
    assert _answers(store, conversation.id) == ["cancelled"]

    resumed = chat.queue.resume(conversation.id)
    assert resumed.paused is None
    assert resumed.messages == []
    await wait_until_async(lambda: len(_ends(events)) == 2)
    assert _asked(store, conversation.id) == ["first", "waiting"]
    assert _answers(store, conversation.id) == ["cancelled", "complete"]


async def test_an_error_pauses_the_queue_and_nothing_is_sent_to_the_failed_server(
    chat: ChatOrchestrator,
    events: list[BridgeEvent],
    store: ConversationStore,
    fake: FakeLlamaServer,
) -> None:
    fake.script(FakeReply(content=["Half", " an", " answer"], fail_after=1))
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "first")
    chat.queue.add(conversation.id, "second")
    chat.queue.add(conversation.id, "third")
    await wait_until_async(lambda: len(_ends(events)) == 1)
    assert isinstance(_ends(events)[0], StreamErrorEvent)

    queue = chat.queue.view(conversation.id)
    assert queue.paused == "error"
    assert queue.error == "llama-server failed: scripted failure"
    assert [m.content for m in queue.messages] == ["second", "third"]
    assert len(fake.requests) == 1
    assert not chat.is_generating(conversation.id)

    # The server is gone: queuing more sends nothing either.
    fake.kill()
    chat.queue.add(conversation.id, "fourth")
    assert not chat.is_generating(conversation.id)
    assert len(fake.requests) == 1

    # "Send next" sends one message and keeps the queue paused after it.
    fake.restart()
    head = chat.queue.view(conversation.id).messages[0]
    await chat.queue.send_now(head.id)
    await wait_until_async(lambda: len(_ends(events)) == 2)
    assert chat.queue.view(conversation.id).paused == "error"
    assert [m.content for m in chat.queue.view(conversation.id).messages] == ["third", "fourth"]

    chat.queue.resume(conversation.id)
    await wait_until_async(lambda: len(_ends(events)) == 4)
    assert _asked(store, conversation.id) == ["first", "second", "third", "fourth"]
    assert _answers(store, conversation.id) == ["error", "complete", "complete", "complete"]
    assert chat.queue.view(conversation.id).paused is None


async def test_send_now_stops_the_answer_keeping_its_text_and_the_rest_follows(
    chat: ChatOrchestrator,
    events: list[BridgeEvent],
    store: ConversationStore,
    fake: FakeLlamaServer,
) -> None:
    fake.script(STALLED)
    conversation = await chat.conversations.create_conversation()
    first = await chat.handle_user_message_stream(conversation.id, "first")
    chat.queue.add(conversation.id, "later")
    urgent = chat.queue.add(conversation.id, "urgent").messages[-1]
    await wait_until_async(lambda: _pieces(events) >= 1)

    started = await chat.queue.send_now(urgent.id)
    assert started.user_message is not None
    assert started.user_message.content == "urgent"
    stopped = store.get_message(first.assistant_message.id)
    assert stopped.status == "cancelled"
    assert stopped.content == "Partial"
    assert chat.queue.view(conversation.id).paused is None

    await wait_until_async(lambda: len(_ends(events)) == 3)
    assert _asked(store, conversation.id) == ["first", "urgent", "later"]
    assert _answers(store, conversation.id) == ["cancelled", "complete", "complete"]


async def test_a_queue_never_sends_into_another_conversation(
    chat: ChatOrchestrator,
    events: list[BridgeEvent],
    store: ConversationStore,
    fake: FakeLlamaServer,
) -> None:
    one = await chat.conversations.create_conversation()
    other = await chat.conversations.create_conversation()
    fake.script(STALLED)
    await chat.handle_user_message_stream(other.id, "other, first")
    chat.queue.add(other.id, "other, stays queued")
    await chat.handle_user_message_stream(one.id, "one, first")
    chat.queue.add(one.id, "one, second")
    await wait_until_async(lambda: _asked(store, one.id) == ["one, first", "one, second"])
    await wait_until_async(lambda: not chat.is_generating(one.id))
    assert _asked(store, other.id) == ["other, first"]
    assert [m.content for m in chat.queue.view(other.id).messages] == ["other, stays queued"]
    assert chat.queue.view(one.id).messages == []
    await chat.stop(other.id)


async def test_a_full_queue_and_a_deleted_conversation(
    chat: ChatOrchestrator, events: list[BridgeEvent], fake: FakeLlamaServer
) -> None:
    fake.script(STALLED)
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "first")
    for n in range(QUEUE_MAX):
        chat.queue.add(conversation.id, f"q{n}")
    with pytest.raises(InvalidArgument, match=f"at most {QUEUE_MAX}"):
        chat.queue.add(conversation.id, "one too many")
    with pytest.raises(NotFound):
        chat.queue.add("no-such-conversation", "hello")
    with pytest.raises(NotFound):
        chat.queue.resume("no-such-conversation")

    await wait_until_async(lambda: _pieces(events) >= 1)
    assert await chat.conversations.delete_conversation(conversation.id)
    assert not chat.is_generating(conversation.id)
    assert chat.queue.table.waiting() == []
    assert len(fake.requests) == 1


def test_queue_params_are_strict_and_bounded() -> None:
    with pytest.raises(ValidationError, match="needs text"):
        QueueMessageParams.model_validate({"conversation_id": "c1", "content": "  \n "})
    with pytest.raises(ValidationError, match="at most 2000000"):
        QueueMessageParams.model_validate({"conversation_id": "c1", "content": "x" * 2_000_001})
    with pytest.raises(ValidationError):
        QueueMessageParams.model_validate({"conversation_id": "c/1", "content": "hi"})
    with pytest.raises(ValidationError, match="new content, the new position"):
        UpdateQueuedMessageParams.model_validate({"queued_id": "q1"})
    with pytest.raises(ValidationError):
        UpdateQueuedMessageParams.model_validate({"queued_id": "q1", "position": "1"})
    with pytest.raises(ValidationError):
        UpdateQueuedMessageParams.model_validate({"queued_id": "q1", "position": QUEUE_MAX})
    with pytest.raises(ValidationError, match="needs text"):
        UpdateQueuedMessageParams.model_validate({"queued_id": "q1", "content": " "})


async def _orchestrator(
    path: Path, fake: FakeLlamaServer, events: list[BridgeEvent], settings: Settings
) -> tuple[ChatOrchestrator, ConversationStore, LlamaCppAdapter]:
    store = ConversationStore(path)
    adapter = await LlamaCppAdapter(fake, transport=fake.transport).__aenter__()
    slots = SlotManager(adapter, store, slot_dir=fake.slot_dir)
    chat = ChatOrchestrator(
        store, adapter, events.append, lambda: settings, slots=slots, flush_interval_s=0.05
    )
    return await chat.__aenter__(), store, adapter


async def _close(
    chat: ChatOrchestrator, store: ConversationStore, adapter: LlamaCppAdapter
) -> None:
    await chat.__aexit__(None, None, None)
    await adapter.__aexit__(None, None, None)
    store.close()


async def test_the_queue_survives_a_restart_and_goes_on_unless_paused(
    tmp_path: Path, fake: FakeLlamaServer, settings: Settings
) -> None:
    path = tmp_path / "restart.db"
    events: list[BridgeEvent] = []
    fake.script(STALLED, STALLED)
    chat, store, adapter = await _orchestrator(path, fake, events, settings)
    going = await chat.conversations.create_conversation()
    held = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(going.id, "before the restart")
    chat.queue.add(going.id, "after the restart")
    await chat.handle_user_message_stream(held.id, "stopped by the user")
    chat.queue.add(held.id, "waits for Resume")
    await wait_until_async(lambda: _pieces(events) >= 2)
    await chat.stop(held.id)
    await _close(chat, store, adapter)  # the app quits mid-answer: that pauses nothing

    events.clear()
    chat, store, adapter = await _orchestrator(path, fake, events, settings)
    try:
        await wait_until_async(lambda: len(_ends(events)) == 1)
        assert _asked(store, going.id) == ["before the restart", "after the restart"]
        assert _answers(store, going.id) == ["cancelled", "complete"]
        view = await chat.conversations.get_conversation(held.id)
        assert view.queue.paused == "stopped"
        assert [m.content for m in view.queue.messages] == ["waits for Resume"]
        assert _asked(store, held.id) == ["stopped by the user"]
    finally:
        await _close(chat, store, adapter)
