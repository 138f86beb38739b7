"""Where the local API's requests go: a small interface, and the providers behind it.

``ChatRoute`` is all the HTTP layer knows: the models a request may name and an answer, whole or
streamed. ``ProviderRoute`` serves the models of every enabled provider through the app's
``ProviderRouter`` (``backend.providers``), so a request is answered like a chat in the app:
by the provider it names, and by the next one of that provider's failover list when it cannot
answer (``automatic``). The ids say the provider: the local model keeps its plain name (the
file name without ``.gguf``, as clients set up before remote providers existed expect), a
remote one is ``<provider>/<model>`` (the provider's name in lower case, dashes for anything
else; its id when two names would give the same prefix).

A failover rule set to ``ask`` acts as ``off`` here: a program, not the user, is waiting, so
no one can say yes to sending its request to another machine, and nothing leaves without a yes.
The error says so. llama-server's port and per-launch key never leave the app: the local server
is reached through the app's own client, which follows a restart on another port and loads a
model unloaded when idle, with the engine's timeouts (``engine.request_timeout_s`` to begin,
``engine.stall_timeout_s`` between chunks).

Each delta carries, as ``model``, the id of the model answering it, so a client sees which one
finished an answer after a failover (OpenAI's ``model`` is the model that answered, too).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ..contract import LOCAL_PROVIDER_ID
from ..contract import Providers as ProviderList
from ..llama import ChatAccumulator, ChatDelta, ChatMessage, ChatResult
from ..providers import Answering, ProviderRouter

__all__ = ["ApiModel", "ChatRoute", "ProviderRoute"]

log = logging.getLogger(__name__)

LOCAL_OWNER = "llamadesk"
"""``owned_by`` of the local model (the app itself serves it)."""


@dataclass(frozen=True)
class ApiModel:
    """One model a request may name, and the provider that serves it."""

    id: str
    owned_by: str
    provider_id: str = LOCAL_PROVIDER_ID
    model: str | None = None
    """The provider's own id of the model (None: the local server's loaded model)."""


class ChatRoute(Protocol):
    """The models the local API serves, and their answers."""

    def models(self) -> list[ApiModel]:
        """The models a request may name (the local one first)."""
        ...

    async def complete(
        self, model: ApiModel, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> ChatResult:
        """One whole answer to a request naming ``model``."""
        ...

    def stream(
        self, model: ApiModel, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ChatDelta]]:
        """An answer as it is generated (leaving the block stops it)."""
        ...


class Providers(Protocol):
    """What the route needs of ``ProviderService``: the providers and the router."""

    @property
    def router(self) -> ProviderRouter:
        """Routes answers, with failover."""
        ...

    def providers(self) -> ProviderList:
        """Every provider, local first, with its models."""
        ...


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "provider"


class ProviderRoute:
    """Every enabled provider's models, answered through the router (failover included)."""

    def __init__(self, providers: Providers, local_model: Callable[[], str | None]) -> None:
        self._providers = providers
        self._local_model = local_model

    def models(self) -> list[ApiModel]:
        """The selected local model, then each enabled remote provider's listed models."""
        local = self._local_model()
        found = [ApiModel(local, LOCAL_OWNER)] if local else []
        listed = self._providers.providers().providers
        remotes = [p for p in listed if p.kind == "remote" and p.enabled]
        slugs = [_slug(p.name) for p in remotes]
        for remote, slug in zip(remotes, slugs, strict=True):
            prefix = slug if slugs.count(slug) == 1 else remote.id
            found += [ApiModel(f"{prefix}/{m}", remote.name, remote.id, m) for m in remote.models]
        return found

    async def complete(
        self, model: ApiModel, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> ChatResult:
        """One whole answer: the streamed one, gathered."""
        answer = ChatAccumulator()
        async with self.stream(model, messages, params) as deltas:
            async for delta in deltas:
                answer.add(delta)
        return answer.result()

    @asynccontextmanager
    async def stream(
        self, model: ApiModel, messages: Sequence[ChatMessage], params: dict[str, Any]
    ) -> AsyncIterator[AsyncIterator[ChatDelta]]:
        """The router's answer, each delta naming the model that wrote it."""
        router = self._providers.router
        async with router.stream(model.provider_id, model.model, messages, params) as items:
            yield self._stamped(model, items)

    async def _stamped(
        self, asked: ApiModel, items: AsyncIterator[ChatDelta | Answering]
    ) -> AsyncIterator[ChatDelta]:
        answering = asked.id
        async for item in items:
            if isinstance(item, Answering):
                answering = self._id_of(item, asked)
                if item.note is not None:
                    log.info("Local API request for %s: %s", asked.id, item.note)
                continue
            yield replace(item, model=answering)

    def _id_of(self, item: Answering, asked: ApiModel) -> str:
        """The API id of the model ``item`` names (the asked one until a failover)."""
        route = item.route
        for known in [asked, *self.models()]:
            same = known.provider_id == route.provider_id
            if same and (route.is_local or known.model == route.model):
                return known.id
        return f"{route.provider_id}/{route.model}"
