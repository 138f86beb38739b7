"""Routing an answer to its provider, and on to the next one when that one cannot give it.

``ProviderRouter.stream(provider_id, model, messages, params)`` is the one public way in (the
chat runner and the local API both use it). It yields ``Answering`` (who answers from now on,
first the primary) and ``ChatDelta`` items. When the provider fails with a failover trigger and
the primary's rule says ``automatic``, the next target in the rule's list takes over:

- Triggers: connection refused or reset, a timeout before the first token, HTTP 5xx, the local
  server ``failed``, ``crashed`` or ``restarting`` (it is skipped at once, never waited for),
  and a stream cut mid-answer. A refused key (``AuthFailed``), a prompt too long or any other
  4xx is no trigger: another provider would not fix it, and it is said at once, naming the
  provider.
- A cut answer goes on where it stopped: the text so far is sent as a trailing assistant
  message, which llama-server continues (its echo of it is cut), so no word is lost or repeated.
  A provider that cannot continue (``can_continue`` off) answers afresh (``Answering.fresh``):
  the caller keeps the cut text as its own, marked branch.
- A fall-back is remembered (``fallbacks``): while the primary is not healthy again, new answers
  go straight to the provider that took over; ``primary_healthy`` ends it, and the next answer
  goes to the primary again.

The local server's slot operations stay with the caller (``local``): a remote provider only ever
gets the messages and sampling values of the one conversation being answered.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ..contract import LOCAL_PROVIDER_ID, FailoverChoice, FailoverRule, Fallback
from ..errors import AuthFailed, ContextOverflow, LlamaDeskError, ServerError, ServerUnavailable
from ..llama import ChatDelta, ChatMessage, cut_echo
from ._ask import Ask, Question, unasked
from ._health import status_of, utc_now
from ._remote import RemoteProvider

__all__ = ["Answering", "LocalStream", "ProviderRouter", "Route", "RouteItem"]

_DOWN_PHASES = frozenset({"failed", "crashed", "restarting"})
_SETTLE_S = 30.0
"""A local server ready this long since a fall-back began counts as healthy again."""


class LocalStream(Protocol):
    """Streams an answer from the managed server (the caller may lease a slot around it)."""

    def __call__(
        self, messages: Sequence[ChatMessage], params: Mapping[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ChatDelta]]:
        """``async with local(messages, params) as deltas``."""
        ...


@dataclass(frozen=True)
class Route:
    """One provider and model an answer can go to."""

    provider_id: str
    provider_name: str
    model: str
    can_continue: bool = True

    @property
    def is_local(self) -> bool:
        """Whether this is the managed llama-server."""
        return self.provider_id == LOCAL_PROVIDER_ID


@dataclass(frozen=True)
class Answering:
    """From here on, ``route`` answers; ``note`` says why when it is not the first."""

    route: Route
    note: str | None = None
    fresh: bool = False
    """The provider starts the answer afresh: the text so far is not part of what follows."""


RouteItem = ChatDelta | Answering


class LocalServer(Protocol):
    """What the router needs of the managed server: its phase, model and a plain stream."""

    name: str

    def phase(self) -> str | None:
        """The monitor's state (``ready``, ``failed``...), None when unknown."""
        ...

    def model(self) -> str:
        """The loaded model's name."""
        ...

    def up_for(self) -> float | None:
        """Seconds since the running server became ready (None when it is not ready)."""
        ...

    def stream(
        self, messages: Sequence[ChatMessage], params: Mapping[str, Any]
    ) -> AbstractAsyncContextManager[AsyncIterator[ChatDelta]]:
        """Stream an answer without a slot lease."""
        ...


