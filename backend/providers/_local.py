"""The managed llama-server as a provider: always first, always there, id ``local``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from ..config import EngineSettings
from ..contract import ServerStatus
from ..llama import ChatDelta, ChatMessage, LlamaCppAdapter

__all__ = ["LOCAL_NAME", "ManagedServer"]

LOCAL_NAME = "This computer"
"""How the managed server is named in the selector, notes and errors."""


class ManagedServer:
    """The local server for the router: the monitor's state, its model, and plain streams."""

    name = LOCAL_NAME

    def __init__(
        self,
        adapter: LlamaCppAdapter,
        engine: Callable[[], EngineSettings],
        status: Callable[[], ServerStatus] | None = None,
    ) -> None:
        self._adapter = adapter
        self._engine = engine
        self._status = status

    def phase(self) -> str | None:
        """The monitor's state, None without a monitor (tests on a fixed server)."""
        return self._status().state if self._status is not None else None

    def up_for(self) -> float | None:
        """Seconds since the running server became ready (None when it is not running)."""
        status = self._status() if self._status is not None else None
        return status.uptime_s if status is not None and status.state == "ready" else None

    def model(self) -> str:
        """The loaded model's name (``local`` when none is known yet)."""
        status = self._status() if self._status is not None else None
        return (status.model if status is not None else None) or "local"

    def stream(
        self, messages: Sequence[ChatMessage], params: Mapping[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ChatDelta]]:
        """An answer from the server, without a slot (the local API's requests)."""
        engine = self._engine()
        return self._adapter.chat_stream(
            messages,
            params=params,
            read_timeout=engine.request_timeout_s,
            stall_timeout=engine.stall_timeout_s,
        )
