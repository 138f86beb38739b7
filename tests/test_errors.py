"""The error hierarchy and the wire's ``ErrorCode`` cannot drift apart."""

from __future__ import annotations

from typing import get_args

import pytest

import backend.errors as errors
from backend.contract import BridgeError, BridgeFieldError, bridge_error
from backend.errors import ErrorCode, FieldError, LlamaDeskError, NotFound


def _subclasses(cls: type[LlamaDeskError]) -> list[type[LlamaDeskError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _subclasses(child))]


def test_every_error_code_belongs_to_an_error_class_and_back() -> None:
    ours = [cls for cls in _subclasses(LlamaDeskError) if cls.__module__ == errors.__name__]
    assert {cls.code for cls in ours} == set(get_args(ErrorCode))
    assert {cls.__name__ for cls in ours} <= set(errors.__all__)


def test_a_class_with_an_unknown_code_fails_when_it_is_defined() -> None:
    with pytest.raises(TypeError, match="'made_up' is not an ErrorCode"):

        class MadeUp(LlamaDeskError):
            code = "made_up"  # type: ignore[assignment]


def test_our_error_keeps_everything_on_the_wire() -> None:
    exc = NotFound("No such chat.", detail="c9", fields=[FieldError("conversation_id", "unknown")])
    assert bridge_error(exc) == BridgeError(
        code="not_found",
        message="No such chat.",
        detail="c9",
        fields=[BridgeFieldError(field="conversation_id", message="unknown")],
    )


def test_any_other_exception_is_an_internal_error_with_its_type() -> None:
    wire = bridge_error(KeyError("boom"))
    assert (wire.code, wire.detail) == ("internal", "KeyError: 'boom'")
