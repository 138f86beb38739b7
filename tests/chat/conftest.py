"""Fixtures for the chat core tests: a store, a fake server, an orchestrator and its events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import BridgeEvent
from backend.llama import FakeLlamaServer, LlamaCppAdapter


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    with ConversationStore(tmp_path / "conversations.db") as opened:
        yield opened


@pytest.fixture
def settings() -> Settings:
    """Default settings without the global system prompt, so prompts hold only the chat."""
    settings = Settings()
    settings.generation.system_prompt = ""
    return settings


@pytest.fixture
def fake(tmp_path: Path) -> FakeLlamaServer:
    slot_dir = tmp_path / "slots"
    slot_dir.mkdir()
    return FakeLlamaServer(slot_dir=slot_dir)


@pytest.fixture
async def adapter(fake: FakeLlamaServer) -> AsyncIterator[LlamaCppAdapter]:
    async with LlamaCppAdapter(fake, transport=fake.transport) as client:
        yield client


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
