"""JSON as LlamaDesk accepts it from outside: the one decoder for request bodies and imports.

Python's ``json`` module is more lenient than the data the app can live with. It reads
``NaN``/``Infinity`` (and turns ``1e400`` into infinity), which later cannot be written back out;
it guesses UTF-16 and UTF-32 from the bytes; it keeps lone surrogates (``"\\ud800"``), which
SQLite cannot store; and it recurses once per nesting level, so a deeply nested document ends in a
``RecursionError`` somewhere far from the input. Everything that enters from the page or a file
passes through :func:`loads` (text or bytes) or :func:`check` (a value another JSON decoder made,
such as pywebview's), which refuse all of these with an ``InvalidArgument`` saying where.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from .errors import InvalidArgument

__all__ = ["MAX_DEPTH", "check", "loads"]

MAX_DEPTH: Final = 64
"""The deepest nesting of arrays and objects accepted (an export document needs 6)."""


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def loads(data: str | bytes, what: str = "The request body") -> Any:
    """Parse strict JSON: UTF-8, finite numbers, valid Unicode, at most ``MAX_DEPTH`` deep."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidArgument(f"{what} is not UTF-8 text.", detail=str(exc)) from exc
    try:
        value = json.loads(data, parse_constant=_constant, parse_float=_finite)
    except RecursionError as exc:
        raise _too_deep(what) from exc
    except ValueError as exc:
        raise InvalidArgument(f"{what} is not valid JSON: {exc}.", detail=str(exc)) from exc
    check(value, what)
    return value


def check(value: object, what: str = "The request body") -> None:
    """Refuse a decoded value holding non-finite numbers, lone surrogates or deep nesting."""
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            if depth >= MAX_DEPTH:
                raise _too_deep(what)
            for key, child in item.items():
                _check_text(key, what)
                pending.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            if depth >= MAX_DEPTH:
                raise _too_deep(what)
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item, what)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidArgument(f"{what} holds {item}, which is not a number JSON allows.")


def _check_text(text: object, what: str) -> None:
    if not isinstance(text, str) or text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgument(
            f"{what} holds text that is not valid Unicode (a lone surrogate).", detail=str(exc)
        ) from exc


def _too_deep(what: str) -> InvalidArgument:
    return InvalidArgument(f"{what} is nested more than {MAX_DEPTH} levels deep.")
