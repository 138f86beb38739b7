"""An answer on its way, against the real llama-server with SmolLM2: the prompt's reading
progress, and a view taken mid-answer that the later chunks continue exactly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import (
    BridgeEvent,
    Conversation,
    StreamChunkEvent,
    StreamEndEvent,
    StreamProgressEvent,
)
from backend.llama import Endpoint, LlamaCppAdapter
from tests.conftest import RunningServer, ServerFactory
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

LONG_PROMPT = "Summarise these words: " + " ".join(f"item{n}" for n in range(120))
"""About 500 tokens: read in 16 batches of 32."""


class FixedEndpoint:
    def __init__(self, server: RunningServer) -> None:
        self.current = Endpoint(server.base_url, server.api_key, str(server.model_path), 0)

    async def endpoint(self) -> Endpoint:
        return self.current


@pytest.fixture
def small_batches(llama_server_factory: ServerFactory) -> RunningServer:
    """A real server that reads prompts 32 tokens at a time, so a prompt gives many batches."""
    return llama_server_factory(parallel=1, extra=("-b", "32", "-ub", "32"))


@pytest.fixture
async def live_chat(
    small_batches: RunningServer, store: ConversationStore, events: list[BridgeEvent]
) -> AsyncIterator[ChatOrchestrator]:
    settings = Settings()
    settings.generation.max_tokens = 24
    settings.generation.temperature = 0
    settings.generation.system_prompt = ""
    async with LlamaCppAdapter(FixedEndpoint(small_batches), timeout=120.0) as adapter:
        slots = SlotManager(adapter, store, slot_dir=small_batches.slot_dir)
        async with ChatOrchestrator(
            store, adapter, events.append, lambda: settings, slots=slots, flush_interval_s=5.0
        ) as chat:
            yield chat


def _end(events: list[BridgeEvent], stream_id: str) -> StreamEndEvent | None:
    ends = [e for e in events if isinstance(e, StreamEndEvent) and e.stream_id == stream_id]
    return ends[0] if ends else None


async def _answer(chat: ChatOrchestrator, events: list[BridgeEvent], cid: str) -> StreamEndEvent:
    started = await chat.handle_user_message_stream(cid, LONG_PROMPT)
    return await wait_until_async(lambda: _end(events, started.stream_id), timeout_s=240)


async def test_a_long_prompt_reports_its_reading_before_the_first_token(
    live_chat: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    conversation = await live_chat.conversations.create_conversation()
    end = await _answer(live_chat, events, conversation.id)
    mine = [e for e in events if getattr(e, "stream_id", None) == end.stream_id]
    progress = [e.progress for e in mine if isinstance(e, StreamProgressEvent)]
    first_chunk = next(n for n, e in enumerate(mine) if isinstance(e, StreamChunkEvent))
    assert all(isinstance(e, StreamProgressEvent) for e in mine[:first_chunk])
    assert len(progress) >= 10, progress
    assert {p.total for p in progress} == {progress[0].total}
    processed = [p.processed for p in progress]
    assert processed == sorted(processed)
    assert processed[-1] == progress[0].total
    assert progress[-1].time_ms > 0
    assert progress[0].cache == 0
    assert end.message.timings is not None
    assert end.message.timings.prompt_n + end.message.timings.cache_n == progress[0].total

    # The next turn finds the first one in the slot's cache and reads only the rest.
    again = await _answer(live_chat, events, conversation.id)
    cached = [
        e.progress
        for e in events
        if isinstance(e, StreamProgressEvent) and e.stream_id == again.stream_id
    ]
    assert cached
    assert cached[0].cache >= progress[0].total
    assert cached[-1].processed == cached[-1].total > progress[0].total


def _caught_up(view: Conversation, chunks: list[StreamChunkEvent], message_id: str) -> str:
    """What a page shows after opening ``view`` and applying the chunks that came after it."""
    text = next(m.content for m in view.messages if m.id == message_id)
    for chunk in chunks:
        assert chunk.offset <= len(text), "a gap: this chunk starts past the text the page has"
        text += chunk.content[len(text) - chunk.offset :]
    return text


async def test_a_view_taken_mid_answer_is_continued_by_the_later_chunks_exactly(
    live_chat: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    conversation = await live_chat.conversations.create_conversation()
    started = await live_chat.handle_user_message_stream(conversation.id, LONG_PROMPT)
    answer_id = started.assistant_message.id

    def chunks() -> list[StreamChunkEvent]:
        return [e for e in events if isinstance(e, StreamChunkEvent)]

    reading = await wait_until_async(
        lambda: any(isinstance(e, StreamProgressEvent) for e in events), timeout_s=120
    )
    assert reading
    during = await live_chat.conversations.get_conversation(conversation.id)
    assert during.stream is not None
    assert during.stream.message_id == answer_id
    assert during.stream.stream_id == started.stream_id
    assert during.stream.progress is not None

    views: list[Conversation] = []
    for seen in (1, 3, 6):
        await wait_until_async(lambda: len(chunks()) >= seen, timeout_s=120)  # noqa: B023
        views.append(await live_chat.conversations.get_conversation(conversation.id))
    end = await wait_until_async(lambda: _end(events, started.stream_id), timeout_s=120)
    assert end.message.content.strip()
    for view in views:
        assert view.stream is not None
        assert view.stream.progress is None
        text = next(m.content for m in view.messages if m.id == answer_id)
        emitted_before = [c for c in chunks() if c.offset < len(text)]
        assert text == "".join(c.content for c in emitted_before)  # the live text, not a flush
        later = chunks()[len(emitted_before) - 1 :]
        assert _caught_up(view, later, answer_id) == end.message.content
    after = await live_chat.conversations.get_conversation(conversation.id)
    assert after.stream is None
