"""Hypothesis strategies for fuzzing: values a JSON schema allows, and values it must refuse.

``from_schema`` turns the JSON schema pydantic writes (objects, arrays, strings with lengths,
patterns and ``date-time``, bounded numbers, enums, consts, ``anyOf``, ``$ref``) into values that
fit it; with ``hostile`` it puts a hostile value in place of a fitting one now and then, at every
level, so a generated document is mostly right and wrong somewhere. ``hostile_values`` are what
an attacker or a broken client sends: NaN and infinities, numbers too big for any field, huge
and unpaired-surrogate strings, nesting far past any sane depth, and every wrong JSON type.
``to_json`` writes any of them as request text (``NaN`` literals, ``\\ud800`` escapes, and deep
nesting without recursing). ``export_documents`` are import files built the same way, as message
trees, so that most of them are right in structure and many are right throughout.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from backend.chat import ExportDocument

__all__ = ["Deep", "export_documents", "from_schema", "hostile_values", "json_values", "to_json"]

_TEXT = st.text(max_size=30)
_FINITE = st.floats(allow_nan=False, allow_infinity=False)


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any well-formed JSON value."""
    leaves = st.none() | st.booleans() | st.integers() | _FINITE | _TEXT
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


@dataclass(frozen=True)
class Deep:
    """Arrays (or objects) nested ``depth`` levels, written as text by ``to_json``."""

    depth: int
    objects: bool = False

    def text(self) -> str:
        """The JSON text."""
        if self.objects:
            return '{"a":' * self.depth + "0" + "}" * self.depth
        return "[" * self.depth + "]" * self.depth


def hostile_values() -> st.SearchStrategy[Any]:
    """Values no field should take, and values that break naive JSON handling."""
    return st.one_of(
        st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 2**63, -(2**64), 10**40]),
        st.builds(Deep, st.integers(65, 3_000), st.booleans()),
        st.sampled_from(["\ud800", "a\udfffb", "\x00", "yes", "true", "1", "", " ", "null"]),
        st.integers(10_000, 2_100_000).map(lambda n: "é" + "x" * n),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(_TEXT, st.integers(), max_size=3),
        st.just({"__proto__": {"admin": True}}),
    )


def _timestamps() -> st.SearchStrategy[str]:
    zones = st.sampled_from(
        [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
    )
    moments = st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
    )
    return moments.map(lambda moment: moment.isoformat())


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if schema.get("format") == "date-time":
        return _timestamps()
    if "pattern" in schema:
        size_ok = st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda text: low <= len(text) and (high is None or len(text) <= high)
        )
        return size_ok
    return st.text(min_size=low, max_size=min(high, 40) if high is not None else max(40, low))


def _number(schema: dict[str, Any], integer: bool) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + (1 if integer else 1e-9)
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - (1 if integer else 1e-9)
    if integer:
        return st.integers(low, high)
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


