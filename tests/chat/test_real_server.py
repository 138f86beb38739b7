"""The orchestrator and slot manager against the real llama-server with SmolLM2."""

from __future__ import annotations

import shutil
import signal
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from backend.chat import (
    ChatOrchestrator,
    ConversationStore,
    SlotCaches,
    SlotManager,
    export_json,
    import_json,
)
from backend.config import Settings
from backend.contract import BridgeEvent, StreamChunkEvent, StreamEndEvent, StreamErrorEvent
from backend.llama import Endpoint, LlamaCppAdapter
from tests.conftest import RunningServer, ServerFactory
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]


class MovingEndpoint:
    """An endpoint provider whose server can be swapped, like the monitor after a restart."""

    def __init__(self, server: RunningServer) -> None:
        self.generation = -1
        self.point_at(server)

    def point_at(self, server: RunningServer) -> None:
        self.generation += 1
        self.current = Endpoint(
            server.base_url, server.api_key, str(server.model_path), self.generation
        )

    async def endpoint(self) -> Endpoint:
        return self.current


@pytest.fixture
def small_settings() -> Settings:
    settings = Settings()
    settings.generation.max_tokens = 16
    settings.generation.temperature = 0
    return settings


def _slotted_chat(
    store: ConversationStore, adapter: LlamaCppAdapter, slot_dir: Path, settings: Settings
) -> ChatOrchestrator:
    """An orchestrator saving and restoring slot caches in ``slot_dir`` (a new one per server)."""
    slots = SlotManager(adapter, store, slot_dir=slot_dir)
    return ChatOrchestrator(store, adapter, lambda e: None, lambda: settings, slots=slots)


def _ends(events: list[BridgeEvent]) -> list[StreamEndEvent | StreamErrorEvent]:
    return [e for e in events if isinstance(e, StreamEndEvent | StreamErrorEvent)]


@pytest.fixture
async def real_chat(
    llama_server: RunningServer,
    store: ConversationStore,
    small_settings: Settings,
    events: list[BridgeEvent],
) -> AsyncIterator[ChatOrchestrator]:
    provider = MovingEndpoint(llama_server)
    async with LlamaCppAdapter(provider, timeout=60.0) as adapter:
        slots = SlotManager(adapter, store, slot_dir=llama_server.slot_dir)
        async with ChatOrchestrator(
            store, adapter, events.append, lambda: small_settings, slots=slots
        ) as chat:
            yield chat


