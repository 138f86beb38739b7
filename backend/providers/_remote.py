"""A remote OpenAI-compatible provider: its model list and streamed answers, errors named.

The same ``LlamaCppAdapter`` that speaks to the managed server speaks to any OpenAI-compatible
endpoint through a fixed address (``StaticEndpoint``); only the chat completions and the model
list are used, never the slot, tokenize or props endpoints, so a remote server gets the
conversation's messages and sampling values and nothing else. Every error leaves named after the
provider (``Provider 'desktop' rejected the API key.``) with the API key masked wherever the
server might have echoed it.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx

from ..errors import ServerError
from ..llama import ChatDelta, ChatMessage, Endpoint, LlamaCppAdapter, StaticEndpoint
from ._address import ensure_local_network
from ._store import StoredProvider

__all__ = ["RemoteProvider", "api_root"]

_CONNECT_S = 5.0
_CHECK_S = 10.0


def api_root(base_url: str) -> str:
    """The root the ``/v1/...`` paths go under: ``base_url`` without a trailing ``/v1``."""
    root = base_url.rstrip("/")
    return root.removesuffix("/v1")


class RemoteProvider:
    """One remote provider's client; ``aclose`` when the provider changes or goes."""

    def __init__(
        self,
        stored: StoredProvider,
        api_key: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.id = stored.id
        self.config = stored.config
        self._key = api_key
        self.models_known: list[str] = []
        """What its last model list said (the first one answers when none is chosen)."""
        timeout = httpx.Timeout(
            self.config.timeout_s, connect=min(_CONNECT_S, self.config.timeout_s)
        )
        endpoint = Endpoint(api_root(self.config.base_url), api_key)
        self._adapter = LlamaCppAdapter(
            StaticEndpoint(endpoint), timeout=timeout, transport=transport
        )

    @property
    def name(self) -> str:
        """The provider's name."""
        return self.config.name

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._adapter.aclose()

    async def models(self) -> list[str]:
        """The model ids of its ``/v1/models``."""
        await self._allowed()
        with self._named():
            listed = await self._adapter.models()
        self.models_known = [str(m["id"]) for m in listed if isinstance(m, dict) and "id" in m]
        return list(self.models_known)

    @asynccontextmanager
    async def stream(
        self, messages: Sequence[ChatMessage], params: Mapping[str, Any], model: str
    ) -> AsyncIterator[AsyncIterator[ChatDelta]]:
        """Stream an answer from ``model``: ``async with stream(...) as deltas``."""
        await self._allowed()
        timeout = self.config.timeout_s
        with self._named():
            async with self._adapter.chat_stream(
                messages,
                params={**params, "model": model},
                read_timeout=timeout,
                stall_timeout=timeout,
            ) as deltas:
                yield self._renamed(deltas)

    async def _allowed(self) -> None:
        if self.config.local_network_only:
            await ensure_local_network(self.name, self.config.base_url)

    async def _renamed(self, deltas: AsyncIterator[ChatDelta]) -> AsyncIterator[ChatDelta]:
        with self._named():
            async for delta in deltas:
                yield delta

    @contextmanager
    def _named(self) -> Iterator[None]:
        try:
            yield
        except ServerError as exc:
            raise self._rename(exc) from exc

    def _rename(self, exc: ServerError) -> ServerError:
        """``exc`` saying which provider failed, with the API key masked."""
        named = f"provider {self.name!r}"
        message = exc.message
        if "llama-server" in message:
            message = message.replace("llama-server", named, 1)
        else:
            message = f"{named}: {message}"
        renamed = copy.copy(exc)
        renamed.message = self._masked(message[:1].upper() + message[1:])
        renamed.args = (renamed.message,)
        renamed.detail = self._masked(exc.detail) if exc.detail else exc.detail
        return renamed

    def _masked(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text
