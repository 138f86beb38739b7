"""Commands take strict JSON types, the same through pywebview and HTTP.

No string to bool, no bool or string to number, no NaN, no lone surrogate, no deep nesting: each
is a typed ``invalid_argument`` naming the field, and the handler never runs.
"""

from __future__ import annotations

import math
import typing
from typing import Any

import annotated_types
import pytest
from anyio.from_thread import BlockingPortal
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from backend.app import COMMANDS
from backend.bridge import CommandDispatcher, LlamaDeskApi

from .fakes import FakeHandlers


@pytest.fixture
def api(handlers: FakeHandlers, portal: BlockingPortal) -> LlamaDeskApi:
    return LlamaDeskApi(CommandDispatcher(COMMANDS, handlers, portal, timeout_s=2.0))


def _deep(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("pin_conversation", {"conversation_id": "c1", "pinned": "true"}, "pinned"),
        ("pin_conversation", {"conversation_id": "c1", "pinned": 1}, "pinned"),
        ("search_conversations", {"query": "x", "limit": True}, "limit"),
        ("search_conversations", {"query": "x", "limit": "5"}, "limit"),
        ("search_conversations", {"query": "x", "limit": 5.0}, "limit"),
        ("search_conversations", {"query": 5}, "query"),
        ("get_server_logs", {"lines": 1.5}, "lines"),
        ("remove_model", {"model_id": "m", "delete_file": "false"}, "delete_file"),
        (
            "save_model_settings",
            {"model_id": "m", "settings": {"context_size": "4096"}},
            "settings.context_size",
        ),
        (
            "save_model_settings",
            {"model_id": "m", "settings": {"threads": False}},
            "settings.threads",
        ),
        ("export_conversations", {"conversation_ids": "c1"}, "conversation_ids"),
    ],
)
def test_arguments_must_have_their_json_type(
    api: LlamaDeskApi, handlers: FakeHandlers, name: str, params: dict[str, Any], field: str
) -> None:
    answer = getattr(api, name)(params)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "invalid_argument"
    assert [f["field"] for f in answer["error"]["fields"]] == [field]
    assert handlers.calls == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"query": "x", "limit": math.nan}, "not a number JSON allows"),
        ({"query": "x", "limit": math.inf}, "not a number JSON allows"),
        ({"query": "caf\udce9"}, "lone surrogate"),
        ({"query": _deep(1_000)}, "nested more than 64 levels"),
        ({"query": "x", "\ud800": 1}, "lone surrogate"),
    ],
)
def test_values_json_cannot_carry_are_refused_before_validation(
    api: LlamaDeskApi, handlers: FakeHandlers, params: dict[str, Any], expected: str
) -> None:
    """pywebview hands over what JSON.parse made; the dispatcher checks it as HTTP bodies are."""
    answer = api.search_conversations(params)
    assert answer["error"]["code"] == "invalid_argument"
    assert expected in answer["error"]["message"]
    assert handlers.calls == []


def test_json_types_that_fit_are_taken(api: LlamaDeskApi, handlers: FakeHandlers) -> None:
    assert api.search_conversations({"query": "x", "limit": 5})["ok"] is True
    assert api.pin_conversation({"conversation_id": "c1", "pinned": False})["ok"] is True
    settings = {"context_size": 4096, "extra_args": ["--mlock"]}
    assert api.save_model_settings({"model_id": "m", "settings": settings})["ok"] is True
    assert [name for name, _ in handlers.calls] == [
        "search_conversations",
        "pin_conversation",
        "save_model_settings",
    ]


def _models_in(annotation: object) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found = {annotation}
        for field in annotation.model_fields.values():
            found |= _models_in(field.annotation)
        return found
    return {model for arg in typing.get_args(annotation) for model in _models_in(arg)}


def test_every_model_in_any_commands_arguments_is_strict() -> None:
    """Strictness lives in the models' config, so a new nested model must say it too."""
    models = {model for spec in COMMANDS.values() for model in _models_in(spec.params)}
    assert len(models) > len(COMMANDS) // 2
    loose = sorted(m.__name__ for m in models if not m.model_config.get("strict"))
    assert loose == []


def _upper_bound(field: FieldInfo) -> int | None:
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Le) and isinstance(rule.le, int):
            return rule.le
        if isinstance(rule, annotated_types.Lt) and isinstance(rule.lt, int):
            return rule.lt - 1
    return None


def test_every_integer_a_command_takes_has_a_bound_sqlite_can_hold() -> None:
    """An unbounded int reached SQLite as an OverflowError, an internal error (fuzz-found)."""
    models = {model for spec in COMMANDS.values() for model in _models_in(spec.params)}
    integers = {
        f"{model.__name__}.{name}": _upper_bound(field)
        for model in models
        for name, field in model.model_fields.items()
        if int in typing.get_args(field.annotation) or field.annotation is int
    }
    assert len(integers) >= 5
    unbounded = sorted(name for name, bound in integers.items() if bound is None or bound >= 2**63)
    assert unbounded == []


def test_an_offset_past_sqlites_integers_is_a_typed_error(api: LlamaDeskApi) -> None:
    answer = api.list_conversations({"offset": 2**63})
    assert answer["error"]["code"] == "invalid_argument"
    assert [f["field"] for f in answer["error"]["fields"]] == ["offset"]
