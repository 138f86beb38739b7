"""The context meter: how much of the slot's context the next prompt of a conversation takes."""

from __future__ import annotations

from pydantic import Field

from ._base import Params, Wire

__all__ = ["ContextUsage", "ContextUsageParams", "DraftRead", "ReadAheadDraftParams"]


class ContextUsageParams(Params):
    """A conversation (null: a new chat) and the message being typed, not sent yet."""

    conversation_id: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"
    )
    draft: str = Field("", max_length=2_000_000)


class ContextUsage(Wire):
    """Tokens the next prompt would take (system prompt, the active branch and the draft, as
    the model's chat template writes them), of the context one slot holds."""

    prompt_tokens: int = Field(ge=0, description="The next prompt's tokens, the draft included.")
    draft_tokens: int = Field(ge=0, description="Of which the draft takes this many.")
    n_ctx: int = Field(ge=0, description="Tokens one slot holds: the prompt plus the answer.")
    max_tokens: int | None = Field(
        None, description="The answer's limit (Settings → Generation), null when unset."
    )
    drop_oldest_turns: bool = Field(
        description="Whether the oldest turns are dropped when a prompt does not fit."
    )


class ReadAheadDraftParams(Params):
    """A conversation and the message being typed in it, read ahead into its slot."""

    conversation_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(max_length=2_000_000)


class DraftRead(Wire):
    """What reading a draft ahead did."""

    tokens: int = Field(
        ge=0, description="Tokens read into the slot (0: skipped, or left to the read under way)."
    )
