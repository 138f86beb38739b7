"""Idle unload with the real llama-server: stopped after a quiet spell, back on the next request."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import psutil
import pytest

from backend.errors import ServerUnavailable

from .test_monitor_real import _ask

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

_IDLE_MINUTES = 0.01  # 0.6 s


async def test_an_idle_server_stops_and_the_next_request_starts_it(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(idle_unload_minutes=_IDLE_MINUTES, **real_engine) as (
        monitor,
        recorder,
    ):
        first = await monitor.start()
        stopped_at = await recorder.wait_for("stopped", timeout_s=10)
        status = monitor.status()
        assert (status.state, status.pid, status.last_error) == ("stopped", None, None)
        assert status.hint is not None
        assert "without requests" in status.hint
        assert not psutil.pid_exists(first.pid) or (
            psutil.Process(first.pid).status() == psutil.STATUS_ZOMBIE
        )

        endpoint = await monitor.endpoint()

        assert endpoint.generation == 2
        assert await _ask(endpoint)
        assert recorder.states[-3:] == ["stopped", "starting", "ready"]
        assert recorder.events[stopped_at + 1].status.hint is None


async def test_a_long_answer_is_not_cut_by_the_idle_timer(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(idle_unload_minutes=_IDLE_MINUTES, **real_engine) as (
        monitor,
        recorder,
    ):
        await monitor.start()
        endpoint = await monitor.endpoint()
        request = {
            "messages": [{"role": "user", "content": "Tell me a long story."}],
            "max_tokens": 900,
            "ignore_eos": True,
            "stream": True,
        }
        headers = {"Authorization": f"Bearer {endpoint.api_key}"}
        started = time.monotonic()
        answering = False
        async with (
            httpx.AsyncClient(trust_env=False, timeout=30) as client,
            client.stream(
                "POST", endpoint.url("/v1/chat/completions"), headers=headers, json=request
            ) as response,
        ):
            async for line in response.aiter_lines():
                assert line != "data: [DONE]", "the answer ended too soon to prove anything"
                if time.monotonic() - started > _IDLE_MINUTES * 60 * 3:
                    answering = True
                    break
        assert answering
        assert recorder.states == ["starting", "ready"], "still up while answering"


async def test_a_user_stop_is_not_undone_by_a_request(
    make_monitor: Any, real_engine: dict[str, Any]
) -> None:
    async with make_monitor(idle_unload_minutes=_IDLE_MINUTES, **real_engine) as (
        monitor,
        _recorder,
    ):
        await monitor.start()
        await monitor.stop()
        assert monitor.status().hint is None
        with anyio.fail_after(5), pytest.raises(ServerUnavailable, match="not running"):
            await monitor.endpoint()


async def test_zero_never_unloads(make_monitor: Any, real_engine: dict[str, Any]) -> None:
    async with make_monitor(**real_engine) as (monitor, recorder):
        await monitor.start()
        await anyio.sleep(1.0)
        assert recorder.states == ["starting", "ready"]
