"""Fixtures for the image tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.llama import Endpoint, LlamaCppAdapter, StaticEndpoint
from tests.conftest import RunningServer


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def real_adapter(llama_server: RunningServer) -> AsyncIterator[LlamaCppAdapter]:
    """An adapter talking to the session's real llama-server (SmolLM2, no projector)."""
    endpoint = Endpoint(llama_server.base_url, llama_server.api_key, str(llama_server.model_path))
    async with LlamaCppAdapter(StaticEndpoint(endpoint), timeout=30.0) as adapter:
        yield adapter
