"""Fixtures for the chat core tests: an orchestrator on the fake server and the events it sends
(the store, the settings, the fake and its client come from ``tests/fixtures.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import BridgeEvent
from backend.llama import FakeLlamaServer, LlamaCppAdapter


@pytest.fixture
def events() -> list[BridgeEvent]:
    return []


@pytest.fixture
async def chat(
    store: ConversationStore,
    adapter: LlamaCppAdapter,
    fake: FakeLlamaServer,
    events: list[BridgeEvent],
    settings: Settings,
) -> AsyncIterator[ChatOrchestrator]:
    slots = SlotManager(adapter, store, slot_dir=fake.slot_dir)
    async with ChatOrchestrator(
        store, adapter, events.append, lambda: settings, slots=slots, flush_interval_s=0.05
    ) as orchestrator:
        yield orchestrator
