"""The settings model and public surface; any valid value survives a save and a reload."""

from __future__ import annotations

import importlib
import tempfile
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import backend.config
from backend.config import ConfigService, Settings
from backend.config._layers import LEAVES, RESTART_LEAVES
from backend.paths import AppPaths


def test_every_field_has_a_one_line_description() -> None:
    for leaf, info in LEAVES.items():
        assert info.description, leaf
        assert "\n" not in info.description, leaf


def test_every_field_has_a_label_written_for_people() -> None:
    # Without one, pydantic titles "gpu_layers" as "Gpu Layers" and the settings page shows that.
    for leaf, info in LEAVES.items():
        assert info.title, leaf
        assert info.title[0].isupper() or info.title.startswith("llama-server"), leaf


def test_schema_for_the_page_has_help_and_restart_flags_but_no_version(tmp_path: Path) -> None:
    service = ConfigService(
        AppPaths(tmp_path, tmp_path, tmp_path, tmp_path), environ={}, cwd=tmp_path
    )
    schema = service.view().json_schema
    assert "schema_version" not in schema["properties"]
    port = schema["$defs"]["EngineSettings"]["properties"]["port"]
    assert port == {
        "default": 0,
        "description": "Server port; 0 picks a free one.",
        "maximum": 65535,
        "minimum": 0,
        "restart": True,
        "title": "Port",
        "type": "integer",
    }
    schema["properties"].clear()
    assert "engine" in service.view().json_schema["properties"]
    assert {"engine.port", "engine.model", "engine.context_size"} <= RESTART_LEAVES
    assert "generation.temperature" not in RESTART_LEAVES


@pytest.mark.parametrize(
    "module",
    [
        "backend.config",
        "backend.config._format",
        "backend.config._layers",
        "backend.config._migrations",
        "backend.config._rpc",
        "backend.config._service",
        "backend.config._settings",
        "backend.config._store",
    ],
)
def test_all_is_sorted_and_names_exist(module: str) -> None:
    names = importlib.import_module(module).__all__
    assert names == sorted(names)
    assert all(hasattr(importlib.import_module(module), name) for name in names)


def test_package_exports_the_public_api() -> None:
    public = {name for name in vars(backend.config) if not name.startswith("_")}
    assert set(backend.config.__all__) == public


def _bound(info: FieldInfo, kind: type[Any], attribute: str) -> Any:
    found = [item for item in info.metadata if isinstance(item, kind)]
    return getattr(found[0], attribute) if found else None


_PATH_TEXT = st.text(min_size=1, max_size=20)


def _strategy(info: FieldInfo) -> st.SearchStrategy[Any]:
    annotation = info.annotation
    if get_origin(annotation) is Literal:
        return st.sampled_from(get_args(annotation))
    if get_origin(annotation) is list:
        (kind,) = get_args(annotation)
        if isinstance(kind, type) and issubclass(kind, BaseModel):  # e.g. the RPC workers
            fields = {name: _strategy(field) for name, field in kind.model_fields.items()}
            return st.lists(st.fixed_dictionaries(fields), max_size=3)
        item = _PATH_TEXT if kind is Path else st.text(max_size=10)
        return st.lists(item, max_size=3)
    if annotation == Path | None:
        return st.none() | _PATH_TEXT
    if annotation in (int | None, float | None):
        concrete = next(arg for arg in get_args(annotation) if arg is not type(None))
        return st.none() | _strategy(FieldInfo.merge_field_infos(info, annotation=concrete))
    if annotation is bool:
        return st.booleans()
    low = _bound(info, annotated_types.Ge, "ge")
    above = _bound(info, annotated_types.Gt, "gt")
    high = _bound(info, annotated_types.Le, "le")
    if annotation is int:
        return st.integers(low, high)
    if annotation is float:
        return st.floats(
            low if above is None else above, high, exclude_min=above is not None, allow_nan=False
        )
    assert annotation is str
    pattern = next((m.pattern for m in info.metadata if getattr(m, "pattern", None)), None)
    if pattern is not None:
        return st.from_regex(pattern, fullmatch=True).filter(lambda text: len(text) <= 300)
    min_size = _bound(info, annotated_types.MinLen, "min_length") or 0
    max_size = min(_bound(info, annotated_types.MaxLen, "max_length") or 50, 50)
    return st.text(min_size=min_size, max_size=max_size)


_UPDATES = st.fixed_dictionaries(
    {}, optional={leaf: _strategy(info) for leaf, info in LEAVES.items()}
)


@settings(max_examples=60, deadline=None)
@given(_UPDATES)
def test_any_valid_value_round_trips_through_save_and_load(flat: dict[str, Any]) -> None:
    update: dict[str, dict[str, Any]] = {}
    for leaf, value in flat.items():
        section, _, name = leaf.partition(".")
        update.setdefault(section, {})[name] = value
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = AppPaths(root / "config", root / "data", root / "logs", root / "cache")
        saved = ConfigService(paths, environ={}, cwd=root)
        saved.save(update)
        loaded = ConfigService(paths, environ={}, cwd=root)

    assert loaded.warnings == []
    assert loaded.settings == saved.settings == Settings.model_validate(update)
