"""A conversation's own settings on the fake server: what each request carries, and reasoning.

The fake is here for what the request body holds (the real server cannot be asked what it was
sent) and for reasoning streams (SmolLM2 does not think); ``test_answer_options_real`` proves
the same settings' effects on the real llama-server.
"""

from __future__ import annotations

import pytest

from backend.chat import ChatOrchestrator, ConversationStore
from backend.config import Settings
from backend.contract import (
    BridgeEvent,
    ConversationOptions,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
    TokenAlternative,
    TokenProb,
)
from backend.errors import Conflict, InvalidArgument
from backend.llama import FakeLlamaServer, FakeReply
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio

THINKING = FakeReply(
    reasoning=[f"step {i}. " for i in range(200)], content=["The", " answer", "."], rate=100
)


def _ends(events: list[BridgeEvent]) -> list[StreamEndEvent | StreamErrorEvent]:
    return [e for e in events if isinstance(e, StreamEndEvent | StreamErrorEvent)]


async def test_the_settings_go_with_each_request_and_reset_to_global(
    chat: ChatOrchestrator, fake: FakeLlamaServer, settings: Settings
) -> None:
    settings.generation.system_prompt = "Global system."
    settings.generation.temperature = 0.5
    conversation = await chat.conversations.create_conversation()
    options = ConversationOptions(stop=["END", "\n\n"], reasoning_effort="low", reasoning_budget=64)
    saved = await chat.conversations.update_settings(
        conversation.id,
        "Own system.",
        {"temperature": 0.2, "top_k": 5, "seed": 7, "max_tokens": 9, "min_p": None},
        options,
    )
    assert (saved.system_prompt, saved.params, saved.options) == (
        "Own system.",
        {"temperature": 0.2, "top_k": 5, "seed": 7, "max_tokens": 9},
        options,
    )
    await chat.handle_user_message_stream(conversation.id, "hi")
    await wait_until_async(lambda: fake.requests)
    body = fake.requests[-1]
    assert body["messages"][0] == {"role": "system", "content": "Own system."}
    sent = {k: body.get(k) for k in ("temperature", "top_k", "seed", "max_tokens", "stop")}
    assert sent == {
        "temperature": 0.2,
        "top_k": 5,
        "seed": 7,
        "max_tokens": 9,
        "stop": options.stop,
    }
    assert (body["reasoning_effort"], body["reasoning_budget_tokens"]) == ("low", 64)
    assert body["reasoning_control"] is True, "so that stop thinking can end it"
    assert "n_probs" not in body, "no token probabilities asked for: none requested"

    reset = await chat.conversations.update_settings(
        conversation.id, None, {}, ConversationOptions()
    )
    assert (reset.system_prompt, reset.params, reset.options) == (None, {}, ConversationOptions())
    await wait_until_async(lambda: not chat.is_generating(conversation.id))
    await chat.handle_user_message(conversation.id, "again")
    body = fake.requests[-1]
    assert body["messages"][0] == {"role": "system", "content": "Global system."}
    assert body["temperature"] == 0.5
    assert not {"top_k", "seed", "stop", "reasoning_effort", "reasoning_budget_tokens"} & set(body)
    assert "reasoning_control" not in body, "an answer nobody watches cannot be told to stop"


async def test_token_probabilities_are_asked_for_only_when_on(
    chat: ChatOrchestrator, fake: FakeLlamaServer
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.conversations.update_settings(
        conversation.id, None, {}, ConversationOptions(token_probs=4)
    )
    answer = await chat.handle_user_message(conversation.id, "hi")
    assert fake.requests[-1]["n_probs"] == 4
    assert answer.probs == [], "asked for, but the fake sends none: an empty list, not null"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"temperature": 9.0}, "params.temperature"),
        ({"top_k": 1.5}, "params.top_k"),
        ({"warmth": 1}, "params.warmth"),
        ({"seed": True}, "params.seed"),
    ],
)
async def test_a_bad_sampling_value_is_a_typed_error_naming_the_field(
    chat: ChatOrchestrator, store: ConversationStore, params: dict[str, float | int], field: str
) -> None:
    conversation = await chat.conversations.create_conversation()
    with pytest.raises(InvalidArgument) as caught:
        await chat.conversations.update_settings(
            conversation.id, None, params, ConversationOptions()
        )
    assert [f.field for f in caught.value.fields] == [field]
    assert store.get_conversation(conversation.id).params == {}, "nothing saved"


async def test_stop_thinking_ends_the_reasoning_and_the_answer_goes_on(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.script(THINKING)
    conversation = await chat.conversations.create_conversation()
    with pytest.raises(Conflict):
        await chat.thinking.stop(conversation.id)
    await chat.handle_user_message_stream(conversation.id, "think")
    await wait_until_async(
        lambda: any(isinstance(e, StreamChunkEvent) and e.reasoning for e in events)
    )
    assert await chat.thinking.stop(conversation.id) is True
    await wait_until_async(lambda: _ends(events))
    (end,) = _ends(events)
    assert isinstance(end, StreamEndEvent)
    assert end.message.content == "The answer."
    assert 0 < len(end.message.reasoning) < len("".join(THINKING.reasoning))
    assert end.message.reasoning_ms is not None
    assert end.message.reasoning_ms > 0
    assert fake.controls[-1]["action"] == "reasoning_end"
    assert str(fake.controls[-1]["id"]).startswith("chatcmpl-")


async def test_thinking_time_is_stored_and_stop_thinking_after_it_says_so(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.script(FakeReply(reasoning=["a ", "b "], content=[f"w{i} " for i in range(300)], rate=100))
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "think briefly")
    await wait_until_async(
        lambda: any(isinstance(e, StreamChunkEvent) and e.content for e in events)
    )
    assert await chat.thinking.stop(conversation.id) is False, "already answering"
    assert fake.controls == []
    await chat.stop(conversation.id)
    (end,) = _ends(events)
    assert end.message.reasoning == "a b "
    stored = await chat.conversations.get_conversation(conversation.id)
    assert stored.messages[-1].reasoning_ms == end.message.reasoning_ms
    assert end.message.reasoning_ms is not None
    assert 0 < end.message.reasoning_ms < 1000


async def test_options_probabilities_and_thinking_time_survive_export_and_import(
    chat: ChatOrchestrator, store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    options = ConversationOptions(stop=["END"], token_probs=2, reasoning_effort="high")
    await chat.conversations.update_settings(conversation.id, "sys", {"seed": 3}, options)
    answer = await chat.handle_user_message(conversation.id, "hi")
    probs = (
        TokenProb(token="Hi", prob=0.75, top=[TokenAlternative(token="Hi", prob=0.75)]),
        TokenProb(token="!", prob=0.5, top=[]),
    )
    store.update_message(answer.id, content="Hi!", probs=probs, reasoning_ms=12.5)
    exported = await chat.conversations.export([conversation.id], "json")
    (imported_id,) = (await chat.conversations.import_(exported.content)).conversation_ids
    imported = await chat.conversations.get_conversation(imported_id)
    assert (imported.system_prompt, imported.params, imported.options) == (
        "sys",
        {"seed": 3},
        options,
    )
    assert imported.messages[-1].probs == list(probs)
    assert imported.messages[-1].reasoning_ms == 12.5
    assert imported.messages[0].probs is None, "the user's message has none"
