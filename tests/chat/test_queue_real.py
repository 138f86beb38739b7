"""The message queue against the real llama-server with SmolLM2 and real SQLite files.

Answers are kept short (12 tokens) except the one a test stops, so the file adds a few
seconds; the queue's finer rules (reorder, limits, shutdown) are in ``test_queue.py``.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import (
    BridgeEvent,
    QueueChangedEvent,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
)
from backend.llama import LlamaCppAdapter
from tests.chat.test_real_server import MovingEndpoint
from tests.conftest import RunningServer, ServerFactory
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]


@pytest.fixture
def short() -> Settings:
    settings = Settings()
    settings.generation.max_tokens = 12
    settings.generation.temperature = 0
    settings.generation.system_prompt = ""
    return settings


@asynccontextmanager
async def _chat(
    provider: MovingEndpoint,
    path: Path,
    slot_dir: Path,
    settings: Settings,
    events: list[BridgeEvent],
) -> AsyncIterator[ChatOrchestrator]:
    """A whole chat core on the database file at ``path``, as one start of the app."""
    with ConversationStore(path) as store:
        async with LlamaCppAdapter(provider, timeout=60.0) as adapter:
            slots = SlotManager(adapter, store, slot_dir=slot_dir)
            async with ChatOrchestrator(
                store, adapter, events.append, lambda: settings, slots=slots
            ) as chat:
                yield chat


def _ends(events: list[BridgeEvent]) -> list[StreamEndEvent | StreamErrorEvent]:
    return [e for e in events if isinstance(e, StreamEndEvent | StreamErrorEvent)]


def _turns(chat: ChatOrchestrator, conversation_id: str) -> list[tuple[str, str]]:
    """(role, status) of each stored message, oldest first; user turns by their text."""
    return [
        (m.role, m.content if m.role == "user" else m.status)
        for m in chat.store.messages(conversation_id)
    ]


async def test_two_queued_messages_are_answered_in_order_after_the_current_one(
    llama_server: RunningServer, tmp_path: Path, short: Settings
) -> None:
    events: list[BridgeEvent] = []
    async with _chat(
        MovingEndpoint(llama_server), tmp_path / "c.db", llama_server.slot_dir, short, events
    ) as chat:
        conversation = await chat.conversations.create_conversation()
        await chat.handle_user_message_stream(conversation.id, "What is the capital of France?")
        chat.queue.add(conversation.id, "And of Italy?")
        chat.queue.add(conversation.id, "And of Spain?")
        await wait_until_async(lambda: len(_ends(events)) == 3, timeout_s=60)
        assert all(isinstance(end, StreamEndEvent) for end in _ends(events))
        assert _turns(chat, conversation.id) == [
            ("user", "What is the capital of France?"),
            ("assistant", "complete"),
            ("user", "And of Italy?"),
            ("assistant", "complete"),
            ("user", "And of Spain?"),
            ("assistant", "complete"),
        ]
        answers = [m for m in chat.store.messages(conversation.id) if m.role == "assistant"]
        assert all(m.content.strip() for m in answers)
        # Each was asked with the whole conversation before it: the previous turns came from
        # the slot's cache.
        assert answers[2].timings is not None
        assert answers[2].timings.cache_n > 20
        view = await chat.conversations.get_conversation(conversation.id)
        assert view.queue.messages == []


async def test_edit_and_delete_before_sending_then_send_now_stops_and_sends(
    llama_server: RunningServer, tmp_path: Path, short: Settings
) -> None:
    events: list[BridgeEvent] = []
    short.generation.max_tokens = 2000  # the first answer runs until it is stopped
    async with _chat(
        MovingEndpoint(llama_server), tmp_path / "c.db", llama_server.slot_dir, short, events
    ) as chat:
        conversation = await chat.conversations.create_conversation()
        first = await chat.handle_user_message_stream(
            conversation.id, "Write a very long story about a dragon."
        )
        dropped = chat.queue.add(conversation.id, "Forget this one.").messages[-1]
        later = chat.queue.add(conversation.id, "Name a colour.").messages[-1]
        urgent = chat.queue.add(conversation.id, "Name a frut.").messages[-1]
        chat.queue.update(urgent.id, "Name a fruit.", None)
        chat.queue.delete(dropped.id)
        await wait_until_async(
            lambda: sum(isinstance(e, StreamChunkEvent) for e in events) >= 3, timeout_s=60
        )
        short.generation.max_tokens = 12

        started = await chat.queue.send_now(urgent.id)
        stopped = chat.store.get_message(first.assistant_message.id)
        assert stopped.status == "cancelled"
        assert stopped.content.strip()  # the partial text is kept, as Stop keeps it
        assert started.user_message is not None
        assert started.user_message.parent_id == stopped.id
        await wait_until_async(lambda: len(_ends(events)) == 3, timeout_s=60)
        assert _turns(chat, conversation.id) == [
            ("user", "Write a very long story about a dragon."),
            ("assistant", "cancelled"),
            ("user", "Name a fruit."),
            ("assistant", "complete"),
            ("user", "Name a colour."),
            ("assistant", "complete"),
        ]
        assert later.id not in {m.id for m in chat.queue.view(conversation.id).messages}


async def test_the_queue_survives_a_restart_of_the_backend_and_resumes(
    llama_server: RunningServer, tmp_path: Path, short: Settings
) -> None:
    path = tmp_path / "c.db"
    provider = MovingEndpoint(llama_server)
    events: list[BridgeEvent] = []
    short.generation.max_tokens = 2000
    async with _chat(provider, path, llama_server.slot_dir, short, events) as chat:
        conversation = await chat.conversations.create_conversation()
        await chat.handle_user_message_stream(conversation.id, "Write a long poem about rain.")
        chat.queue.add(conversation.id, "What is two plus two?")
        chat.queue.add(conversation.id, "What is three plus three?")
        await wait_until_async(
            lambda: any(isinstance(e, StreamChunkEvent) for e in events), timeout_s=60
        )
    # The app quit mid-answer; a new start on the same file picks the queue up by itself.
    short.generation.max_tokens = 12
    events.clear()
    async with _chat(provider, path, llama_server.slot_dir, short, events) as chat:
        await wait_until_async(lambda: len(_ends(events)) == 2, timeout_s=60)
        assert _turns(chat, conversation.id) == [
            ("user", "Write a long poem about rain."),
            ("assistant", "cancelled"),
            ("user", "What is two plus two?"),
            ("assistant", "complete"),
            ("user", "What is three plus three?"),
            ("assistant", "complete"),
        ]
        sent = [e for e in events if isinstance(e, QueueChangedEvent) and e.sent is not None]
        assert len(sent) == 2


async def test_a_killed_server_pauses_the_queue_until_resumed_on_the_new_one(
    llama_server_factory: ServerFactory, tmp_path: Path, short: Settings
) -> None:
    server = llama_server_factory(parallel=1)
    provider = MovingEndpoint(server)
    events: list[BridgeEvent] = []
    short.generation.max_tokens = 2000
    async with _chat(provider, tmp_path / "c.db", server.slot_dir, short, events) as chat:
        conversation = await chat.conversations.create_conversation()
        await chat.handle_user_message_stream(conversation.id, "Write a long story about a cat.")
        chat.queue.add(conversation.id, "Say hello.")
        await wait_until_async(
            lambda: any(isinstance(e, StreamChunkEvent) for e in events), timeout_s=60
        )
        server.process.send_signal(signal.SIGKILL)
        await wait_until_async(lambda: len(_ends(events)) == 1, timeout_s=60)
        assert isinstance(_ends(events)[0], StreamErrorEvent)
        queue = chat.queue.view(conversation.id)
        assert queue.paused == "error"
        assert queue.error
        assert [m.content for m in queue.messages] == ["Say hello."]
        assert not chat.is_generating(conversation.id)

        short.generation.max_tokens = 12
        provider.point_at(llama_server_factory(parallel=1))
        chat.queue.resume(conversation.id)
        await wait_until_async(lambda: len(_ends(events)) == 2, timeout_s=60)
        assert isinstance(_ends(events)[1], StreamEndEvent)
        assert _turns(chat, conversation.id)[2:] == [
            ("user", "Say hello."),
            ("assistant", "complete"),
        ]
        assert chat.queue.view(conversation.id).paused is None
