"""The providers' watch: idle with nothing to watch, woken by a change."""

from __future__ import annotations

import anyio
import pytest

from backend.llama import LlamaCppAdapter
from backend.providers import ProviderService
from tests.providers.conftest import Rig, add_remote
from tests.providers.fake_openai import FakeOpenAI
from tests.waiting import wait_until_async

pytestmark = pytest.mark.anyio


def _state(service: ProviderService, provider_id: str) -> str:
    info = next(p for p in service.providers().providers if p.id == provider_id)
    return info.health.state


async def test_a_watch_with_nothing_to_watch_checks_a_provider_added_later_at_once(
    rig: Rig, adapter: LlamaCppAdapter, fake_remote: FakeOpenAI
) -> None:
    async with rig(adapter, watch=True) as (_chat, service):
        await anyio.sleep(0.05)  # no remote provider: the watch sleeps until a change
        remote = await add_remote(service, fake_remote)
        await wait_until_async(
            lambda: _state(service, remote) == "ok",
            timeout_s=5,
            message=lambda: _state(service, remote),
        )
