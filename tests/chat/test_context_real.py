"""The context meter against the real llama-server with SmolLM2: the count it gives before
sending is the prompt the server then reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import BridgeEvent, StreamEndEvent
from backend.llama import Endpoint, LlamaCppAdapter
from tests.conftest import RunningServer
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]


class FixedEndpoint:
    def __init__(self, server: RunningServer) -> None:
        self.current = Endpoint(server.base_url, server.api_key, str(server.model_path), 0)

    async def endpoint(self) -> Endpoint:
        return self.current


@pytest.fixture
async def metered(
    llama_server: RunningServer, store: ConversationStore, events: list[BridgeEvent]
) -> AsyncIterator[ChatOrchestrator]:
    settings = Settings()
    settings.generation.max_tokens = 8
    settings.generation.temperature = 0
    async with LlamaCppAdapter(FixedEndpoint(llama_server), timeout=120.0) as adapter:
        slots = SlotManager(adapter, store, slot_dir=llama_server.slot_dir)
        async with ChatOrchestrator(
            store, adapter, events.append, lambda: settings, slots=slots
        ) as chat:
            yield chat


async def _send(chat: ChatOrchestrator, events: list[BridgeEvent], cid: str, text: str) -> int:
    """Send ``text``; the prompt tokens the server read for its answer (cached ones too)."""
    started = await chat.handle_user_message_stream(cid, text)
    end = await wait_until_async(
        lambda: next(
            (
                e
                for e in events
                if isinstance(e, StreamEndEvent) and e.stream_id == started.stream_id
            ),
            None,
        ),
        timeout_s=120,
    )
    assert end.message.timings is not None
    return end.message.timings.prompt_n + end.message.timings.cache_n


async def test_the_count_before_sending_is_the_prompt_the_server_reads(
    metered: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    conversation = await metered.conversations.create_conversation()
    empty = await metered.context.usage(conversation.id, "")
    fresh = await metered.context.usage(None, "What is the capital of France?")
    first = await metered.context.usage(conversation.id, "What is the capital of France?")
    assert first == fresh
    assert first.n_ctx == 2048  # 4096 over the server's 2 slots
    assert first.draft_tokens == 7
    assert empty.prompt_tokens < first.prompt_tokens
    assert await _send(metered, events, conversation.id, "What is the capital of France?") == (
        first.prompt_tokens
    )

    # With an answer in the history, the next prompt holds it too, and is still counted exactly.
    second = await metered.context.usage(conversation.id, "And of Italy?")
    assert second.prompt_tokens > first.prompt_tokens + second.draft_tokens
    assert await _send(metered, events, conversation.id, "And of Italy?") == second.prompt_tokens
