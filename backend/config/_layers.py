"""Settings layers: flat maps from dotted field names to values, validated one layer at a time.

Effective settings come from five layers, lowest first: defaults, the settings file, ``.env`` in
the working directory, ``LLAMADESK_*`` environment variables and command-line flags. A *leaf* is
one field of a section (``engine.port``); lists are leaves too and are replaced whole. Layers
are merged leaf by leaf, so the layer that set each leaf is known: that is the leaf's *source*.

Each layer is validated on its own before merging (the model has no cross-field rules), so an
error can name the variable or flag it came from. ``schema_version`` is file plumbing, not a
setting: no layer sets it. Text values (environment, flags, the page) follow one rule: an empty
string clears a nullable field, and a list field is given as a JSON array.

The variables follow pydantic-settings' conventions (prefix, ``__`` nesting, case-insensitive
names, JSON for lists) but are parsed here: its sources read only ``os.environ``, do not say which
source set a field, and report a bad value without its field path. ``.env`` is read with
python-dotenv, the parser pydantic-settings itself uses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from backend.config._settings import Settings
from backend.errors import FieldError

__all__ = [
    "ENV_PREFIX",
    "LEAVES",
    "RESTART_LEAVES",
    "Source",
    "flatten",
    "leaf_value",
    "nest",
    "parse_environ",
    "parse_flags",
    "validate",
]

Source = Literal["default", "file", "dotenv", "env", "cli"]

ENV_PREFIX: Final = "LLAMADESK_"
_ENV_ALIASES: Final = {"SERVER_BIN": "engine.server_binary"}
"""Variables named by other issues that set a leaf; the canonical name wins when both are set."""


def _sections() -> dict[str, type[BaseModel]]:
    sections: dict[str, type[BaseModel]] = {}
    for name, info in Settings.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            sections[name] = model
    return sections


_SECTIONS: Final = _sections()
LEAVES: Final[dict[str, FieldInfo]] = {
    f"{section}.{name}": info
    for section, model in _SECTIONS.items()
    for name, info in model.model_fields.items()
    if not info.exclude
}
"""Every settable field by dotted name, in model order (an excluded field is the launch's own,
never set nor saved: ``engine.mmproj_file``)."""


RESTART_LEAVES: Final = frozenset(
    leaf
    for leaf, info in LEAVES.items()
    if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("restart")
)
"""Leaves whose ``json_schema_extra`` says a change needs a server restart."""


def parse_flags(flags: Mapping[str, object]) -> tuple[dict[str, object], list[FieldError]]:
    """Command-line flags as leaves; unknown dotted names are errors."""
    known = {leaf: value for leaf, value in flags.items() if leaf in LEAVES}
    unknown = [
        FieldError(leaf, "unknown setting (command line)") for leaf in flags if leaf not in LEAVES
    ]
    return known, unknown


def nest(flat: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"engine.port": 1}`` -> ``{"engine": {"port": 1}}``."""
    nested: dict[str, dict[str, Any]] = {}
    for leaf, value in flat.items():
        section, _, name = leaf.partition(".")
        nested.setdefault(section, {})[name] = value
    return nested


def flatten(doc: Mapping[str, object]) -> tuple[dict[str, object], list[FieldError]]:
    """A nested ``{section: {field: value}}`` document as leaves; unknown keys are errors."""
    flat: dict[str, object] = {}
    errors: list[FieldError] = []
    for section, fields in doc.items():
        if section not in _SECTIONS:
            errors.append(FieldError(section, "unknown setting"))
        elif not isinstance(fields, Mapping):
            errors.append(FieldError(section, "expected an object of settings"))
        else:
            for name, value in fields.items():
                leaf = f"{section}.{name}"
                if leaf in LEAVES:
                    flat[leaf] = value
                else:
                    errors.append(FieldError(leaf, "unknown setting"))
    return flat, errors


def parse_environ(
    environ: Mapping[str, str | None],
) -> tuple[dict[str, object], dict[str, str], list[FieldError]]:
    """Leaves set by ``LLAMADESK_<SECTION>__<FIELD>`` variables, the variable behind each, errors.

    Variables whose first part is not a section (``LLAMADESK_HOME``, ``LLAMADESK_CACHE``) are
    not settings and are skipped; an unknown field of a known section is an error (a typo).
    """
    canonical: dict[str, object] = {}
    aliased: dict[str, object] = {}
    names: dict[str, str] = {}
    errors: list[FieldError] = []
    for name, text in sorted(environ.items()):
        key = name.upper().removeprefix(ENV_PREFIX)
        if key == name.upper() or text is None:
            continue
        if key in _ENV_ALIASES:
            aliased[_ENV_ALIASES[key]] = text
            names.setdefault(_ENV_ALIASES[key], name)
            continue
        section, sep, field = key.lower().partition("__")
        if section not in _SECTIONS:
            continue
        leaf = f"{section}.{field}" if sep else section
        if leaf in LEAVES:
            canonical[leaf] = text
            names[leaf] = name
        else:
            errors.append(FieldError(leaf, f"unknown setting ({name})"))
    return {**aliased, **canonical}, names, errors


def _from_text(info: FieldInfo, text: str) -> object:
    if text == "" and type(None) in get_args(info.annotation):
        return None
    if get_origin(info.annotation) is list:
        return json.loads(text)
    return text


def validate(
    raw: Mapping[str, object], names: Mapping[str, str] | None = None, *, strict: bool = False
) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate leaves; return their typed values, or the errors (prefixed by ``names[leaf]``).

    ``strict`` is for values that arrived as JSON (the settings page): each must already have
    its field's JSON type, so ``"yes"`` is no boolean, ``true`` no number and ``"8080"`` no
    port. Text from the environment and flags is converted as pydantic does by default.
    """
    names = names or {}
    coerced: dict[str, object] = {}
    errors: list[FieldError] = []
    for leaf, value in raw.items():
        try:
            if strict:
                json.dumps(value, allow_nan=False)
            coerced[leaf] = _from_text(LEAVES[leaf], value) if isinstance(value, str) else value
        except json.JSONDecodeError as exc:
            errors.append(_field_error(leaf, f"expected a JSON array ({exc.msg})", names))
        except (TypeError, ValueError) as exc:
            errors.append(_field_error(leaf, f"not a JSON value ({exc})", names))
    try:
        model = _validate_json(nest(coerced)) if strict else Settings.model_validate(nest(coerced))
    except ValidationError as exc:
        errors += [_from_pydantic(error["loc"], error["msg"], names) for error in exc.errors()]
    else:
        if not errors:
            return {leaf: leaf_value(model, leaf) for leaf in coerced}, []
    return {}, errors


def _validate_json(document: dict[str, dict[str, Any]]) -> Settings:
    """Validate as the JSON it came as (strict JSON types; a path is a JSON string)."""
    return Settings.model_validate_json(json.dumps(document), strict=True)


def leaf_value(model: Settings, leaf: str) -> Any:
    """The value of one leaf of ``model``."""
    section, _, name = leaf.partition(".")
    return getattr(getattr(model, section), name)


def _from_pydantic(
    loc: tuple[int | str, ...], message: str, names: Mapping[str, str]
) -> FieldError:
    leaf = ".".join(str(part) for part in loc[:2])
    if len(loc) > 2:
        message = f"item {'.'.join(str(part) for part in loc[2:])}: {message}"
    return _field_error(leaf, message, names)


def _field_error(leaf: str, message: str, names: Mapping[str, str]) -> FieldError:
    return FieldError(leaf, f"{names[leaf]}: {message}" if leaf in names else message)