class _Builder:
    def __init__(
        self,
        defs: dict[str, Any],
        hostile: st.SearchStrategy[Any] | None,
        overrides: Mapping[str, st.SearchStrategy[Any]],
    ) -> None:
        self._defs = defs
        self._hostile = hostile
        self._overrides = overrides

    def _property(self, name: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        if name not in self._overrides:
            return self.build(schema)
        fitting = self._overrides[name]
        if self._hostile is None:
            return fitting
        return st.one_of(fitting, st.one_of(fitting, st.one_of(fitting, self._hostile)))

    def build(self, schema: dict[str, Any] | bool) -> st.SearchStrategy[Any]:
        fitting = self.fitting(schema)
        if self._hostile is None:
            return fitting
        return st.one_of(fitting, st.one_of(fitting, st.one_of(fitting, self._hostile)))

    def fitting(self, schema: dict[str, Any] | bool) -> st.SearchStrategy[Any]:
        if schema is True or schema == {}:
            return json_values()
        assert isinstance(schema, dict), schema
        if "$ref" in schema:
            return st.deferred(lambda: self.build(self._defs[schema["$ref"].rsplit("/", 1)[1]]))
        for union in ("anyOf", "oneOf"):
            if union in schema:
                return st.one_of([self.fitting(option) for option in schema[union]])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        kind = schema.get("type", "object")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            items = self.build(schema.get("items", True))
            return st.lists(
                items, min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 4)
            )
        simple: dict[str, st.SearchStrategy[Any]] = {
            "string": _string(schema),
            "integer": _number(schema, integer=True),
            "number": _number(schema, integer=False),
            "boolean": st.booleans(),
            "null": st.none(),
        }
        return simple[kind]

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        extra = schema.get("additionalProperties", True)
        if not properties and extra is not False:
            values = json_values() if extra is True else self.build(extra)
            return st.dictionaries(_TEXT, values, max_size=3)
        fixed = st.fixed_dictionaries(
            {name: self._property(name, properties[name]) for name in required},
            optional={
                name: self._property(name, schema)
                for name, schema in properties.items()
                if name not in required
            },
        )
        if self._hostile is None or extra is not False:
            return fixed
        unknown = st.dictionaries(
            _TEXT.filter(lambda k: k not in properties), self._hostile, min_size=1, max_size=1
        )
        sometimes: st.SearchStrategy[dict[str, Any]] = st.one_of(
            st.just({}), st.one_of(st.just({}), unknown)
        )
        return st.builds(lambda known, more: {**more, **known}, fixed, sometimes)


def from_schema(
    schema: dict[str, Any],
    defs: dict[str, Any] | None = None,
    *,
    hostile: st.SearchStrategy[Any] | None = None,
    overrides: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[Any]:
    """Values fitting ``schema`` (``$ref`` resolved in ``defs`` or its own ``$defs``).

    With ``hostile``, any value inside the top one may be replaced by one of those.
    ``overrides`` give the fitting values of properties by name, at any depth (known ids, URLs
    that stay on this machine).
    """
    builder = _Builder(defs or schema.get("$defs", {}), hostile, overrides or {})
    return builder.fitting(schema)


_EXPORT = ExportDocument.model_json_schema()
_STRUCTURE = {"id", "parent_id", "messages", "active_leaf_id"}


def _export_fields(model: str, hostile: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A model's non-structural fields from the export schema, some of them hostile if asked."""
    schema = dict(_EXPORT["$defs"][model])
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in _STRUCTURE}
    schema["required"] = [k for k in schema["required"] if k not in _STRUCTURE]
    return from_schema(schema, _EXPORT["$defs"], hostile=hostile_values() if hostile else None)


@st.composite
def _exported_conversation(draw: st.DrawFn, index: int, hostile: bool) -> dict[str, Any]:
    conversation = draw(_export_fields("ExportedConversation", hostile))
    messages: list[dict[str, Any]] = []
    for m_index in range(draw(st.integers(0, 5))):
        parent = draw(st.none() | st.integers(0, m_index - 1)) if m_index else None
        message = draw(_export_fields("ExportedMessage", hostile))
        message["id"] = f"m{index}x{m_index}"
        message["parent_id"] = messages[parent]["id"] if parent is not None else None
        messages.append(message)
    leaf = draw(st.none() | st.sampled_from([m["id"] for m in messages])) if messages else None
    return {**conversation, "id": f"c{index}", "messages": messages, "active_leaf_id": leaf}


@st.composite
def export_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Import files: message trees, half of them fitting the schema everywhere, half with
    hostile values here and there."""
    count, hostile = draw(st.integers(1, 2)), draw(st.booleans())
    return {
        "format": "llamadesk.conversations",
        "version": 1,
        "conversations": [draw(_exported_conversation(i, hostile)) for i in range(count)],
    }


def to_json(value: Any) -> str:
    """JSON text for any generated value: NaN as ``NaN``, surrogates escaped, ``Deep`` inlined."""
    raw: dict[str, str] = {}

    def placeholder(item: object) -> str:
        if not isinstance(item, Deep):
            raise TypeError(item)
        key = f"@@deep{len(raw)}@@"
        raw[key] = item.text()
        return key

    text = json.dumps(value, default=placeholder, allow_nan=True)
    for key, replacement in raw.items():
        text = text.replace(json.dumps(key), replacement)
    return text
