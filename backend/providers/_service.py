"""``ProviderService``: the providers' commands, their health checks, and the router they feed.

It owns the remote providers' clients (rebuilt when one changes), checks each one's
``/v1/models`` in the background (``watch``: every minute when healthy, with backoff when not,
each check bounded by the provider's timeout so nothing waits on a dead machine), ends a
fall-back when its primary is healthy again, and tells the page (``changed``) whenever anything
it shows changed. With no remote provider on and no fall-back in force the watch sleeps until
something changes (no timer). Commands never wait for a check: they answer with what is known
and the event follows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio
import httpx

from ..contract import (
    LOCAL_PROVIDER_ID,
    FailoverRule,
    ProviderConfig,
    ProviderHealth,
    ProviderInfo,
    Providers,
)
from ..errors import InternalError, LlamaDeskError
from ..wakeup import Wakeup
from ._address import ensure_local_network
from ._health import HealthBook
from ._local import ManagedServer
from ._remote import RemoteProvider
from ._router import ProviderRouter
from ._store import ProviderStore, StoredProvider

__all__ = ["ProviderService"]

log = logging.getLogger(__name__)

_TICK_S = 1.0


class ProviderService:
    """The providers as the page manages them; ``router`` routes the answers."""

    def __init__(
        self,
        store: ProviderStore,
        local: ManagedServer,
        changed: Callable[[Providers], None],
        *,
        local_models: Callable[[], list[str]] = lambda: [],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._store = store
        self._local = local
        self._changed = changed
        self._local_models = local_models
        self._transport = transport
        self._health = HealthBook()
        self._remotes: dict[str, RemoteProvider] = {}
        self._checking: set[str] = set()
        self._wake = Wakeup()
        for stored in store.providers():
            self._open(stored)
        self.router = ProviderRouter(
            local, lambda: self._remotes, store.failover, changed=self._tell
        )

    async def aclose(self) -> None:
        """Close every remote client."""
        for remote in self._remotes.values():
            await remote.aclose()
        self._remotes.clear()

    # -- what the page sees ----------------------------------------------------------------

    def providers(self) -> Providers:
        """Every provider (local first) with health and models, the rules, the fall-backs."""
        local = ProviderInfo(
            id=LOCAL_PROVIDER_ID,
            kind="local",
            name=self._local.name,
            health=self._local_health(),
            models=self._local_models(),
        )
        remotes = [self._info(remote) for remote in self._remotes.values()]
        return Providers(
            providers=[local, *remotes],
            failover=self._store.failover(),
            fallbacks=self.router.fallbacks(),
            key_store=self._store.key_store,
        )

    def _info(self, remote: RemoteProvider) -> ProviderInfo:
        config = remote.config
        return ProviderInfo(
            id=remote.id,
            kind="remote",
            name=config.name,
            base_url=config.base_url,
            timeout_s=config.timeout_s,
            enabled=config.enabled,
            local_network_only=config.local_network_only,
            can_continue=config.can_continue,
            has_key=self._store.api_key(remote.id) is not None,
            health=self._health.health(remote.id),
            models=self._health.models(remote.id),
        )

    def _local_health(self) -> ProviderHealth:
        phase = self._local.phase()
        if phase == "ready":
            return ProviderHealth(state="ok")
        if phase in ("failed", "crashed", "restarting", "stopped"):
            return ProviderHealth(state="unreachable", error=f"The local server is {phase}.")
        return ProviderHealth(
            state="unknown", error=f"The local server is {phase}." if phase else None
        )

    def _tell(self) -> None:
        self._changed(self.providers())
        self._wake.set()

    # -- commands --------------------------------------------------------------------------

    async def add(self, config: ProviderConfig, api_key: str | None) -> ProviderInfo:
        """Add a remote provider; it is checked at once in the background."""
        await self._vet(config)
        stored = self._store.add(config, api_key)
        self._open(stored)
        self._tell()
        return self._info(self._remotes[stored.id])

    async def update(
        self, provider_id: str, config: ProviderConfig, api_key: str | None
    ) -> ProviderInfo:
        """Replace a provider's set-up (``api_key`` None keeps the key, "" removes it)."""
        await self._vet(config)
        stored = self._store.update(provider_id, config, api_key)
        await self._close(provider_id)
        self._open(stored)
        self._tell()
        return self._info(self._remotes[provider_id])

    async def remove(self, provider_id: str) -> Providers:
        """Forget a provider, its key and the failover steps naming it."""
        self._store.remove(provider_id)
        await self._close(provider_id)
        self.router.primary_healthy(provider_id)
        self._tell()
        return self.providers()

    async def check(self, provider_id: str) -> ProviderInfo:
        """Check a provider now and wait for the answer (bounded by its timeout)."""
        if provider_id == LOCAL_PROVIDER_ID:
            return self.providers().providers[0]
        self._store.get(provider_id)
        await self._check(self._remotes[provider_id])
        return self._info(self._remotes[provider_id])

    def set_failover(self, rule: FailoverRule) -> Providers:
        """Replace the failover rule of ``rule``'s primary."""
        self._store.set_failover(rule)
        self._tell()
        return self.providers()

    # -- background ------------------------------------------------------------------------

    async def watch(self) -> None:
        """Check each due provider (in parallel, each bounded) and end healed fall-backs."""
        self._wake.bind()
        async with anyio.create_task_group() as checks:
            while True:
                for remote in list(self._remotes.values()):
                    due = remote.config.enabled and self._health.due(remote.id)
                    if due and remote.id not in self._checking:
                        checks.start_soon(self._check, remote)
                self.router.local_recovered(self._local.up_for())
                for fallback in self.router.fallbacks():
                    if self._health.healthy(fallback.provider_id):
                        self.router.primary_healthy(fallback.provider_id)
                if self._nothing_to_watch():
                    await self._wake.wait()
                else:
                    await anyio.sleep(_TICK_S)

    def _nothing_to_watch(self) -> bool:
        """No remote provider is on and no fall-back is in force: only a change needs a look."""
        on = any(remote.config.enabled for remote in self._remotes.values())
        return not on and not self.router.fallbacks()

    async def _check(self, remote: RemoteProvider) -> None:
        self._checking.add(remote.id)
        started = time.monotonic()
        before = self._health.health(remote.id)
        try:
            models = await remote.models()
        except LlamaDeskError as exc:
            self._health.failed(remote.id, exc, time.monotonic() - started)
        except Exception as exc:  # a background check must never take the app down
            log.exception("checking provider %s failed unexpectedly", remote.name)
            failure = InternalError("The check failed unexpectedly.", detail=repr(exc))
            self._health.failed(remote.id, failure, time.monotonic() - started)
        else:
            self._health.ok(remote.id, time.monotonic() - started, models)
        finally:
            self._checking.discard(remote.id)
        if self._health.health(remote.id).state != before.state or before.state == "unknown":
            self._tell()

    async def _vet(self, config: ProviderConfig) -> None:
        if config.local_network_only:
            await ensure_local_network(config.name, config.base_url)

    def _open(self, stored: StoredProvider) -> None:
        self._health.forget(stored.id)
        if not stored.config.enabled:
            self._health.disabled(stored.id)
        self._remotes[stored.id] = RemoteProvider(
            stored, self._store.api_key(stored.id), transport=self._transport
        )

    async def _close(self, provider_id: str) -> None:
        remote = self._remotes.pop(provider_id, None)
        if remote is not None:
            await remote.aclose()