class ProviderRouter:
    """Routes answers over the local server and the remote providers, with failover."""

    def __init__(
        self,
        local: LocalServer,
        remotes: Callable[[], Mapping[str, RemoteProvider]],
        rules: Callable[[], list[FailoverRule]],
        *,
        changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.local = local
        self._remotes = remotes
        self._rules = rules
        self._changed = changed
        self._fallbacks: dict[tuple[str, str], Fallback] = {}
        self._began: dict[tuple[str, str], float] = {}

    # -- who answers ---------------------------------------------------------------------

    def primary(self, provider_id: str, model: str | None) -> Route:
        """The route a conversation chose; ``NotFound``-like ``InvalidArgument`` if it is gone."""
        if provider_id == LOCAL_PROVIDER_ID:
            return Route(LOCAL_PROVIDER_ID, self.local.name, self.local.model())
        remote = self._remotes().get(provider_id)
        if remote is None:
            raise ServerUnavailable(
                f"The provider this conversation uses ({provider_id}) was removed; "
                "choose another in the model selector."
            )
        if not remote.config.enabled:
            raise ServerUnavailable(
                f"Provider {remote.name!r} is switched off (Settings → Providers)."
            )
        return self._route(remote, model)

    def rule(self, primary: Route) -> FailoverRule | None:
        """The failover rule of ``primary``: its own model's, else its provider's ``*``."""
        rules = [r for r in self._rules() if r.provider_id == primary.provider_id]
        exact = [r for r in rules if r.model == primary.model]
        found = exact or [r for r in rules if r.model == "*"]
        return found[0] if found else None

    def chain(self, primary: Route) -> list[Route]:
        """Where an answer for ``primary`` may go, in order (the primary first)."""
        rule = self.rule(primary)
        routes = [primary]
        if rule is None or rule.policy == "off":
            return routes
        remotes = self._remotes()
        for target in rule.targets:
            if target.provider_id == LOCAL_PROVIDER_ID:
                routes.append(Route(LOCAL_PROVIDER_ID, self.local.name, self.local.model()))
            elif (remote := remotes.get(target.provider_id)) and remote.config.enabled:
                routes.append(self._route(remote, target.model))
        return routes

    def policy(self, primary: Route) -> str:
        """The failover policy of ``primary`` (``off`` without a rule)."""
        rule = self.rule(primary)
        return rule.policy if rule is not None else "off"

    def _route(self, remote: RemoteProvider, model: str | None) -> Route:
        chosen = model or (remote.models_known[0] if remote.models_known else "")
        return Route(remote.id, remote.name, chosen, remote.config.can_continue)

    # -- fallbacks (the banner) ------------------------------------------------------------

    def fallbacks(self) -> list[Fallback]:
        """The primaries being stood in for now."""
        return list(self._fallbacks.values())

    def local_recovered(self, up_for: float | None) -> None:
        """End the fall-backs from the local server once it runs again: a server that became
        ready after the fall-back began, or one ready for ``_SETTLE_S`` since (a slow answer,
        not a crash, made it fall back)."""
        if up_for is None:
            return
        now = time.monotonic()
        for key, began in list(self._began.items()):
            age = now - began
            if key[0] == LOCAL_PROVIDER_ID and (up_for < age or age > _SETTLE_S):
                self.primary_healthy(LOCAL_PROVIDER_ID)

    def primary_healthy(self, provider_id: str) -> None:
        """The provider answers again: end the fall-backs from it."""
        gone = [key for key in self._fallbacks if key[0] == provider_id]
        for key in gone:
            del self._fallbacks[key]
            del self._began[key]
        if gone:
            self._changed()

    def _fell_back(self, primary: Route, to: Route, reason: str) -> None:
        self._began[_key(primary)] = time.monotonic()
        self._fallbacks[_key(primary)] = Fallback(
            provider_id=primary.provider_id,
            provider_name=primary.provider_name,
            model=primary.model,
            to_provider_id=to.provider_id,
            to_provider_name=to.provider_name,
            to_model=to.model,
            reason=reason,
            since=utc_now(),
        )
        self._changed()

    # -- streaming -------------------------------------------------------------------------

    @asynccontextmanager
    async def stream(
        self,
        provider_id: str,
        model: str | None,
        messages: Sequence[ChatMessage],
        params: Mapping[str, Any],
        *,
        local: LocalStream | None = None,
        ask: Ask | None = None,
    ) -> AsyncIterator[AsyncGenerator[RouteItem]]:
        """Stream an answer with failover: ``async with router.stream(...) as items``.

        ``ask`` decides for a rule set to ``ask`` (the page's question); without it such a
        rule acts as ``off`` and the error says that no one could be asked."""
        primary = self.primary(provider_id, model)
        items = self._items(primary, list(messages), params, local or self.local.stream, ask)
        try:
            yield items
        finally:
            await items.aclose()

    async def _items(
        self,
        primary: Route,
        messages: list[ChatMessage],
        params: Mapping[str, Any],
        local: LocalStream,
        ask: Ask | None,
    ) -> AsyncGenerator[RouteItem]:
        policy = self.policy(primary)
        asking = policy == "ask" and ask is not None
        fails_over = policy == "automatic" or asking
        chain = self._ordered(primary) if fails_over else self.chain(primary)
        text, note, fresh = "", None, False
        index = 0
        while index < len(chain):
            route = chain[index]
            yield Answering(route, note, fresh)
            prefill = _prefilled(messages, text) if text and route.can_continue else None
            if text and not route.can_continue:
                text = ""
            down = fails_over and route.is_local and index < len(chain) - 1
            try:
                if down:
                    self._ensure_local_up()
                    down = False  # up: a failure from here on is the answer's, not the check's
                async for delta in self._attempt(route, prefill or messages, params, local):
                    text += delta.content
                    yield delta
            except ServerError as exc:
                last = index == len(chain) - 1
                if last or policy == "off" or not _triggers(exc):
                    raise
                following = chain[index + 1]
                if policy == "ask":
                    choice = await _asked(ask, Question(route, following, exc, bool(text)))
                    if choice == "wait" and down:
                        chain, fails_over, note = chain[: index + 1], False, None  # as off
                        continue
                    if choice != "continue":
                        raise
                fresh = bool(text) and not following.can_continue
                note = _note(route, following, exc, cut=bool(text), fresh=fresh)
                self._fell_back(primary, following, exc.message)
                index += 1
                continue
            if route == primary:
                self.primary_healthy(primary.provider_id)
            return

    def _ordered(self, primary: Route) -> list[Route]:
        """The chain, starting at the stand-in while a fall-back from the primary lasts."""
        chain = self.chain(primary)
        standing_in = self._fallbacks.get(_key(primary))
        if standing_in is None:
            return chain
        for index, route in enumerate(chain):
            if route.provider_id == standing_in.to_provider_id and index > 0:
                return chain[index:]
        return chain

    def _ensure_local_up(self) -> None:
        phase = self.local.phase()
        if phase in _DOWN_PHASES:
            raise ServerUnavailable(f"The local llama-server is {phase}.")

    async def _attempt(
        self,
        route: Route,
        messages: list[ChatMessage],
        params: Mapping[str, Any],
        local: LocalStream,
    ) -> AsyncIterator[ChatDelta]:
        echo = _trailing_assistant(messages)
        if route.is_local:
            opened = local(messages, params)
        else:
            opened = self._remotes()[route.provider_id].stream(messages, params, route.model)
        async with opened as deltas:
            async for delta in deltas:
                content = delta.content
                if echo:
                    content, echo = cut_echo(content, echo)
                yield replace(delta, content=content)


def _key(primary: Route) -> tuple[str, str]:
    """A fall-back's key: the local server's whatever model it has loaded (it may have none
    while it is down), a remote's per model."""
    return (primary.provider_id, "*" if primary.is_local else primary.model)


async def _asked(ask: Ask | None, question: Question) -> FailoverChoice:
    """The user's choice; with no one to ask, the error saying so (the rule acts as off)."""
    if ask is None:
        raise unasked(question) from question.error
    return await ask(question)


def _triggers(exc: LlamaDeskError) -> bool:
    """Whether another provider might give the answer this failure denied."""
    if isinstance(exc, AuthFailed | ContextOverflow):
        return False
    if isinstance(exc, ServerUnavailable) or exc.code == "timeout":
        return True
    return (status_of(exc) or 0) >= 500


def _trailing_assistant(messages: Sequence[ChatMessage]) -> str:
    """The prefill a request ends with (its echo is cut from the answer), or ""."""
    if messages and messages[-1].get("role") == "assistant" and not messages[-1].get("tool_calls"):
        return str(messages[-1].get("content") or "")
    return ""


def _prefilled(messages: list[ChatMessage], text: str) -> list[ChatMessage]:
    """``messages`` with ``text`` appended to the assistant prefill (one is added if none)."""
    if messages and messages[-1].get("role") == "assistant":
        last = messages[-1]
        return [*messages[:-1], {**last, "content": f"{last.get('content') or ''}{text}"}]
    return [*messages, {"role": "assistant", "content": text}]


def _note(route: Route, following: Route, exc: LlamaDeskError, *, cut: bool, fresh: bool) -> str:
    reason = exc.message.rstrip(".")
    if not cut:
        return (
            f"{route.provider_name} could not answer ({reason}); "
            f"{following.provider_name} answered instead."
        )
    if fresh:
        return (
            f"{route.provider_name} stopped mid-answer ({reason}); {following.provider_name} "
            "cannot continue an answer, so it answered afresh (the cut text is kept as the "
            "first version)."
        )
    return (
        f"{route.provider_name} stopped mid-answer ({reason}); {following.provider_name} "
        "finished it from where it stopped."
    )
