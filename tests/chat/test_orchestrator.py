"""The orchestrator against the fake server: streaming, stopping, failures, branches, titles."""

from __future__ import annotations

import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager, derive_title
from backend.config import Settings
from backend.contract import (
    BridgeEvent,
    ConversationUpdatedEvent,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
)
from backend.errors import (
    Conflict,
    ContextOverflow,
    InternalError,
    InvalidArgument,
    NotFound,
    ServerUnavailable,
)
from backend.llama import Endpoint, FakeLlamaServer, FakeReply, LlamaCppAdapter, cut_echo
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio

SLOW = FakeReply(content=[f"w{i} " for i in range(400)], rate=200)


def _ends(events: list[BridgeEvent]) -> list[StreamEndEvent | StreamErrorEvent]:
    return [e for e in events if isinstance(e, StreamEndEvent | StreamErrorEvent)]


def _chunks(events: list[BridgeEvent], stream_id: str) -> str:
    return "".join(
        e.content for e in events if isinstance(e, StreamChunkEvent) and e.stream_id == stream_id
    )


async def test_streaming_answer_end_to_end(
    chat: ChatOrchestrator, events: list[BridgeEvent], store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    started = await chat.handle_user_message_stream(
        conversation.id, "Plan a trip to Lyon in spring"
    )
    assert started.user_message is not None
    assert started.user_message.content == "Plan a trip to Lyon in spring"
    assert started.assistant_message.status == "streaming"
    await wait_until_async(lambda: bool(_ends(events)))
    (end,) = _ends(events)
    assert isinstance(end, StreamEndEvent)
    assert end.message.status == "complete"
    assert end.message.content == _chunks(events, started.stream_id) == "Hello from the fake."
    assert end.message.timings is not None
    assert end.message.model == "fake.gguf"
    assert (await chat.conversations.get_conversation(conversation.id)).model == "fake.gguf"
    assert store.get_message(end.message.id).content == "Hello from the fake."
    (updated,) = [e for e in events if isinstance(e, ConversationUpdatedEvent)]
    assert updated.conversation.title == "Plan a trip to Lyon in spring"
    full = await chat.conversations.get_conversation(conversation.id)
    assert [m.role for m in full.messages] == ["user", "assistant"]
    assert full.messages[1].sibling_ids == [full.messages[1].id]


async def test_non_streaming_answer(chat: ChatOrchestrator, events: list[BridgeEvent]) -> None:
    conversation = await chat.conversations.create_conversation("Kept title")
    answer = await chat.handle_user_message(conversation.id, "hi")
    assert (answer.status, answer.content) == ("complete", "Hello from the fake.")
    assert not [e for e in events if isinstance(e, StreamChunkEvent | ConversationUpdatedEvent)]
    assert (await chat.conversations.get_conversation(conversation.id)).title == "Kept title"


async def test_the_prompt_has_system_prompt_branch_and_params(
    chat: ChatOrchestrator, fake: FakeLlamaServer, settings: Settings, store: ConversationStore
) -> None:
    settings.generation.system_prompt = "Global system."
    settings.generation.temperature = 0.5
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "first")
    await chat.handle_user_message(conversation.id, "second")
    body = fake.requests[-1]
    assert body["messages"] == [
        {"role": "system", "content": "Global system."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "Hello from the fake."},
        {"role": "user", "content": "second"},
    ]
    assert (body["temperature"], body["cache_prompt"]) == (0.5, True)
    assert not {"top_k", "seed"} & body.keys(), "unset: llama-server's default applies"
    store.update_conversation(
        conversation.id, system_prompt="Own system.", params={"temperature": 0.1, "bogus": 3}
    )
    await chat.handle_user_message(conversation.id, "third")
    body = fake.requests[-1]
    assert body["messages"][0] == {"role": "system", "content": "Own system."}
    assert body["temperature"] == 0.1
    assert "bogus" not in body


