"""Where the llama-server is: the adapter asks, it never owns the process.

The server monitor restarts llama-server on another port after a crash or a settings change, so
the adapter resolves an :class:`Endpoint` before every request instead of holding a base URL.
``generation`` counts server starts: when it changes, every slot on the server is empty, which is
how :class:`~backend.chat.SlotManager` learns that its slot assignments are stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Endpoint", "EndpointProvider", "StaticEndpoint"]


@dataclass(frozen=True)
class Endpoint:
    """A running llama-server: its base URL, API key, model file and start counter."""

    base_url: str
    api_key: str | None
    model_path: str | None = None
    generation: int = 0
    model: str | None = None
    """In router mode, the model every request names (``model`` in a body, ``?model=``)."""

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (which starts with ``/``) on this server."""
        return self.base_url.rstrip("/") + path


class EndpointProvider(Protocol):
    """Something that knows where the current llama-server is (the server monitor)."""

    async def endpoint(self) -> Endpoint:
        """Wait until the server is ready and return it; raise ``ServerUnavailable`` if not."""
        ...


class StaticEndpoint:
    """An :class:`EndpointProvider` for a server someone else started at a fixed address."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    async def endpoint(self) -> Endpoint:
        """Return the fixed endpoint."""
        return self._endpoint
