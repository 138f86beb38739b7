"""Fixtures for providers and failover: a provider service over a local server, an orchestrator
that routes through it, and a recorder of what the page would see.

The local server is the in-process ``FakeLlamaServer`` where the test is about the remote side,
and the real llama-server under the real ``ServerMonitor`` where it is about the local one
(``test_failover_real``). Remote providers are a second real llama-server (with an API key) or
the fake OpenAI-compatible server (``fake_openai``) for what a real one cannot do on demand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from backend.chat import ChatOrchestrator, ConversationStore, SlotManager
from backend.config import Settings
from backend.contract import (
    BridgeEvent,
    FailoverRule,
    FailoverTarget,
    ProviderConfig,
    Providers,
    ProvidersChangedEvent,
    ServerStatus,
    StreamEndEvent,
    StreamErrorEvent,
)
from backend.llama import LlamaCppAdapter
from backend.providers import ManagedServer, ProviderService, ProviderStore
from backend.secrets import SecretStore
from tests.providers.fake_openai import FakeOpenAI, serve_fake
from tests.waiting import wait_until_async


@pytest.fixture
def keys(tmp_path: Path) -> SecretStore:
    """API keys in a 0600 file (no keyring in the tests)."""
    return SecretStore(tmp_path / "secrets.json", "LlamaDesk tests", use_keyring=False)


@pytest.fixture
def provider_store(tmp_path: Path, keys: SecretStore) -> ProviderStore:
    return ProviderStore(tmp_path / "providers.json", keys)


@pytest.fixture
def fake_remote() -> Iterator[FakeOpenAI]:
    with serve_fake() as fake:
        yield fake


@pytest.fixture
def second_fake() -> Iterator[FakeOpenAI]:
    with serve_fake(FakeOpenAI(key="sk-second", reply=[" and", " the", " rest", "."])) as fake:
        yield fake


class Page:
    """What the page would see: every event, and waits on them."""

    def __init__(self) -> None:
        self.events: list[BridgeEvent] = []

    def __call__(self, event: BridgeEvent) -> None:
        self.events.append(event)

    def providers_events(self) -> list[Providers]:
        return [e.providers for e in self.events if e.type == "providers_changed"]

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]

    async def ended(
        self, stream_id: str, timeout_s: float = 60
    ) -> StreamEndEvent | StreamErrorEvent:
        found = await wait_until_async(
            lambda: [
                e
                for e in self.events
                if isinstance(e, StreamEndEvent | StreamErrorEvent) and e.stream_id == stream_id
            ],
            timeout_s=timeout_s,
            interval_s=0.02,
            message=lambda: f"no end of {stream_id}: {[e.type for e in self.events][-20:]}",
        )
        return found[0]

    def chunks(self, stream_id: str) -> str:
        return "".join(e.content for e in self.of("stream_chunk") if e.stream_id == stream_id)


@pytest.fixture
def page() -> Page:
    return Page()


Rig = Callable[..., Any]


@pytest.fixture
def rig(
    store: ConversationStore, provider_store: ProviderStore, settings: Settings, page: Page
) -> Rig:
    """``async with rig(adapter, status=...) as (chat, service)``: orchestrator and providers."""

    @asynccontextmanager
    async def factory(
        adapter: LlamaCppAdapter,
        *,
        status: Callable[[], ServerStatus] | None = None,
        slot_dir: Path | None = None,
        watch: bool = False,
    ) -> AsyncIterator[tuple[ChatOrchestrator, ProviderService]]:
        local = ManagedServer(adapter, lambda: settings.engine, status)
        service = ProviderService(
            provider_store, local, lambda p: page(ProvidersChangedEvent(providers=p))
        )
        slots = SlotManager(adapter, store, slot_dir=slot_dir)
        try:
            async with anyio.create_task_group() as tasks:
                if watch:
                    tasks.start_soon(service.watch)
                async with ChatOrchestrator(
                    store,
                    adapter,
                    page,
                    lambda: settings,
                    slots=slots,
                    flush_interval_s=0.05,
                    router=service.router,
                ) as chat:
                    yield chat, service
                tasks.cancel_scope.cancel()
        finally:
            await service.aclose()

    return factory


def remote_config(fake: FakeOpenAI, name: str = "Remote box", **extra: Any) -> ProviderConfig:
    """A provider on the fake OpenAI-compatible server."""
    return ProviderConfig(name=name, base_url=fake.base_url, **extra)


async def add_remote(
    service: ProviderService, fake: FakeOpenAI, name: str = "Remote box", **extra: Any
) -> str:
    """Add a provider on the fake (with its key); its id."""
    info = await service.add(remote_config(fake, name, **extra), fake.key)
    return info.id


def failover_rule(
    primary: str, model: str, *targets: tuple[str, str], policy: Any = "automatic"
) -> FailoverRule:
    """A failover rule: ``primary``'s ``model`` falls over to ``targets`` (provider, model)."""
    return FailoverRule(
        provider_id=primary,
        model=model,
        policy=policy,
        targets=[FailoverTarget(provider_id=p, model=m) for p, m in targets],
    )