async def test_one_generation_per_conversation_but_several_conversations(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.script(SLOW, SLOW)
    a = await chat.conversations.create_conversation("a")
    b = await chat.conversations.create_conversation("b")
    await chat.handle_user_message_stream(a.id, "one")
    with pytest.raises(Conflict, match="already generating"):
        await chat.handle_user_message_stream(a.id, "two")
    await chat.handle_user_message_stream(b.id, "three")
    await wait_until_async(lambda: all(s.is_processing for s in fake.slots))
    assert chat.is_generating(a.id)
    assert chat.is_generating(b.id)
    assert await chat.stop(a.id)
    assert await chat.stop(b.id)
    assert not await chat.stop(b.id)
    assert len(_ends(events)) == 2


async def test_stop_keeps_the_partial_text_and_closes_the_stream(
    chat: ChatOrchestrator,
    fake: FakeLlamaServer,
    events: list[BridgeEvent],
    store: ConversationStore,
) -> None:
    fake.script(SLOW)
    conversation = await chat.conversations.create_conversation()
    started = await chat.handle_user_message_stream(conversation.id, "tell me a long story")
    await wait_until_async(lambda: len(_chunks(events, started.stream_id)) > 20)
    assert await chat.stop(conversation.id)
    (end,) = _ends(events)
    assert isinstance(end, StreamEndEvent)
    assert end.message.status == "cancelled"
    assert end.message.content == _chunks(events, started.stream_id)
    assert end.message.content.startswith("w0 w1 ")
    assert store.get_message(started.assistant_message.id).status == "cancelled"
    assert fake.closed_streams == 1
    assert not any(s.is_processing for s in fake.slots)


async def test_partial_text_is_flushed_while_streaming(
    chat: ChatOrchestrator, fake: FakeLlamaServer, store: ConversationStore
) -> None:
    fake.script(SLOW)
    conversation = await chat.conversations.create_conversation()
    started = await chat.handle_user_message_stream(conversation.id, "go")
    message_id = started.assistant_message.id
    await wait_until_async(lambda: store.get_message(message_id).content.startswith("w0 w1 w2"))
    assert store.get_message(message_id).status == "streaming"
    await chat.stop(conversation.id)


async def test_an_error_mid_stream_keeps_the_partial_text(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.script(
        FakeReply(content=["a", "b", "c", "d"], fail_after=2, error={"message": "slot crashed"})
    )
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "go")
    await wait_until_async(lambda: bool(_ends(events)))
    (end,) = _ends(events)
    assert isinstance(end, StreamErrorEvent)
    assert (end.message.status, end.message.content) == ("error", "ab")
    assert end.error.code == "server_error"
    assert end.message.error is not None
    assert "slot crashed" in end.message.error


async def test_the_server_dying_mid_answer_is_a_clear_error(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.script(SLOW)
    conversation = await chat.conversations.create_conversation()
    started = await chat.handle_user_message_stream(conversation.id, "go")
    await wait_until_async(lambda: len(_chunks(events, started.stream_id)) > 10)
    fake.kill()
    await wait_until_async(lambda: bool(_ends(events)))
    (end,) = _ends(events)
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "server_unavailable"
    assert end.message.status == "error"
    assert end.message.content == _chunks(events, started.stream_id) != ""
    assert not chat.is_generating(conversation.id)


async def test_a_non_streaming_failure_raises(
    chat: ChatOrchestrator, fake: FakeLlamaServer
) -> None:
    fake.kill()
    conversation = await chat.conversations.create_conversation()
    with pytest.raises(Exception, match="connection") as caught:
        await chat.handle_user_message(conversation.id, "hi")
    assert caught.value.__class__.__name__ == "ServerUnavailable"
    assert (await chat.conversations.get_conversation(conversation.id)).messages[
        -1
    ].status == "error"


def _long_history(store: ConversationStore, turns: int, words: int) -> str:
    conversation = store.create_conversation("long")
    parent = None
    for i in range(turns):
        parent = store.add_message(
            conversation.id, parent, "user", f"question {i} " + "word " * words
        ).id
        parent = store.add_message(conversation.id, parent, "assistant", "answer " * words).id
    return conversation.id


async def test_context_overflow_is_loud_by_default(
    chat: ChatOrchestrator, store: ConversationStore, events: list[BridgeEvent]
) -> None:
    conversation_id = _long_history(store, turns=4, words=300)
    await chat.handle_user_message_stream(conversation_id, "and now?")
    await wait_until_async(lambda: bool(_ends(events)))
    (end,) = _ends(events)
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "context_overflow"
    assert "2,419 tokens" in end.error.message
    assert "2,048-token" in end.error.message
    assert "drop oldest turns" in end.error.message
    with pytest.raises(ContextOverflow):
        await chat.handle_user_message(conversation_id, "again?")


async def test_drop_oldest_turns_makes_it_fit(
    chat: ChatOrchestrator, store: ConversationStore, fake: FakeLlamaServer, settings: Settings
) -> None:
    settings.behaviour.drop_oldest_turns = True
    conversation_id = _long_history(store, turns=4, words=300)
    answer = await chat.handle_user_message(conversation_id, "and now?")
    assert answer.status == "complete"
    sent = fake.requests[-1]["messages"]
    assert sent[0]["content"].startswith("question 1 ")
    assert sent[-1] == {"role": "user", "content": "and now?"}
    assert len(store.messages(conversation_id)) == 10  # nothing was deleted from the history
    lone = store.create_conversation("lone").id
    with pytest.raises(ContextOverflow):
        await chat.handle_user_message(lone, "word " * 3000)


async def test_regenerate_edit_and_branch_selection(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    first = await chat.handle_user_message(conversation.id, "question")
    fake.script(FakeReply(content=["Second", " answer"]))
    started = await chat.regenerate(first.id)
    assert started.user_message is None
    await wait_until_async(lambda: bool(_ends(events)))
    view = await chat.conversations.get_conversation(conversation.id)
    assert [m.content for m in view.messages] == ["question", "Second answer"]
    assert view.messages[1].sibling_ids == [first.id, started.assistant_message.id]
    assert fake.requests[-1]["messages"] == [{"role": "user", "content": "question"}]

    view = await chat.conversations.select_branch(first.id)
    assert view.messages[1].content == "Hello from the fake."

    user_id = view.messages[0].id
    fake.script(FakeReply(content=["Edited", " answer"]))
    edited = await chat.edit(user_id, "better question")
    assert edited.user_message is not None
    await wait_until_async(lambda: len(_ends(events)) == 2)
    view = await chat.conversations.get_conversation(conversation.id)
    assert [m.content for m in view.messages] == ["better question", "Edited answer"]
    assert view.messages[0].sibling_ids == [user_id, edited.user_message.id]

    view = await chat.conversations.select_branch(user_id)
    assert [m.content for m in view.messages] == ["question", "Second answer"]

    with pytest.raises(InvalidArgument):
        await chat.regenerate(user_id)
    with pytest.raises(InvalidArgument):
        await chat.edit(first.id, "not mine")
    with pytest.raises(InvalidArgument):
        await chat.edit(user_id, "   ")


async def test_continue_appends_without_the_echo(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.script(FakeReply(content=["The capital", " of"], cut_after=2))
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "capital of France?")
    await wait_until_async(lambda: bool(_ends(events)))
    cut = _ends(events)[0].message
    assert (cut.status, cut.content) == ("error", "The capital of")
    fake.script(FakeReply(content=[" France", " is Paris."]))
    started = await chat.continue_(cut.id)
    assert started.assistant_message.id == cut.id
    await wait_until_async(lambda: len(_ends(events)) == 2)
    assert fake.requests[-1]["messages"][-1] == {"role": "assistant", "content": "The capital of"}
    assert _chunks(events, started.stream_id) == " France is Paris."
    final = _ends(events)[1].message
    assert (final.status, final.content, final.error) == (
        "complete",
        "The capital of France is Paris.",
        None,
    )
    with pytest.raises(InvalidArgument):
        await chat.continue_(final.parent_id or "")


async def test_delete_message_removes_the_subtree(chat: ChatOrchestrator) -> None:
    conversation = await chat.conversations.create_conversation()
    first = await chat.handle_user_message(conversation.id, "one")
    await chat.handle_user_message(conversation.id, "two")
    view = await chat.conversations.get_conversation(conversation.id)
    view = await chat.conversations.delete_message(view.messages[2].id)
    assert [m.id for m in view.messages] == [first.parent_id, first.id]
    with pytest.raises(NotFound):
        await chat.conversations.delete_message("missing")


async def test_shutdown_cancels_running_generations(
    store: ConversationStore, adapter: LlamaCppAdapter, fake: FakeLlamaServer, settings: Settings
) -> None:
    events: list[BridgeEvent] = []
    fake.script(SLOW)
    async with ChatOrchestrator(store, adapter, events.append, lambda: settings) as chat:
        conversation = await chat.conversations.create_conversation()
        started = await chat.handle_user_message_stream(conversation.id, "go")
        await wait_until_async(lambda: len(_chunks(events, started.stream_id)) > 5)
    message = store.get_message(started.assistant_message.id)
    assert message.status == "cancelled"
    assert message.content == _chunks(events, started.stream_id)
    assert isinstance(_ends(events)[0], StreamEndEvent)


async def test_conversation_commands_respect_running_generations(
    chat: ChatOrchestrator, fake: FakeLlamaServer, events: list[BridgeEvent]
) -> None:
    fake.script(SLOW)
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message_stream(conversation.id, "go")
    with pytest.raises(Conflict):
        await chat.conversations.clear_conversation(conversation.id)
    assert await chat.conversations.delete_conversation(conversation.id)
    assert _ends(events)[0].message.status == "cancelled"
    assert await chat.conversations.list_conversations() == []


async def test_sidebar_commands(chat: ChatOrchestrator) -> None:
    a = await chat.conversations.create_conversation("Apples")
    b = await chat.conversations.create_conversation("Bananas")
    assert (await chat.conversations.pin(a.id, True)).pinned
    assert [c.id for c in await chat.conversations.list_conversations()] == [a.id, b.id]
    assert (await chat.conversations.rename(b.id, "  Cherries ")).title == "Cherries"
    with pytest.raises(InvalidArgument):
        await chat.conversations.rename(b.id, "  ")
    await chat.handle_user_message(b.id, "cherry pie recipe")
    # a rename beats the auto title
    assert (await chat.conversations.get_conversation(b.id)).title == "Cherries"
    assert [h.conversation_id for h in await chat.conversations.search("cherr")] == [b.id, b.id]
    cleared = await chat.conversations.clear_conversation(b.id)
    assert (cleared.title, cleared.messages) == ("Cherries", [])
    with pytest.raises(NotFound):
        await chat.conversations.get_conversation("nope")


async def test_export_and_import_through_the_orchestrator(chat: ChatOrchestrator) -> None:
    conversation = await chat.conversations.create_conversation("Round trip")
    await chat.handle_user_message(conversation.id, "hello")
    exported = await chat.conversations.export([conversation.id], "json")
    assert (exported.format, exported.filename) == ("json", "Round-trip.json")
    imported = await chat.conversations.import_(exported.content)
    copy = await chat.conversations.get_conversation(imported.conversation_ids[0])
    original = await chat.conversations.get_conversation(conversation.id)
    assert [m.content for m in copy.messages] == [m.content for m in original.messages]
    markdown = await chat.conversations.export(None, "markdown")
    assert markdown.filename == "conversations.md"
    assert markdown.content.count("# Round trip") == 2
    with pytest.raises(InvalidArgument):
        await chat.conversations.export(None, "pdf")


async def test_a_failing_sink_does_not_break_the_answer(
    store: ConversationStore,
    adapter: LlamaCppAdapter,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(event: BridgeEvent) -> None:
        raise RuntimeError("window closed")

    async with ChatOrchestrator(store, adapter, broken, lambda: settings) as chat:
        conversation = await chat.conversations.create_conversation()
        await chat.handle_user_message_stream(conversation.id, "hi")
        await wait_until_async(lambda: not chat.is_generating(conversation.id))
    assert store.messages(conversation.id)[-1].status == "complete"
    assert "the event sink failed" in caplog.text


async def test_the_orchestrator_must_be_entered(
    store: ConversationStore, adapter: LlamaCppAdapter, settings: Settings
) -> None:
    chat = ChatOrchestrator(store, adapter, lambda e: None, lambda: settings)
    conversation = await chat.conversations.create_conversation()
    with pytest.raises(InternalError, match="not running"):
        await chat.handle_user_message_stream(conversation.id, "hi")


def test_derived_titles() -> None:
    assert derive_title("  What is\n the capital?") == "What is"
    assert derive_title("x" * 100) == "x" * 48 + "…"
    assert derive_title("word " * 20) == ("word " * 9).strip() + "…"
    assert derive_title("   ") == "New chat"


def test_the_echo_of_a_continued_answer_is_cut_across_deltas() -> None:
    assert cut_echo("The capital of France", "The capital of") == (" France", "")
    assert cut_echo("The cap", "The capital of") == ("", "ital of")
    assert cut_echo("ital of Spain", "ital of") == (" Spain", "")
    assert cut_echo("Unrelated", "The capital") == ("Unrelated", "")


async def test_shutdown_with_a_dead_server_still_closes_cleanly(
    store: ConversationStore,
    adapter: LlamaCppAdapter,
    fake: FakeLlamaServer,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slots = SlotManager(adapter, store, slot_dir=fake.slot_dir)
    async with ChatOrchestrator(
        store, adapter, lambda e: None, lambda: settings, slots=slots
    ) as chat:
        conversation = await chat.conversations.create_conversation()
        await chat.handle_user_message(conversation.id, "hi")
        fake.kill()
    assert "Could not save the cache" in caplog.text  # the slot save failed, shutdown went on

    async def unavailable() -> Endpoint:
        raise ServerUnavailable("the monitor says the server is down")

    async with ChatOrchestrator(
        store, adapter, lambda e: None, lambda: settings, slots=slots
    ) as chat:
        monkeypatch.setattr(fake, "endpoint", unavailable)
    assert "Could not save slot caches at shutdown" in caplog.text
    assert store.messages(conversation.id)[-1].status == "complete"


async def test_deleting_an_answer_shows_its_remaining_sibling(
    chat: ChatOrchestrator, events: list[BridgeEvent]
) -> None:
    conversation = await chat.conversations.create_conversation()
    first = await chat.handle_user_message(conversation.id, "question")
    second = await chat.regenerate(first.id)
    await wait_until_async(lambda: bool(_ends(events)))
    view = await chat.conversations.select_branch(first.id)
    # not on the shown branch
    view = await chat.conversations.delete_message(second.assistant_message.id)
    assert [m.id for m in view.messages] == [first.parent_id, first.id]
    assert view.messages[1].sibling_ids == [first.id]
    third = await chat.regenerate(first.id)
    await wait_until_async(lambda: len(_ends(events)) == 2)
    view = await chat.conversations.delete_message(third.assistant_message.id)  # the shown answer
    assert [m.id for m in view.messages] == [first.parent_id, first.id]
