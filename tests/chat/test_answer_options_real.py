"""A conversation's own settings and token probabilities on the real llama-server with SmolLM2.

Greedy decoding (temperature 0) makes SmolLM2's answers repeatable, so a setting's effect can
be checked against the same answer without it.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Mapping

import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import (
    BridgeEvent,
    ConversationOptions,
    Message,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
)
from backend.llama import Endpoint, LlamaCppAdapter
from tests.conftest import RunningServer
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

QUESTION = "Count from 1 to 20, separated by commas."
GREEDY: dict[str, float | int | None] = {"temperature": 0, "max_tokens": 60}


class _Fixed:
    def __init__(self, server: RunningServer) -> None:
        self.point = Endpoint(server.base_url, server.api_key, str(server.model_path), 0)

    async def endpoint(self) -> Endpoint:
        return self.point


@pytest.fixture
async def real_chat(
    llama_server: RunningServer, store: ConversationStore, events: list[BridgeEvent]
) -> AsyncIterator[ChatOrchestrator]:
    settings = Settings()
    settings.generation.system_prompt = ""
    async with LlamaCppAdapter(_Fixed(llama_server), timeout=60.0) as adapter:
        slots = SlotManager(adapter, store, slot_dir=llama_server.slot_dir)
        async with ChatOrchestrator(
            store, adapter, events.append, lambda: settings, slots=slots
        ) as chat:
            yield chat


def _ends(events: list[BridgeEvent]) -> list[StreamEndEvent | StreamErrorEvent]:
    return [e for e in events if isinstance(e, StreamEndEvent | StreamErrorEvent)]


async def _answer(
    chat: ChatOrchestrator,
    events: list[BridgeEvent],
    params: Mapping[str, float | int | None],
    options: ConversationOptions,
) -> tuple[Message, list[StreamChunkEvent]]:
    conversation = await chat.conversations.create_conversation()
    await chat.conversations.update_settings(conversation.id, None, params, options)
    started = await chat.handle_user_message_stream(conversation.id, QUESTION)
    await wait_until_async(
        lambda: any(e.stream_id == started.stream_id for e in _ends(events)), timeout_s=120
    )
    (end,) = [e for e in _ends(events) if e.stream_id == started.stream_id]
    assert isinstance(end, StreamEndEvent), end
    chunks = [
        e for e in events if isinstance(e, StreamChunkEvent) and e.stream_id == started.stream_id
    ]
    return end.message, chunks


async def test_stop_sequences_max_tokens_and_seed_reach_the_server(
    real_chat: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    free, _ = await _answer(real_chat, events, GREEDY, ConversationOptions())
    assert "7" in free.content, free.content
    stopped, _ = await _answer(real_chat, events, GREEDY, ConversationOptions(stop=["7"]))
    assert "7" not in stopped.content
    assert free.content.startswith(stopped.content)
    assert stopped.content.strip()
    assert stopped.timings is not None
    assert free.timings is not None
    assert stopped.timings.predicted_n < free.timings.predicted_n

    short, _ = await _answer(real_chat, events, {**GREEDY, "max_tokens": 4}, ConversationOptions())
    assert short.timings is not None
    assert short.timings.predicted_n == 4

    sampled = {"temperature": 1.5, "seed": 1234, "max_tokens": 24}
    first, _ = await _answer(real_chat, events, sampled, ConversationOptions())
    again, _ = await _answer(real_chat, events, sampled, ConversationOptions())
    other, _ = await _answer(real_chat, events, {**sampled, "seed": 99}, ConversationOptions())
    assert first.content == again.content, "the same seed gives the same sampled answer"
    assert other.content != first.content


async def test_token_probabilities_are_streamed_stored_and_exported(
    real_chat: ChatOrchestrator, events: list[BridgeEvent], store: ConversationStore
) -> None:
    message, chunks = await _answer(real_chat, events, GREEDY, ConversationOptions(token_probs=3))
    probs = message.probs
    assert probs is not None
    assert message.timings is not None
    assert len(probs) == message.timings.predicted_n
    assert "".join(p.token for p in probs) == message.content
    streamed = [p for c in chunks for p in c.probs]
    assert streamed == probs
    for p in probs:
        assert 0 < p.prob <= 1
        assert 1 <= len(p.top) <= 3
        assert p.top == sorted(p.top, key=lambda a: -a.prob)
        # Greedy: the token taken is the most likely one.
        assert math.isclose(p.prob, p.top[0].prob, rel_tol=1e-6)
        assert p.token == p.top[0].token
    stored = store.get_message(message.id)
    assert stored.probs is not None
    assert list(stored.probs) == probs

    exported = await real_chat.conversations.export([message.conversation_id], "json")
    (conversation,) = json.loads(exported.content)["conversations"]
    assert conversation["options"]["token_probs"] == 3
    assert conversation["messages"][-1]["probs"][0]["token"] == probs[0].token


async def test_without_token_probabilities_nothing_is_streamed_or_stored(
    real_chat: ChatOrchestrator, events: list[BridgeEvent], store: ConversationStore
) -> None:
    message, chunks = await _answer(real_chat, events, GREEDY, ConversationOptions())
    assert message.probs is None
    assert all(c.probs == [] for c in chunks)
    assert store.get_message(message.id).probs is None
    row = store.query("SELECT probs FROM messages WHERE id = ?", (message.id,))
    assert row[0]["probs"] is None


async def test_regenerate_from_a_token_branches_with_the_chosen_alternative(
    real_chat: ChatOrchestrator, events: list[BridgeEvent], store: ConversationStore
) -> None:
    message, _ = await _answer(real_chat, events, GREEDY, ConversationOptions(token_probs=5))
    assert message.probs is not None
    index = next(i for i, p in enumerate(message.probs) if i > 0 and len(p.top) > 1)
    alternative = message.probs[index].top[1]
    started = await real_chat.regenerate_from_token(message.id, index, alternative.token)
    prefix = "".join(p.token for p in message.probs[:index]) + alternative.token
    assert started.assistant_message.content == prefix
    assert started.assistant_message.parent_id == message.parent_id
    await wait_until_async(
        lambda: any(e.stream_id == started.stream_id for e in _ends(events)), timeout_s=120
    )
    (end,) = [e for e in _ends(events) if e.stream_id == started.stream_id]
    assert isinstance(end, StreamEndEvent), end
    branch = end.message
    assert branch.content.startswith(prefix)
    assert len(branch.content) > len(prefix)
    assert branch.sibling_ids == [message.id, branch.id]
    assert branch.probs is not None
    assert branch.probs[:index] == message.probs[:index]
    assert (branch.probs[index].token, branch.probs[index].prob) == (
        alternative.token,
        alternative.prob,
    )
    assert "".join(p.token for p in branch.probs) == branch.content
    assert store.get_message(message.id).content == message.content, "the original is kept"
