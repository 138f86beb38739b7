"""Slot affinity, eviction with save, restore after restarts, staleness and the disk budget."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from backend.chat import (
    ChatOrchestrator,
    ConversationStore,
    DraftReader,
    SlotCaches,
    SlotManager,
    opening_fields,
    prefix_hash,
)
from backend.config import Settings
from backend.contract import ConversationOptions
from backend.llama import FakeLlamaServer, FakeReply, LlamaCppAdapter
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio


def _bare_settings() -> Settings:
    """Defaults without the global system prompt: the cached prefix is the chat alone."""
    settings = Settings()
    settings.generation.system_prompt = ""
    return settings


def _orchestrator(
    store: ConversationStore, adapter: LlamaCppAdapter, fake: FakeLlamaServer, budget_mb: int = 2048
) -> ChatOrchestrator:
    slots = SlotManager(adapter, store, slot_dir=fake.slot_dir, disk_budget_mb=lambda: budget_mb)
    return ChatOrchestrator(store, adapter, lambda e: None, _bare_settings, slots=slots)


def _actions(fake: FakeLlamaServer, action: str) -> list[tuple[int, str | None]]:
    return [(slot, name) for slot, kind, name in fake.slot_actions if kind == action]


async def test_a_conversation_keeps_its_slot(chat: ChatOrchestrator, fake: FakeLlamaServer) -> None:
    a = await chat.conversations.create_conversation("a")
    b = await chat.conversations.create_conversation("b")
    await chat.handle_user_message(a.id, "one")
    await chat.handle_user_message(b.id, "two")
    await chat.handle_user_message(a.id, "three")
    assert [r["id_slot"] for r in fake.requests] == [0, 1, 0]
    answer = await chat.handle_user_message(b.id, "four")
    assert answer.timings is not None
    assert answer.timings.cache_n == 7  # <user> two <assistant> Hello from the fake.


async def test_the_least_recently_used_conversation_is_saved_and_restored(
    chat: ChatOrchestrator, fake: FakeLlamaServer, store: ConversationStore
) -> None:
    a, b, c = [await chat.conversations.create_conversation(t) for t in "abc"]
    await chat.handle_user_message(a.id, "alpha")
    await chat.handle_user_message(b.id, "beta")
    await chat.handle_user_message(c.id, "gamma")  # evicts a, the least recently used
    assert _actions(fake, "save") == [(0, f"ld-{a.id}.bin")]
    record = SlotCaches(store).get(a.id)
    assert record is not None
    assert (record.message_count, record.model_path) == (2, fake.model_path)
    assert fake.slot_dir is not None
    assert (fake.slot_dir / record.filename).is_file()
    assert chat.slots.assignments() == {b.id: 1, c.id: 0}

    answer = await chat.handle_user_message(a.id, "alpha again")  # evicts b, restores a
    assert _actions(fake, "restore") == [(1, f"ld-{a.id}.bin")]
    assert answer.timings is not None
    assert answer.timings.cache_n == 7


async def test_a_cache_survives_server_and_app_restarts(
    tmp_path: Path, fake: FakeLlamaServer, adapter: LlamaCppAdapter
) -> None:
    with ConversationStore(tmp_path / "app.db") as store:
        async with _orchestrator(store, adapter, fake) as chat:
            conversation = await chat.conversations.create_conversation("kept")
            await chat.handle_user_message(conversation.id, "remember this please")
        assert _actions(fake, "save") == [(0, f"ld-{conversation.id}.bin")]  # saved at shutdown
    fake.restart()
    with ConversationStore(tmp_path / "app.db") as store:
        async with _orchestrator(store, adapter, fake) as chat:
            answer = await chat.handle_user_message(conversation.id, "and now?")
    assert _actions(fake, "restore") == [(0, f"ld-{conversation.id}.bin")]
    assert answer.timings is not None
    assert answer.timings.cache_n == 9


async def test_a_server_restart_forgets_assignments(
    chat: ChatOrchestrator, fake: FakeLlamaServer
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    fake.restart()
    answer = await chat.handle_user_message(conversation.id, "two")
    assert _actions(fake, "restore") == [(0, f"ld-{conversation.id}.bin")]
    assert answer.timings is not None
    assert answer.timings.cache_n == 7


async def test_a_stale_cache_is_dropped(
    chat: ChatOrchestrator, fake: FakeLlamaServer, store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    first = await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    fake.restart()
    assert first.parent_id is not None
    await chat.edit(first.parent_id, "a different first question")  # the history changed
    await wait_until_async(lambda: not chat.is_generating(conversation.id))
    assert _actions(fake, "restore") == []
    assert fake.slot_dir is not None
    assert not (fake.slot_dir / f"ld-{conversation.id}.bin").exists()
    assert SlotCaches(store).get(conversation.id) is None


async def test_another_model_drops_the_cache(
    chat: ChatOrchestrator, fake: FakeLlamaServer, store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    fake.model_path = "/models/other.gguf"
    fake.restart()
    await chat.handle_user_message(conversation.id, "two")
    assert _actions(fake, "restore") == []
    assert SlotCaches(store).get(conversation.id) is None


async def test_the_disk_budget_removes_old_files(
    store: ConversationStore, adapter: LlamaCppAdapter, fake: FakeLlamaServer
) -> None:
    assert fake.slot_dir is not None
    orphan = fake.slot_dir / "ld-deleted-conversation.bin"
    orphan.write_text("[]")
    unrelated = fake.slot_dir / "someone-elses.bin"
    unrelated.write_text("keep")
    async with _orchestrator(store, adapter, fake, budget_mb=0) as chat:
        conversation = await chat.conversations.create_conversation()
        await chat.handle_user_message(conversation.id, "one")
    assert _actions(fake, "save") == [(0, f"ld-{conversation.id}.bin")]
    assert not orphan.exists()
    assert unrelated.exists()
    assert list(fake.slot_dir.glob("ld-*")) == []
    assert SlotCaches(store).all() == []


async def test_deleting_a_conversation_deletes_its_cache(
    chat: ChatOrchestrator, fake: FakeLlamaServer, store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    assert SlotCaches(store).get(conversation.id) is not None
    await chat.conversations.delete_conversation(conversation.id)
    assert fake.slot_dir is not None
    assert list(fake.slot_dir.glob("ld-*")) == []
    assert chat.slots.assignments() == {}


async def test_with_all_slots_busy_a_conversation_waits(
    store: ConversationStore, adapter: LlamaCppAdapter, tmp_path: Path
) -> None:
    fake = FakeLlamaServer(n_slots=1, slot_dir=tmp_path)
    async with LlamaCppAdapter(fake, transport=fake.transport) as one_slot:
        chat = _orchestrator(store, one_slot, fake)
        async with chat:
            fake.script(FakeReply(content=["x "] * 20, rate=200), FakeReply())
            a = await chat.conversations.create_conversation("a")
            b = await chat.conversations.create_conversation("b")
            await chat.handle_user_message_stream(a.id, "slow")
            answer = await chat.handle_user_message(b.id, "waits")
            assert answer.status == "complete"
            assert store.messages(a.id)[-1].status == "complete"
    assert [r["id_slot"] for r in fake.requests] == [0, 0]
    assert _actions(fake, "save") == [(0, f"ld-{a.id}.bin"), (0, f"ld-{b.id}.bin")]


async def test_without_slot_endpoints_requests_have_no_slot(
    store: ConversationStore, tmp_path: Path
) -> None:
    fake = FakeLlamaServer(slot_dir=tmp_path, slots_endpoint=False)
    async with LlamaCppAdapter(fake, transport=fake.transport) as adapter:
        slots = SlotManager(adapter, store, slot_dir=tmp_path)
        async with ChatOrchestrator(
            store, adapter, lambda e: None, _bare_settings, slots=slots
        ) as chat:
            conversation = await chat.conversations.create_conversation()
            answer = await chat.handle_user_message(conversation.id, "hi")
    assert answer.status == "complete"
    assert "id_slot" not in fake.requests[-1]
    assert fake.slot_actions == []


def test_prefix_hash_depends_on_roles_and_texts() -> None:
    base = [{"role": "user", "content": "a"}]
    assert prefix_hash(base) == prefix_hash([{"role": "user", "content": "a", "extra": 1}])
    assert prefix_hash(base) != prefix_hash([{"role": "assistant", "content": "a"}])
    assert prefix_hash(base) != prefix_hash([{"role": "user", "content": "b"}])


async def test_a_failed_restore_drops_the_record_and_answers_anyway(
    chat: ChatOrchestrator, fake: FakeLlamaServer, store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    fake.restart()
    assert fake.slot_dir is not None
    (fake.slot_dir / f"ld-{conversation.id}.bin").unlink()
    answer = await chat.handle_user_message(conversation.id, "two")
    assert _actions(fake, "restore") == [(0, f"ld-{conversation.id}.bin")]
    assert answer.status == "complete"
    assert SlotCaches(store).get(conversation.id) is None


async def test_a_server_that_cannot_save_keeps_affinity_only(
    chat: ChatOrchestrator,
    fake: FakeLlamaServer,
    store: ConversationStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.slot_dir = None  # started without --slot-save-path: save answers 501
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    assert SlotCaches(store).get(conversation.id) is None
    assert "Could not save the cache" in caplog.text
    assert chat.slots.assignments() == {conversation.id: 0}


async def test_opening_a_conversation_restores_its_cache_before_the_next_message(
    chat: ChatOrchestrator, fake: FakeLlamaServer
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    fake.restart()
    asked = len(fake.requests)
    assert await chat.prepare(conversation.id)
    assert _actions(fake, "restore") == [(0, f"ld-{conversation.id}.bin")]
    assert len(fake.requests) == asked  # restored on opening, before anything is asked
    answer = await chat.handle_user_message(conversation.id, "two")
    assert _actions(fake, "restore") == [(0, f"ld-{conversation.id}.bin")]  # not again
    assert answer.timings is not None
    assert answer.timings.cache_n == 7
    assert not await chat.prepare(conversation.id)  # it holds its slot already


async def test_opening_a_conversation_without_a_saved_cache_takes_no_slot(
    chat: ChatOrchestrator,
) -> None:
    conversation = await chat.conversations.create_conversation()
    assert not await chat.prepare(conversation.id)
    assert chat.slots.assignments() == {}


async def test_a_stale_cache_found_on_opening_is_dropped(
    chat: ChatOrchestrator, fake: FakeLlamaServer, store: ConversationStore
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    fake.restart()
    first = store.messages(conversation.id)[0]
    await chat.conversations.delete_message(first.id)  # the cached history is gone
    assert not await chat.prepare(conversation.id)
    assert _actions(fake, "restore") == []
    assert SlotCaches(store).get(conversation.id) is None


async def test_with_every_slot_busy_opening_restores_nothing_and_does_not_wait(
    store: ConversationStore, tmp_path: Path
) -> None:
    fake = FakeLlamaServer(n_slots=1, slot_dir=tmp_path)
    async with (
        LlamaCppAdapter(fake, transport=fake.transport) as one_slot,
        _orchestrator(store, one_slot, fake) as chat,
    ):
        a = await chat.conversations.create_conversation("a")
        b = await chat.conversations.create_conversation("b")
        await chat.handle_user_message(b.id, "kept")
        await chat.slots.save_all()
        fake.restart()
        fake.script(FakeReply(content=["x "] * 40, rate=100))
        await chat.handle_user_message_stream(a.id, "slow")
        await wait_until_async(lambda: len(fake.requests) == 2)
        assert not await chat.prepare(b.id)  # a's answer holds the only slot
        assert chat.is_generating(a.id)
    assert _actions(fake, "restore") == []


async def test_a_restored_cache_that_gives_up_its_slot_unchanged_is_not_saved_again(
    chat: ChatOrchestrator, fake: FakeLlamaServer
) -> None:
    a, b, c = [await chat.conversations.create_conversation(t) for t in "abc"]
    for conversation in (a, b, c):
        await chat.handle_user_message(conversation.id, "hello")
    await chat.slots.save_all()
    fake.restart()
    saves = len(_actions(fake, "save"))
    for conversation in (a, b, c):  # opened in turn: c takes a's slot
        assert await chat.prepare(conversation.id)
    assert chat.slots.assignments() == {b.id: 1, c.id: 0}
    assert len(_actions(fake, "save")) == saves  # a's file already held what its slot held
    answer = await chat.handle_user_message(a.id, "again")  # restored from that file
    assert answer.timings is not None
    assert answer.timings.cache_n == 7


async def test_a_failed_read_ahead_keeps_the_restored_cache(
    chat: ChatOrchestrator, fake: FakeLlamaServer, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = await chat.conversations.create_conversation()
    await chat.handle_user_message(conversation.id, "one")
    await chat.slots.save_all()
    fake.restart()
    assert await chat.prepare(conversation.id)  # the fake has no /completion: 404
    assert "Could not read the next turn's opening ahead" in caplog.text
    answer = await chat.handle_user_message(conversation.id, "two")
    assert answer.timings is not None
    assert answer.timings.cache_n == 7


@pytest.mark.parametrize(
    ("tools", "images", "calls", "read"),
    [
        (False, False, False, True),
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
    ],
)
def test_the_opening_is_read_ahead_only_when_the_prompt_is_the_rendered_messages(
    tools: bool, images: bool, calls: bool, read: bool
) -> None:
    history: list[dict[str, object]] = [{"role": "user", "content": "hi"}]
    if calls:
        history.append({"role": "assistant", "content": "", "tool_calls": [{"id": "c1"}]})
    options = ConversationOptions(reasoning_effort="low")
    fields = opening_fields(options, history, tools=tools, images=images)
    if read:
        assert fields == {"reasoning_effort": "low", "reasoning_control": True}
    else:
        assert fields is None


async def test_drafts_are_read_one_at_a_time_the_latest_first_and_none_while_answering() -> None:
    read: list[str] = []
    reading = anyio.Event()
    go_on = anyio.Event()
    answering = False

    async def read_one(conversation_id: str, text: str) -> int:
        read.append(text)
        if text == "a b":
            reading.set()
            await go_on.wait()
        return len(text)

    drafts = DraftReader(read_one, lambda: not answering)
    async with anyio.create_task_group() as tasks:
        first: list[int] = []

        async def offer_first() -> None:
            first.append(await drafts.offer("c1", "a b"))

        tasks.start_soon(offer_first)
        await reading.wait()
        assert await drafts.offer("c1", "a b c") == 0  # left to the read under way
        assert await drafts.offer("c1", "a b c d") == 0  # replaces the waiting one
        go_on.set()
    assert read == ["a b", "a b c d"]
    assert first == [7]
    answering = True
    assert await drafts.offer("c1", "a b c d e") == 0
    assert read == ["a b", "a b c d"]
