"""Fixtures many test folders share (registered by ``tests/conftest.py``): the anyio backend, a
conversation store, settings without a system prompt, the in-process fake llama-server, and
clients of the fake and of the session's real llama-server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from backend.chat import ConversationStore
from backend.config import Settings
from backend.llama import Endpoint, FakeLlamaServer, LlamaCppAdapter, StaticEndpoint

if TYPE_CHECKING:
    from tests.conftest import RunningServer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    """A real SQLite conversation store in the test's folder."""
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
    """The in-process fake llama-server, with a slot folder of its own."""
    slot_dir = tmp_path / "slots"
    slot_dir.mkdir()
    return FakeLlamaServer(slot_dir=slot_dir)


@pytest.fixture
async def adapter(fake: FakeLlamaServer) -> AsyncIterator[LlamaCppAdapter]:
    """The client of the fake."""
    async with LlamaCppAdapter(fake, transport=fake.transport) as client:
        yield client


@pytest.fixture
async def real_adapter(llama_server: RunningServer) -> AsyncIterator[LlamaCppAdapter]:
    """A client of the session's real llama-server (SmolLM2, no projector)."""
    endpoint = Endpoint(llama_server.base_url, llama_server.api_key, str(llama_server.model_path))
    async with LlamaCppAdapter(StaticEndpoint(endpoint), timeout=30.0) as client:
        yield client
