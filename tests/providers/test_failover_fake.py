"""Failover where a real server cannot misbehave on demand: the fake OpenAI-compatible server
(refused key, 503, a stream cut after N chunks, accepted and never answered) and the in-process
fake llama-server as the local one. ``test_failover_real`` does the same with real servers."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from backend.chat import ChatOrchestrator, ConversationStore
from backend.contract import (
    ServerStatus,
    StreamErrorEvent,
)
from backend.llama import FakeLlamaServer, FakeReply, LlamaCppAdapter
from tests.providers.conftest import Page, Rig, add_remote, failover_rule, remote_config
from tests.providers.fake_openai import FakeOpenAI
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio


async def _ask(
    chat: ChatOrchestrator, page: Page, text: str = "Capital of France?"
) -> tuple[Any, Any]:
    conversation = await chat.conversations.create_conversation()
    started = await chat.handle_user_message_stream(conversation.id, text)
    return started, await page.ended(started.stream_id)


async def test_a_cut_local_answer_is_finished_by_the_remote_from_where_it_stopped(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
    store: ConversationStore,
) -> None:
    fake.script(FakeReply(content=["The", " capital", " of", " Spain"], cut_after=2))
    fake_remote.reply = [" of", " France", " is", " Paris."]
    async with rig(adapter) as (chat, service):
        remote = await add_remote(service, fake_remote)
        service.set_failover(failover_rule("local", "*", (remote, "fake-model")))
        started, end = await _ask(chat, page)
        fallbacks = service.providers().fallbacks
    assert end.type == "stream_end"
    message = end.message
    assert message.content == "The capital of France is Paris."
    assert page.chunks(started.stream_id) == message.content, "a word was lost or repeated"
    assert (message.provider_id, message.provider_name, message.model) == (
        remote,
        "Remote box",
        "fake-model",
    )
    assert message.failover is not None
    assert "This computer stopped mid-answer" in message.failover
    assert "Remote box finished it from where it stopped" in message.failover
    (notice,) = page.of("stream_notice")
    assert (notice.kind, notice.provider_id, notice.text) == (
        "provider_failover",
        remote,
        message.failover,
    )
    (body,) = fake_remote.chats()
    assert body["messages"] == [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "The capital"},
    ]
    assert body["model"] == "fake-model"
    assert "id_slot" not in body
    assert fake_remote.paths() == ["/v1/chat/completions"], "a remote got more than the chat"
    assert fake_remote.requests[0].authorization == f"Bearer {fake_remote.key}"
    assert [(f.provider_id, f.to_provider_id) for f in fallbacks] == [("local", remote)]
    assert page.providers_events()[-1].fallbacks == fallbacks
    stored = store.get_message(message.id)
    assert (stored.content, stored.provider_id, stored.failover) == (
        message.content,
        remote,
        message.failover,
    )


async def test_503_before_the_first_token_goes_to_the_next_provider(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    second_fake: FakeOpenAI,
    page: Page,
) -> None:
    fake_remote.mode = "unavailable"
    async with rig(adapter) as (chat, service):
        first = await add_remote(service, fake_remote)
        second = await add_remote(service, second_fake, "Second box")
        service.set_failover(failover_rule(first, "fake-model", (second, "fake-model")))
        conversation = await chat.conversations.create_conversation()
        await chat.conversations.set_provider(conversation.id, first, "fake-model")
        started = await chat.handle_user_message_stream(conversation.id, "Hi")
        end = await page.ended(started.stream_id)
    assert end.type == "stream_end"
    assert end.message.content == " and the rest."
    assert end.message.provider_id == second
    assert end.message.failover == (
        "Remote box could not answer (Provider 'Remote box' is not ready: Loading model); "
        "Second box answered instead."
    )
    (body,) = second_fake.chats()
    assert body["messages"] == [{"role": "user", "content": "Hi"}]
    assert fake.requests == [], "the local server was asked for a remote conversation"


async def test_a_server_that_accepts_and_never_answers_fails_over_after_its_timeout(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    second_fake: FakeOpenAI,
    page: Page,
) -> None:
    fake_remote.mode = "hang"
    async with rig(adapter) as (chat, service):
        first = await add_remote(service, fake_remote, timeout_s=1.0)
        second = await add_remote(service, second_fake, "Second box")
        service.set_failover(failover_rule(first, "*", (second, "fake-model")))
        conversation = await chat.conversations.create_conversation()
        await chat.conversations.set_provider(conversation.id, first, "fake-model")
        began = time.monotonic()
        started = await chat.handle_user_message_stream(conversation.id, "Hi")
        end = await page.ended(started.stream_id)
        waited = time.monotonic() - began
    assert end.type == "stream_end"
    assert end.message.provider_id == second
    assert "did not answer in time" in (end.message.failover or "")
    assert 1.0 <= waited < 5.0


async def test_a_wrong_key_is_a_readable_error_naming_the_provider_without_retries(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    second_fake: FakeOpenAI,
    page: Page,
    tmp_path: Any,
) -> None:
    second_fake.mode = "unavailable"
    async with rig(adapter, watch=True) as (chat, service):
        info = await service.add(remote_config(fake_remote), "sk-wrong-key-987")
        down = await add_remote(service, second_fake, "Loading box")
        service.set_failover(failover_rule(info.id, "*", (down, "fake-model")))
        conversation = await chat.conversations.create_conversation()
        await chat.conversations.set_provider(conversation.id, info.id, "fake-model")
        started = await chat.handle_user_message_stream(conversation.id, "Hi")
        end = await page.ended(started.stream_id)
        # the 503 one is checked at once and again after its first backoff (2 s); by then
        # the refused key has had its one check and no other
        await wait_until_async(lambda: second_fake.paths().count("/v1/models") >= 2, timeout_s=15)
        health = {p.id: p.health for p in service.providers().providers}
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "auth_failed"
    assert end.error.message == "Provider 'Remote box' rejected the API key."
    assert "sk-wrong-key-987" not in (end.error.detail or "")
    assert "***" in (end.error.detail or "")
    assert second_fake.chats() == [], "a refused key is no reason to fail over"
    assert fake_remote.paths().count("/v1/models") == 1, "the refused key was retried"
    assert health[info.id].state == "auth_failed"
    assert health[info.id].next_check_s is None
    assert health[down].state == "unreachable"
    assert "sk-wrong-key-987" not in (tmp_path / "providers.json").read_text()


async def test_failover_off_keeps_the_old_error(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
) -> None:
    fake.script(FakeReply(content=["The", " capital", " of"], cut_after=2))
    async with rig(adapter) as (chat, service):
        remote = await add_remote(service, fake_remote)
        service.set_failover(failover_rule("local", "*", (remote, "fake-model"), policy="off"))
        _, end = await _ask(chat, page)
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "server_unavailable"
    assert "llama-server" in end.error.message
    assert (end.message.status, end.message.content) == ("error", "The capital")
    assert (end.message.provider_id, end.message.failover) == ("local", None)
    assert fake_remote.requests == []


async def test_a_provider_that_cannot_continue_answers_afresh_keeping_the_cut_text(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
    store: ConversationStore,
) -> None:
    fake.script(FakeReply(content=["The", " capital", " of"], cut_after=2))
    async with rig(adapter) as (chat, service):
        remote = await add_remote(service, fake_remote, can_continue=False)
        service.set_failover(failover_rule("local", "*", (remote, "fake-model")))
        _, end = await _ask(chat, page)
    (round_,) = page.of("stream_round")
    cut, fresh = round_.message, end.message
    assert (cut.status, cut.content, cut.provider_id) == ("error", "The capital", "local")
    assert cut.failover is not None
    assert "answered afresh" in cut.failover
    assert (fresh.status, fresh.content, fresh.provider_id) == (
        "complete",
        "Hello from the fake.",
        remote,
    )
    assert fresh.parent_id == cut.parent_id
    assert fresh.sibling_ids == [cut.id, fresh.id]
    assert fake_remote.chats()[0]["messages"] == [{"role": "user", "content": "Capital of France?"}]
    assert store.get_message(cut.id).content == "The capital"


async def test_new_answers_go_to_the_stand_in_until_the_primary_is_healthy(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
) -> None:
    state = ["failed"]
    fake.script(FakeReply(content=["back", " home"]))

    def status() -> ServerStatus:  # a restarted server: ready for a moment
        return ServerStatus(state=state[0], uptime_s=0.1 if state[0] == "ready" else None)

    async with rig(adapter, status=status, watch=True) as (chat, service):
        remote = await add_remote(service, fake_remote)
        service.set_failover(failover_rule("local", "*", (remote, "fake-model")))
        _, first = await _ask(chat, page)
        banner = service.providers().fallbacks
        _, second = await _ask(chat, page)
        state[0] = "ready"
        await wait_until_async(lambda: not service.providers().fallbacks, timeout_s=10)
        _, third = await _ask(chat, page)
    assert first.message.provider_id == remote
    assert "The local llama-server is failed" in (first.message.failover or "")
    assert [(f.provider_id, f.to_provider_name) for f in banner] == [("local", "Remote box")]
    assert second.message.provider_id == remote
    assert second.message.failover is None, "the stand-in answered from the start"
    assert (third.message.provider_id, third.message.content) == ("local", "back home")
    assert len(fake.requests) == 1, "the failed primary was asked"
    assert page.providers_events()[-1].fallbacks == []


async def test_a_failed_local_server_is_skipped_at_once(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
) -> None:
    async with rig(adapter, status=lambda: ServerStatus(state="restarting")) as (
        chat,
        service,
    ):
        remote = await add_remote(service, fake_remote)
        service.set_failover(failover_rule("local", "*", (remote, "fake-model")))
        with anyio.fail_after(5):
            _, end = await _ask(chat, page)
    assert end.message.provider_id == remote
    assert "The local llama-server is restarting" in (end.message.failover or "")
    assert fake.requests == []
