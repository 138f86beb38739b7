"""Each provider's health: the last check of its model list, and when to check it next.

A provider that answered is checked again every ``OK_INTERVAL_S``; one that did not (refused,
reset, timed out, 5xx) is checked again with a doubling backoff from ``FIRST_RETRY_S`` up to
``MAX_RETRY_S``, so an unreachable machine costs a request every few minutes, not a storm. A
refused API key is not retried at all until the provider or its key changes (``forget``): asking
again with the same key can only fail again.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..contract import ProviderHealth, ProviderHealthState
from ..errors import AuthFailed, LlamaDeskError, ServerTimeout, ServerUnavailable

__all__ = ["FIRST_RETRY_S", "HealthBook", "MAX_RETRY_S", "OK_INTERVAL_S", "status_of", "utc_now"]

OK_INTERVAL_S = 60.0
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 300.0


@dataclass
class _Entry:
    health: ProviderHealth = field(default_factory=ProviderHealth)
    models: list[str] = field(default_factory=list)
    failures: int = 0
    next_at: float = 0.0


class HealthBook:
    """The health of every remote provider by id."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def _entry(self, provider_id: str) -> _Entry:
        return self._entries.setdefault(provider_id, _Entry())

    def due(self, provider_id: str) -> bool:
        """Whether the provider should be checked now."""
        return time.monotonic() >= self._entry(provider_id).next_at

    def ok(self, provider_id: str, latency_s: float, models: list[str]) -> None:
        """Note a successful check."""
        entry = self._entry(provider_id)
        entry.failures, entry.models = 0, models
        entry.next_at = time.monotonic() + OK_INTERVAL_S
        entry.health = ProviderHealth(
            state="ok",
            checked_at=utc_now(),
            latency_ms=round(latency_s * 1000, 1),
            next_check_s=OK_INTERVAL_S,
        )

    def failed(self, provider_id: str, exc: LlamaDeskError, latency_s: float) -> None:
        """Note a failed check; the next one waits out the backoff (forever for a bad key)."""
        entry = self._entry(provider_id)
        entry.failures += 1
        state: ProviderHealthState = "error"
        if isinstance(exc, AuthFailed):
            state, wait = "auth_failed", math.inf
        else:
            if isinstance(exc, ServerUnavailable | ServerTimeout) or (status_of(exc) or 0) >= 500:
                state = "unreachable"
            wait = min(FIRST_RETRY_S * 2.0 ** (entry.failures - 1), MAX_RETRY_S)
        entry.next_at = time.monotonic() + wait
        entry.health = ProviderHealth(
            state=state,
            checked_at=utc_now(),
            latency_ms=round(latency_s * 1000, 1),
            error=exc.message,
            next_check_s=None if math.isinf(wait) else wait,
        )

    def disabled(self, provider_id: str) -> None:
        """Note that the user switched the provider off."""
        self._entries[provider_id] = _Entry(
            health=ProviderHealth(state="disabled"), next_at=math.inf
        )

    def forget(self, provider_id: str) -> None:
        """Drop what is known (the provider changed): it is checked at once."""
        self._entries.pop(provider_id, None)

    def health(self, provider_id: str) -> ProviderHealth:
        """The provider's last check."""
        return self._entry(provider_id).health

    def models(self, provider_id: str) -> list[str]:
        """The models its last good check listed."""
        return list(self._entry(provider_id).models)

    def healthy(self, provider_id: str) -> bool:
        """Whether its last check succeeded."""
        return self._entry(provider_id).health.state == "ok"


def status_of(exc: LlamaDeskError) -> int | None:
    """The HTTP status behind an error, when it was an HTTP answer."""
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def utc_now() -> str:
    """The current time as ISO-8601 UTC with milliseconds (as the chat store writes it)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