async def test_a_streamed_conversation_reuses_its_slot(
    real_chat: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    conversation = await real_chat.conversations.create_conversation()
    started = await real_chat.handle_user_message_stream(
        conversation.id, "What is the capital of France?"
    )
    await wait_until_async(lambda: len(_ends(events)) == 1, timeout_s=30)
    end = _ends(events)[0]
    assert isinstance(end, StreamEndEvent)
    chunks = "".join(e.content for e in events if isinstance(e, StreamChunkEvent))
    assert end.message.content == chunks != ""
    assert end.message.status == "complete"
    assert end.message.id == started.assistant_message.id
    second = await real_chat.handle_user_message(conversation.id, "And of Italy?")
    assert second.timings is not None
    assert second.timings.cache_n > 20  # the first turn came from the slot's cache


async def test_stop_frees_the_server_slot(
    real_chat: ChatOrchestrator,
    events: list[BridgeEvent],
    store: ConversationStore,
    small_settings: Settings,
) -> None:
    small_settings.generation.max_tokens = 2000  # ~20 s of tokens: only a stop ends it early
    conversation = await real_chat.conversations.create_conversation()
    started = await real_chat.handle_user_message_stream(
        conversation.id, "Write a very long story about a dragon."
    )
    await wait_until_async(
        lambda: sum(isinstance(e, StreamChunkEvent) for e in events) >= 5, timeout_s=30
    )
    assert await real_chat.stop(conversation.id)
    message = store.get_message(started.assistant_message.id)
    assert message.status == "cancelled"
    assert message.content

    async def idle() -> bool:
        return not any(slot["is_processing"] for slot in await real_chat.adapter.slots())

    await wait_until_async(idle, message="the server kept generating")


async def test_context_overflow_is_reported_with_both_sizes(
    real_chat: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    conversation = await real_chat.conversations.create_conversation()
    await real_chat.handle_user_message_stream(conversation.id, "word " * 2500)
    await wait_until_async(lambda: len(_ends(events)) == 1, timeout_s=30)
    end = _ends(events)[0]
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "context_overflow"
    assert "2,048-token context" in end.error.message


async def test_a_restored_cache_survives_a_server_restart(
    llama_server_factory: ServerFactory,
    tmp_path: Path,
    small_settings: Settings,
) -> None:
    slot_dir = tmp_path / "slots"
    first = llama_server_factory(slot_dir=slot_dir)
    provider = MovingEndpoint(first)
    history = (
        "Here are my notes about the trip. "
        + "We walked along the river and saw old bridges. " * 20
    )
    with ConversationStore(tmp_path / "app.db") as store:
        async with LlamaCppAdapter(provider, timeout=60.0) as adapter:
            async with _slotted_chat(store, adapter, slot_dir, small_settings) as chat:
                conversation = await chat.conversations.create_conversation()
                await chat.handle_user_message(conversation.id, history)
            assert SlotCaches(store).get(conversation.id) is not None  # saved at shutdown
            first.stop()
            provider.point_at(llama_server_factory(slot_dir=slot_dir))
            async with _slotted_chat(store, adapter, slot_dir, small_settings) as chat:
                answer = await chat.handle_user_message(conversation.id, "Summarise that.")
    assert answer.timings is not None
    assert answer.timings.cache_n > 100  # the history came back from disk, not from re-reading


async def test_the_server_dying_mid_answer_is_a_clear_error(
    llama_server_factory: ServerFactory,
    store: ConversationStore,
    small_settings: Settings,
) -> None:
    server = llama_server_factory()
    small_settings.generation.max_tokens = 3000
    events: list[BridgeEvent] = []
    async with LlamaCppAdapter(MovingEndpoint(server), timeout=60.0) as adapter:
        slots = SlotManager(adapter, store, slot_dir=server.slot_dir)
        async with ChatOrchestrator(
            store, adapter, events.append, lambda: small_settings, slots=slots
        ) as chat:
            conversation = await chat.conversations.create_conversation()
            await chat.handle_user_message_stream(
                conversation.id, "Tell me a long story about the sea."
            )
            await wait_until_async(
                lambda: sum(isinstance(e, StreamChunkEvent) for e in events) >= 5, timeout_s=30
            )
            server.process.send_signal(signal.SIGKILL)
            await wait_until_async(lambda: len(_ends(events)) == 1, timeout_s=30)
    end = _ends(events)[0]
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "server_unavailable"
    assert end.message.status == "error"
    assert end.message.content


async def test_continue_appends_to_a_stopped_answer_without_repeating_it(
    real_chat: ChatOrchestrator,
    events: list[BridgeEvent],
    store: ConversationStore,
    small_settings: Settings,
) -> None:
    small_settings.generation.max_tokens = 2000
    conversation = await real_chat.conversations.create_conversation()
    started = await real_chat.handle_user_message_stream(
        conversation.id, "Describe the city of Paris in detail."
    )
    await wait_until_async(
        lambda: sum(isinstance(e, StreamChunkEvent) for e in events) >= 6, timeout_s=30
    )
    await real_chat.stop(conversation.id)
    partial = store.get_message(started.assistant_message.id).content
    assert len(partial) > 10
    small_settings.generation.max_tokens = 8
    resumed = await real_chat.continue_(started.assistant_message.id)
    await wait_until_async(lambda: len(_ends(events)) == 2, timeout_s=30)
    final = _ends(events)[1].message
    added = "".join(
        e.content
        for e in events
        if isinstance(e, StreamChunkEvent) and e.stream_id == resumed.stream_id
    )
    assert final.status == "complete"
    assert final.content == partial + added
    assert added
    assert partial not in added  # the server's echo of the prefill was cut


async def test_a_conversation_opened_after_a_restart_reads_only_its_new_message(
    llama_server_factory: ServerFactory,
    tmp_path: Path,
    small_settings: Settings,
) -> None:
    slot_dir = tmp_path / "slots"
    first = llama_server_factory(slot_dir=slot_dir)
    provider = MovingEndpoint(first)
    history = "Here are my notes about the trip. " + "We crossed three valleys by train. " * 20
    question = "Summarise that."
    with ConversationStore(tmp_path / "app.db") as store:
        async with LlamaCppAdapter(provider, timeout=60.0) as adapter:
            async with _slotted_chat(store, adapter, slot_dir, small_settings) as chat:
                conversation = await chat.conversations.create_conversation()
                before = await chat.handle_user_message(conversation.id, history)
            first.stop()
            provider.point_at(llama_server_factory(slot_dir=slot_dir))
            async with _slotted_chat(store, adapter, slot_dir, small_settings) as chat:
                assert await chat.prepare(conversation.id)  # opened: restored before sending
                answer = await chat.handle_user_message(conversation.id, question)
            new_turn = len(await adapter.tokenize(question))
    assert before.timings is not None
    assert answer.timings is not None
    # All the history came from the restored slot (but the last answer token, which was
    # sampled, never read); what is read is the question and the template's ~11 tokens.
    assert answer.timings.cache_n >= before.timings.prompt_n + before.timings.predicted_n - 1
    assert answer.timings.prompt_n <= new_turn + 16


async def test_the_next_turns_opening_is_read_on_opening_and_the_answer_stays_the_same(
    llama_server_factory: ServerFactory,
    tmp_path: Path,
    small_settings: Settings,
) -> None:
    """Two copies of a conversation with the same saved cache: after a restart one is opened
    (restored, and its next turn's opening read ahead), the other restored when the message is
    sent. The greedy answers are identical; the opened one's answer reads only the message and
    the answer's own opening (ChatML's ``<|im_end|>\\n<|im_start|>assistant\\n``). A third
    copy is opened and its message read ahead as it is typed (``read_ahead_draft``, as the form
    sends it): the same answer again, reading only the words after the last draft's cut."""
    slot_dir = tmp_path / "slots"
    first = llama_server_factory(slot_dir=slot_dir)
    provider = MovingEndpoint(first)
    history = "Here are my notes about the trip. " + "The orchards bloomed in the valley. " * 20
    question = "What bloomed in the valley?"
    with ConversationStore(tmp_path / "app.db") as store:
        async with LlamaCppAdapter(provider, timeout=60.0) as adapter:
            async with _slotted_chat(store, adapter, slot_dir, small_settings) as chat:
                opened_id = (await chat.conversations.create_conversation()).id
                await chat.handle_user_message(opened_id, history)
            caches = SlotCaches(store)
            saved = caches.get(opened_id)
            assert saved is not None
            (sent_id,) = import_json(store, export_json(store, [opened_id]))
            (drafted_id,) = import_json(store, export_json(store, [opened_id]))
            for copy_id in (sent_id, drafted_id):
                copy = replace(saved, conversation_id=copy_id, filename=f"ld-{copy_id}.bin")
                shutil.copyfile(slot_dir / saved.filename, slot_dir / copy.filename)
                caches.put(copy)
            first.stop()
            provider.point_at(llama_server_factory(slot_dir=slot_dir))
            async with _slotted_chat(store, adapter, slot_dir, small_settings) as chat:
                assert await chat.prepare(opened_id)
                opened = await chat.handle_user_message(opened_id, question)
                at_send = await chat.handle_user_message(sent_id, question)
                assert await chat.prepare(drafted_id)
                assert await chat.drafts.offer(drafted_id, "What") == 0  # no whole word yet
                assert await chat.drafts.offer(drafted_id, "What bloomed in the va") > 0
                drafted = await chat.handle_user_message(drafted_id, question)
            answer_opening = len(await adapter.tokenize("<|im_end|>\n<|im_start|>assistant\n"))
            new_turn = len(await adapter.tokenize(question)) + answer_opening
            after_cut = len(await adapter.tokenize(" valley?")) + answer_opening
    assert opened.timings is not None
    assert at_send.timings is not None
    assert at_send.timings.cache_n > 100  # the copy's cache was restored too
    assert opened.content == at_send.content
    assert opened.timings.prompt_n == new_turn
    assert at_send.timings.prompt_n > new_turn + 3  # the user turn's opening, read at send
    assert drafted.timings is not None
    assert drafted.content == at_send.content
    assert drafted.timings.prompt_n == after_cut
