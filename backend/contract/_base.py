"""The bases of every wire type: ``Wire`` (results, events) and ``Params`` (command arguments)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EmptyParams", "ID", "Params", "Wire"]


class Wire(BaseModel):
    """A value Python sends to the page: immutable, and unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Params(BaseModel):
    """A command's one object of keyword arguments; unknown keys are an error, not dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class EmptyParams(Params):
    """No arguments."""


ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
"""The shape of a conversation, message or model id."""
