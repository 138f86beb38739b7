"""The bases of every wire type: ``Wire`` (results, events) and ``Params`` (command arguments)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EmptyParams", "ID", "Params", "Wire", "absent"]


class Wire(BaseModel):
    """A value Python sends to the page: immutable, and unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Params(BaseModel):
    """A command's one object of keyword arguments; unknown keys are an error, not dropped.

    Strict: each argument must arrive with its JSON type, so ``"yes"`` or ``1`` is no boolean,
    ``true`` or ``"5"`` no number, ``1.5`` no integer (a whole number is a fine float), and no
    number is NaN or infinite. A model nested in arguments is strict too (a test checks).
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=False, strict=True, allow_inf_nan=False
    )


class EmptyParams(Params):
    """No arguments."""


ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
"""The shape of a conversation, message or model id."""


def absent() -> None:
    """The ``default_factory`` of an optional field added to a type the page already builds.

    The TypeScript generator marks a field with a plain default required (pydantic always sends
    it); one whose default comes from a factory stays optional, so code that builds the type
    without the new field (the mock backend, tests) keeps compiling.
    """
