"""A conversation's own answer options, and looking inside an answer's tokens.

- ``ConversationOptions``: what a conversation asks for with each answer beyond the sampling
  values (which stay in ``Conversation.params``): stop sequences, token probabilities, and the
  reasoning effort and budget of models that think. All of them go with each request, so none
  needs the server to restart.
- ``TokenProb``: one generated token with its probability and the top alternatives the server
  reported (``n_probs``); stored with the message only when the conversation asked for them.
- The commands' arguments: saving a conversation's settings, regenerating from a token with a
  chosen alternative, stopping the model's thinking.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from ._base import ID, Params, Wire

__all__ = [
    "ConversationOptions",
    "ReasoningEffort",
    "RegenerateFromTokenParams",
    "ThinkingEnded",
    "TokenAlternative",
    "TokenProb",
    "UpdateConversationSettingsParams",
]

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high"]
"""``reasoning_effort`` as llama-server takes it per request; ``none`` turns thinking off."""

_StopSequence = Annotated[str, Field(min_length=1, max_length=200)]
_MAX_STOPS = 16


def _few_stops(stops: list[str]) -> list[str]:
    # Checked here, not with max_length: a bounded list becomes 16 tuple types in TypeScript.
    if len(stops) > _MAX_STOPS:
        raise ValueError(f"at most {_MAX_STOPS} stop sequences")
    return stops


class ConversationOptions(Params):
    """A conversation's answer options besides the sampling values; each goes per request."""

    stop: Annotated[list[_StopSequence], AfterValidator(_few_stops)] = Field(
        default_factory=list,
        description="The answer ends before any of these strings (not included in it); at most 16.",
    )
    token_probs: int = Field(
        0,
        ge=0,
        le=10,
        description="Keep each generated token's probability and its top N alternatives "
        "(llama-server's n_probs); 0 asks for and stores nothing.",
    )
    reasoning_effort: ReasoningEffort | None = Field(
        None,
        description="How hard a model that thinks should think (reasoning_effort); "
        "null keeps the template's default, none turns thinking off.",
    )
    reasoning_budget: int | None = Field(
        None,
        ge=-1,
        le=1_000_000,
        description="At most this many tokens of thinking per answer (reasoning_budget_tokens); "
        "-1 is unlimited, 0 ends thinking at once, null uses the server's --reasoning-budget.",
    )


class TokenAlternative(Wire):
    """A token the model could have produced at that place, and its probability."""

    token: str
    prob: float = Field(ge=0, le=1)


class TokenProb(Wire):
    """One generated token: its text, its probability, and the most likely alternatives."""

    token: str
    prob: float = Field(ge=0, le=1)
    top: list[TokenAlternative] = Field(default_factory=list)


class UpdateConversationSettingsParams(Params):
    """A conversation's own settings; null or empty values fall back to the global ones."""

    conversation_id: str = ID
    system_prompt: str | None = Field(
        None, max_length=100_000, description="Null uses the global system prompt."
    )
    params: dict[str, float | int | None] = Field(
        default_factory=dict,
        description="Sampling values over the generation settings (their names and bounds); "
        "a missing or null one uses the global value.",
    )
    options: ConversationOptions = Field(default_factory=ConversationOptions)


class RegenerateFromTokenParams(Params):
    """A new answer beside ``message_id`` that keeps its first ``index`` tokens, then ``token``."""

    message_id: str = ID
    index: int = Field(ge=0, le=1_000_000)
    token: str = Field(min_length=1, max_length=200)


class ThinkingEnded(Wire):
    """Answer of ``stop_thinking``: whether the model was still thinking and was told to stop."""

    ended: bool
