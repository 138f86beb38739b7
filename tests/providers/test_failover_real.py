"""Failover with real servers: the managed llama-server (SmolLM2 under the real monitor) and a
second real llama-server on another loopback port with an API key as the remote provider."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from backend.config import EngineSettings, Settings
from backend.contract import (
    FailoverPolicy,
    FailoverRule,
    FailoverTarget,
    ProviderConfig,
    StreamErrorEvent,
)
from backend.llama import LlamaCppAdapter
from backend.paths import AppPaths
from backend.server import ServerMonitor
from tests.conftest import RunningServer
from tests.providers.conftest import Page, Rig
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

FAST = {
    "start_timeout_s": 30.0,
    "stop_timeout_s": 2.0,
    "health_interval_s": 0.1,
    "health_timeout_s": 0.3,
    "restart_max": 1,
    "context_size": 2048,
    "parallel_slots": 1,
}
STORY = "Write a long story about a dragon who learns to bake bread."


@asynccontextmanager
async def _local(
    app_paths: AppPaths, settings: Settings, page: Page, engine_binary: Path, model: Path
) -> AsyncIterator[tuple[ServerMonitor, LlamaCppAdapter]]:
    """The managed server, past whose crash-loop guard one kill -9 goes (restart_max 1)."""
    settings.engine = EngineSettings(**FAST, server_binary=engine_binary, model=model)
    monitor = ServerMonitor(paths=app_paths, settings=lambda: settings, sink=page)
    async with monitor, LlamaCppAdapter(monitor, on_stall=monitor.check_soon) as adapter:
        await monitor.start()
        yield monitor, adapter


async def _remote(service: Any, server: RunningServer, key: str | None = None) -> tuple[str, str]:
    config = ProviderConfig(name="Desktop", base_url=f"{server.base_url}/v1", timeout_s=30)
    info = await service.add(config, key or server.api_key)
    checked = await service.check(info.id)
    return info.id, (checked.models or ["?"])[0]


def _fail_over(service: Any, remote: str, model: str, policy: FailoverPolicy = "automatic") -> None:
    service.set_failover(
        FailoverRule(
            provider_id="local",
            model="*",
            policy=policy,
            targets=[FailoverTarget(provider_id=remote, model=model)],
        )
    )


async def _kill_mid_answer(monitor: ServerMonitor, page: Page, stream_id: str) -> str:
    """Wait for some text, kill -9 the local server, and return the text it had sent."""
    await wait_until_async(lambda: len(page.chunks(stream_id)) >= 40, timeout_s=60)
    pid = monitor.status().pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    return page.chunks(stream_id)


async def test_kill_9_past_the_guard_mid_answer_is_finished_by_the_remote(
    rig: Rig,
    page: Page,
    settings: Settings,
    app_paths: AppPaths,
    engine_binary: Path,
    default_model: Path,
    llama_server: RunningServer,
) -> None:
    settings.generation.max_tokens = 160
    settings.generation.temperature = 0
    async with (
        _local(app_paths, settings, page, engine_binary, default_model) as (
            monitor,
            adapter,
        ),
        rig(adapter, status=monitor.status, watch=True) as (chat, service),
    ):
        remote, model = await _remote(service, llama_server)
        _fail_over(service, remote, model)
        conversation = await chat.conversations.create_conversation()
        started = await chat.handle_user_message_stream(conversation.id, STORY)
        before = await _kill_mid_answer(monitor, page, started.stream_id)
        end = await page.ended(started.stream_id, timeout_s=90)
        await wait_until_async(lambda: monitor.status().state == "failed", timeout_s=10)
        banner = service.providers().fallbacks
    message = end.message
    assert end.type == "stream_end", getattr(end, "error", None)
    assert message.status == "complete"
    assert (message.provider_id, message.provider_name, message.model) == (remote, "Desktop", model)
    assert message.failover is not None
    assert message.failover.startswith("This computer stopped mid-answer")
    assert message.failover.endswith("Desktop finished it from where it stopped.")
    assert message.content == page.chunks(started.stream_id), "a word was lost on the way"
    assert message.content.startswith(before), "the text before the crash was lost"
    rest = message.content[len(before) :]
    assert rest.strip(), "the remote added nothing"
    assert before.strip()[:30] not in rest, "the remote started the answer again"
    assert [(f.provider_id, f.to_provider_id) for f in banner] == [("local", remote)]


async def test_ask_pauses_after_a_kill_9_and_continue_finishes_on_the_remote(
    rig: Rig,
    page: Page,
    settings: Settings,
    app_paths: AppPaths,
    engine_binary: Path,
    default_model: Path,
    llama_server: RunningServer,
) -> None:
    """About 10 s: SmolLM2 streams on one thread until the kill, then the remote finishes."""
    settings.generation.max_tokens = 60
    settings.generation.temperature = 0
    async with (
        _local(app_paths, settings, page, engine_binary, default_model) as (
            monitor,
            adapter,
        ),
        rig(adapter, status=monitor.status, watch=True) as (chat, service),
    ):
        remote, model = await _remote(service, llama_server)
        _fail_over(service, remote, model, policy="ask")
        conversation = await chat.conversations.create_conversation()
        started = await chat.handle_user_message_stream(conversation.id, STORY)
        before = await _kill_mid_answer(monitor, page, started.stream_id)
        asked = await wait_until_async(lambda: page.of("failover_question"), timeout_s=30)
        question = asked[0].question
        paused = page.chunks(started.stream_id)
        assert page.of("stream_end") == [], "the answer did not wait for the user"
        chat.failover.answer(question.id, "continue")
        end = await page.ended(started.stream_id, timeout_s=90)
    assert question.cut is True
    assert question.text.startswith("The local model is not answering (")
    assert question.text.endswith(f"). Continue with Desktop/{model}?")
    assert end.type == "stream_end", getattr(end, "error", None)
    assert end.message.provider_id == remote
    assert end.message.content == page.chunks(started.stream_id), "a word was lost on the way"
    assert end.message.content.startswith(paused)
    assert paused.startswith(before)
    assert end.message.content[len(paused) :].strip(), "the remote added nothing"


async def test_back_to_the_primary_when_it_is_healthy_again(
    rig: Rig,
    page: Page,
    settings: Settings,
    app_paths: AppPaths,
    engine_binary: Path,
    default_model: Path,
    llama_server: RunningServer,
) -> None:
    settings.generation.max_tokens = 120
    async with (
        _local(app_paths, settings, page, engine_binary, default_model) as (
            monitor,
            adapter,
        ),
        rig(adapter, status=monitor.status, watch=True) as (chat, service),
    ):
        remote, model = await _remote(service, llama_server)
        _fail_over(service, remote, model)
        conversation = await chat.conversations.create_conversation()
        first = await chat.handle_user_message_stream(conversation.id, STORY)
        await _kill_mid_answer(monitor, page, first.stream_id)
        assert (await page.ended(first.stream_id, timeout_s=90)).message.provider_id == remote
        await wait_until_async(lambda: monitor.status().state == "failed", timeout_s=10)
        settings.generation.max_tokens = 8
        second = await chat.handle_user_message_stream(conversation.id, "And then?")
        stood_in = await page.ended(second.stream_id, timeout_s=60)
        assert service.providers().fallbacks, "the banner went while the primary was down"
        await monitor.start()
        await wait_until_async(lambda: not service.providers().fallbacks, timeout_s=15)
        third = await chat.handle_user_message_stream(conversation.id, "Thanks!")
        back = await page.ended(third.stream_id, timeout_s=60)
    assert (stood_in.message.provider_id, stood_in.message.failover) == (remote, None)
    assert back.type == "stream_end"
    assert (back.message.provider_id, back.message.failover) == ("local", None)
    assert back.message.model == default_model.name
    assert page.providers_events()[-1].fallbacks == []


async def test_a_conversation_on_the_remote_and_a_wrong_key(
    rig: Rig,
    page: Page,
    settings: Settings,
    adapter: LlamaCppAdapter,
    llama_server: RunningServer,
) -> None:
    settings.generation.max_tokens = 8
    async with rig(adapter) as (chat, service):
        remote, model = await _remote(service, llama_server)
        wrong, _ = await _remote(service, llama_server, key="not-the-key")
        health = {p.id: p.health for p in service.providers().providers}
        conversation = await chat.conversations.create_conversation()
        await chat.conversations.set_provider(conversation.id, remote, model)
        answered = await page.ended(
            (await chat.handle_user_message_stream(conversation.id, "Capital of France?")).stream_id
        )
        await chat.conversations.set_provider(conversation.id, wrong, model)
        refused = await page.ended(
            (await chat.handle_user_message_stream(conversation.id, "Hello?")).stream_id
        )
    assert answered.type == "stream_end"
    assert answered.message.content.strip()
    assert (answered.message.provider_id, answered.message.model) == (remote, model)
    assert health[remote].state == "ok"
    assert health[remote].latency_ms is not None
    assert model != "?", "the remote listed no model"
    assert health[wrong].state == "auth_failed"
    assert health[wrong].error == "Provider 'Desktop' rejected the API key."
    assert isinstance(refused, StreamErrorEvent)
    assert refused.error.code == "auth_failed"
    assert refused.error.message == "Provider 'Desktop' rejected the API key."
    assert "not-the-key" not in (refused.error.detail or "")
