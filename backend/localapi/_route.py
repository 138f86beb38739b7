"""Where the local API's requests go: a small interface, and the local model behind it.

``ChatRoute`` is all the HTTP layer knows: the model ids it may name and an answer, whole or
streamed. ``LocalModelRoute`` answers with the model selected in LlamaDesk through the app's
own llama-server client (``LlamaCppAdapter``): the server's port and per-launch key never leave
the app, a server restarted on another port is followed, and a model unloaded when idle is
loaded again by the request, as for the app's own chats. The same timeouts apply: the answer
may take ``engine.request_timeout_s`` to begin, and ``engine.stall_timeout_s`` between chunks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from ..config import EngineSettings
from ..llama import ChatDelta, ChatMessage, ChatResult, LlamaCppAdapter
from ..models import ModelService

__all__ = ["ChatRoute", "LocalModelRoute"]


class ChatRoute(Protocol):
    """The models the local API serves, and their answers."""

    def model_ids(self) -> list[str]:
        """The ids a request may name (the first is the one answering now)."""
        ...

    async def complete(
        self, model: str, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> ChatResult:
        """One whole answer from ``model``."""
        ...

    def stream(
        self, model: str, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ChatDelta]]:
        """An answer from ``model`` as it is generated (leaving the block stops it)."""
        ...


class LocalModelRoute:
    """The model selected in LlamaDesk, answered by the app's llama-server."""

    def __init__(
        self,
        models: ModelService,
        adapter: LlamaCppAdapter,
        engine: Callable[[], EngineSettings],
    ) -> None:
        self._models = models
        self._adapter = adapter
        self._engine = engine

    def model_ids(self) -> list[str]:
        """The selected model's name (its file name without ``.gguf``)."""
        return [info.name for info in self._models.infos() if info.selected]

    async def complete(
        self, model: str, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> ChatResult:
        """One whole answer, bounded by the engine's answer start timeout."""
        return await self._adapter.chat(
            messages, params=params, read_timeout=self._engine().request_timeout_s
        )

    def stream(
        self, model: str, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ChatDelta]]:
        """A streamed answer, bounded by the engine's start and stall timeouts."""
        engine = self._engine()
        return self._adapter.chat_stream(
            messages,
            params=params,
            read_timeout=engine.request_timeout_s,
            stall_timeout=engine.stall_timeout_s,
        )
