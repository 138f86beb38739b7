"""The ``ask`` failover policy: the answer pauses on a question to the page, the user decides.

The local server is the in-process fake llama-server (a stream cut after N chunks, a status of
``restarting`` on demand); the remote is the fake OpenAI-compatible server.
``test_failover_real`` asks the same question after a real kill -9.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from backend.chat import ChatOrchestrator
from backend.contract import (
    AnswerFailoverParams,
    FailoverQuestion,
    ServerStatus,
    StreamErrorEvent,
)
from backend.errors import Conflict, NotFound
from backend.llama import FakeLlamaServer, FakeReply, LlamaCppAdapter
from backend.providers import ProviderService
from tests.providers.conftest import Page, Rig, add_remote, failover_rule
from tests.providers.fake_openai import FakeOpenAI
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio


async def _ask_rule(service: ProviderService, fake_remote: FakeOpenAI) -> str:
    remote = await add_remote(service, fake_remote)
    service.set_failover(failover_rule("local", "*", (remote, "fake-model"), policy="ask"))
    return remote


async def _asked(chat: ChatOrchestrator, page: Page) -> tuple[Any, FailoverQuestion]:
    """Send a message and wait for the failover question it pauses on."""
    conversation = await chat.conversations.create_conversation()
    started = await chat.handle_user_message_stream(conversation.id, "Capital of France?")
    found = await wait_until_async(
        lambda: page.of("failover_question"), timeout_s=10, interval_s=0.01
    )
    return started, found[0].question


async def test_a_cut_answer_pauses_and_continue_finishes_it_as_automatic_would(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
) -> None:
    fake.script(FakeReply(content=["The", " capital", " of", " Spain"], cut_after=2))
    fake_remote.reply = [" of", " France", " is", " Paris."]
    async with rig(adapter) as (chat, service):
        remote = await _ask_rule(service, fake_remote)
        started, question = await _asked(chat, page)
        live = await chat.conversations.get_conversation(question.conversation_id)
        assert fake_remote.chats() == [], "the remote was asked before the user said yes"
        answered = chat.failover.answer(question.id, "continue")
        end = await page.ended(started.stream_id)
        fallbacks = service.providers().fallbacks
    assert question.text.startswith("The local model is not answering (")
    assert question.text.endswith("). Continue with Remote box/fake-model?")
    assert (question.from_provider_id, question.to_provider_id, question.cut) == (
        "local",
        remote,
        True,
    )
    assert question.stream_id == started.stream_id
    assert question.message_id == started.assistant_message.id
    assert live.stream is not None
    assert live.stream.question == question, "a page opening the conversation sees the question"
    assert (answered.question_id, answered.choice) == (question.id, "continue")
    (told,) = page.of("failover_answered")
    assert (told.question_id, told.choice, told.stream_id) == (
        question.id,
        "continue",
        started.stream_id,
    )
    assert end.type == "stream_end"
    assert end.message.content == "The capital of France is Paris."
    assert page.chunks(started.stream_id) == end.message.content
    assert end.message.provider_id == remote
    assert "finished it from where it stopped" in (end.message.failover or "")
    assert fake_remote.chats()[0]["messages"][-1] == {"role": "assistant", "content": "The capital"}
    assert [(f.provider_id, f.to_provider_id) for f in fallbacks] == [("local", remote)]


async def test_cancel_ends_as_off_does_and_the_question_then_expires(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
) -> None:
    fake.script(FakeReply(content=["The", " capital", " of", " Spain"], cut_after=2))
    async with rig(adapter) as (chat, service):
        await _ask_rule(service, fake_remote)
        started, question = await _asked(chat, page)
        chat.failover.answer(question.id, "cancel")
        end = await page.ended(started.stream_id)
        with pytest.raises(Conflict) as again:
            chat.failover.answer(question.id, "continue")
        fallbacks = service.providers().fallbacks
    assert isinstance(end, StreamErrorEvent)
    assert end.error.code == "server_unavailable"
    stored = await chat.conversations.get_conversation(question.conversation_id)
    assert stored.messages[-1].content == "The capital", "the text so far was lost"
    assert fake_remote.chats() == []
    assert fallbacks == []
    assert again.value.message == "This question has expired: it was answered (cancel)."


async def test_wait_for_local_tries_the_local_server_as_off_would(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
) -> None:
    fake.script(FakeReply(content=["Paris", "."]))
    restarting = ServerStatus(state="restarting")
    async with rig(adapter, status=lambda: restarting) as (chat, service):
        await _ask_rule(service, fake_remote)
        started, question = await _asked(chat, page)
        assert fake.requests == [], "the local server was asked before the user chose"
        chat.failover.answer(question.id, "wait")
        end = await page.ended(started.stream_id)
    assert question.cut is False
    assert question.reason == "The local llama-server is restarting."
    assert question.text == (
        "The local model is not answering (The local llama-server is restarting). "
        "Continue with Remote box/fake-model?"
    )
    assert end.type == "stream_end"
    assert (end.message.content, end.message.provider_id) == ("Paris.", "local")
    assert end.message.failover is None
    assert fake_remote.chats() == []


async def test_stop_while_asked_expires_the_question(
    rig: Rig,
    fake: FakeLlamaServer,
    adapter: LlamaCppAdapter,
    fake_remote: FakeOpenAI,
    page: Page,
) -> None:
    async with rig(adapter, status=lambda: ServerStatus(state="failed")) as (chat, service):
        await _ask_rule(service, fake_remote)
        started, question = await _asked(chat, page)
        assert await chat.stop(question.conversation_id)
        end = await page.ended(started.stream_id)
        with pytest.raises(Conflict) as expired:
            chat.failover.answer(question.id, "continue")
        with pytest.raises(NotFound) as unknown:
            chat.failover.answer("q-nothing", "continue")
        live = await chat.conversations.get_conversation(question.conversation_id)
    assert end.type == "stream_end"
    assert end.message.status == "cancelled"
    assert expired.value.message == "This question has expired: its answer has ended."
    assert unknown.value.message == "There is no failover question 'q-nothing'."
    assert live.stream is None
    assert fake_remote.chats() == []


def test_the_choice_is_checked_strictly() -> None:
    with pytest.raises(ValidationError) as bad:
        AnswerFailoverParams.model_validate({"question_id": "q-1", "choice": "maybe"})
    assert bad.value.errors()[0]["loc"] == ("choice",)
    with pytest.raises(ValidationError):
        AnswerFailoverParams.model_validate({"question_id": "q 1", "choice": "wait"})
    with pytest.raises(ValidationError):
        AnswerFailoverParams.model_validate({"question_id": "q-1", "choice": "wait", "x": 1})
