"""Providers and failover as the page sees them: who can answer, how healthy each is, and where
an answer goes when its provider cannot give it.

A provider is the managed local llama-server (id ``local``, always first, never removed) or a
remote OpenAI-compatible endpoint the user added (another llama-server, vLLM, Ollama's ``/v1``,
LM Studio, a hosted API). A remote provider's API key is never part of these types: the page
sends it once (``api_key`` in the add/update params) and afterwards only sees ``has_key``.

A failover rule belongs to one (provider, model) pair, the primary: with policy ``automatic`` an
answer that its primary cannot give goes on with the first target that can; with ``ask`` the
answer pauses and the page asks whether to go on with the next target (``FailoverQuestion``,
answered with ``answer_failover``: continue as automatic would, wait for the local server, or
cancel as off does); ``off`` keeps today's error. ``fallbacks`` lists the primaries that are being
stood in for right now: the banner, gone when the primary is healthy again.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ._base import ID, Params, Wire

__all__ = [
    "AddProviderParams",
    "AnswerFailoverParams",
    "FailoverAnswer",
    "FailoverChoice",
    "FailoverPolicy",
    "FailoverQuestion",
    "FailoverRule",
    "FailoverTarget",
    "Fallback",
    "LOCAL_PROVIDER_ID",
    "ProviderConfig",
    "ProviderHealth",
    "ProviderHealthState",
    "ProviderInfo",
    "ProviderKind",
    "ProviderRef",
    "Providers",
    "SetConversationProviderParams",
    "SetFailoverParams",
    "UpdateProviderParams",
]

LOCAL_PROVIDER_ID = "local"
"""The managed llama-server's provider id."""

ProviderKind = Literal["local", "remote"]
ProviderHealthState = Literal["unknown", "ok", "unreachable", "auth_failed", "error", "disabled"]
"""unknown: not checked yet; ok: its model list answered; unreachable: refused, reset, timed out
or 5xx (checked again with backoff); auth_failed: it refused the API key (not retried until the
key or the provider changes); error: any other answer; disabled: switched off by the user."""
FailoverPolicy = Literal["off", "ask", "automatic"]
FailoverChoice = Literal["continue", "wait", "cancel"]
"""continue: go on with the proposed provider, as automatic would; wait: wait for the local
server as off would (when asked before the answer began; mid-answer it ends as off does);
cancel: end the answer now with the error, as off does."""

_URL = r"^https?://[^\s/?#]+(/[^\s?#]*)?$"


class ProviderConfig(Params):
    """What the user sets for a remote provider (its key travels apart: see ``api_key``)."""

    name: str = Field(min_length=1, max_length=80, description="Shown in the model selector.")
    base_url: str = Field(
        pattern=_URL,
        max_length=2000,
        description="Where its OpenAI-compatible API lives, e.g. http://192.168.1.5:8080/v1 "
        "(a trailing /v1 is optional).",
    )
    timeout_s: float = Field(
        60.0, gt=0, le=3600, description="Longest wait for its first token, in seconds."
    )
    enabled: bool = True
    local_network_only: bool = Field(
        False,
        description="Refuse to send anything unless its address is loopback or private.",
    )
    can_continue: bool = Field(
        True,
        description="It continues a trailing assistant message (llama-server does), so a cut "
        "answer goes on where it stopped; otherwise it answers afresh in a new branch.",
    )

    @field_validator("base_url")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            host, _ = parts.hostname, parts.port  # .port raises for a bad one
            if host:
                host.encode("idna")
        except (ValueError, UnicodeError) as exc:
            raise ValueError(f"not a usable URL ({exc})") from exc
        if not host:
            raise ValueError("a URL needs a host name")
        return value


class ProviderHealth(Wire):
    """The last check of a provider's model list."""

    state: ProviderHealthState = "unknown"
    checked_at: str | None = Field(None, description="When it was last checked (ISO-8601).")
    latency_ms: float | None = Field(None, description="How long its model list took.")
    error: str | None = None
    next_check_s: float | None = Field(
        None, description="Seconds until the next check (the backoff of an unreachable one)."
    )


class ProviderInfo(Wire):
    """One provider with its health and models."""

    id: str
    kind: ProviderKind
    name: str
    base_url: str | None = Field(None, description="Null for the local server.")
    timeout_s: float | None = None
    enabled: bool = True
    local_network_only: bool = False
    can_continue: bool = True
    has_key: bool = False
    health: ProviderHealth = Field(default_factory=ProviderHealth)
    models: list[str] = Field(default_factory=list, description="Ids from its /v1/models.")


class FailoverTarget(Params):
    """One step of a failover list: a provider and one of its models."""

    provider_id: str = ID
    model: str = Field(min_length=1, max_length=500)


class FailoverRule(Params):
    """What happens when a primary (provider, model) cannot answer."""

    provider_id: str = ID
    model: str = Field(
        min_length=1, max_length=500, description="The primary's model ('*' for any model)."
    )
    policy: FailoverPolicy = "automatic"
    targets: list[FailoverTarget] = Field(default_factory=list, max_length=16)


class Fallback(Wire):
    """A primary being stood in for: new answers go to ``to`` until the primary is healthy."""

    provider_id: str
    provider_name: str = Field(description="The primary's name (the banner names it).")
    model: str
    to_provider_id: str
    to_provider_name: str
    to_model: str
    reason: str
    since: str


class Providers(Wire):
    """Every provider (local first), the failover rules and the fallbacks in force."""

    providers: list[ProviderInfo]
    failover: list[FailoverRule] = Field(default_factory=list)
    fallbacks: list[Fallback] = Field(default_factory=list)
    key_store: str = Field("", description="Where API keys are kept (keyring or 0600 file).")


class AddProviderParams(Params):
    """A new remote provider and its API key (none when it needs no key)."""

    provider: ProviderConfig
    api_key: str | None = Field(None, max_length=4000)


class UpdateProviderParams(Params):
    """A provider's new set-up; ``api_key`` null keeps the stored key, "" removes it."""

    provider_id: str = ID
    provider: ProviderConfig
    api_key: str | None = Field(None, max_length=4000)


class ProviderRef(Params):
    """One provider by id."""

    provider_id: str = ID


class SetFailoverParams(Params):
    """Replace the failover rule of ``rule``'s primary (no targets and policy off removes it)."""

    rule: FailoverRule


class SetConversationProviderParams(Params):
    """Which provider and model answer a conversation from now on."""

    conversation_id: str = ID
    provider_id: str = ID
    model: str | None = Field(
        None, max_length=500, description="Null: the provider's first model (local: the loaded)."
    )


class FailoverQuestion(Wire):
    """An answer paused under an ``ask`` rule: may ``to`` take over from ``from``?"""

    id: str = Field(description="Names the question in answer_failover.")
    stream_id: str
    conversation_id: str
    message_id: str
    from_provider_id: str
    from_provider_name: str
    to_provider_id: str
    to_provider_name: str
    to_model: str
    reason: str = Field(description="Why the provider is not answering.")
    cut: bool = Field(description="The answer had begun: its text so far would be continued.")
    text: str = Field(description="The question as the page shows it.")


class AnswerFailoverParams(Params):
    """The user's choice for a paused answer's failover question."""

    question_id: str = ID
    choice: FailoverChoice


class FailoverAnswer(Wire):
    """The choice taken for a question."""

    question_id: str
    choice: FailoverChoice
