"""The settings service: effective settings, their sources, and validated saves.

The launch-time layers (``.env``, environment, flags) are read once and are fixed for the life
of the process: a value they set is *locked*, and the settings page cannot change it. If any of
them is invalid the service refuses to start (``ConfigError`` naming the variable or flag),
because the user asked for that value explicitly. The settings file is different: a bad file is
set aside with a warning (see ``_store``). A save re-reads the file under the inter-process lock,
so a change saved by another process meanwhile is kept, not overwritten.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from dotenv import dotenv_values

from backend.config._layers import (
    LEAVES,
    RESTART_LEAVES,
    Source,
    flatten,
    leaf_value,
    nest,
    parse_environ,
    parse_flags,
    validate,
)
from backend.config._settings import Settings
from backend.config._store import SettingsStore
from backend.contract import ConfigView, SaveConfigResult
from backend.errors import ConfigError, FieldError
from backend.paths import AppPaths, bundle_dir

__all__ = ["ConfigService", "Subscriber", "default_form"]

Subscriber = Callable[[Settings, list[str]], None]
"""Called after a save with the new settings and the dotted names that changed."""

_LOCKED_BY: Final = {
    "dotenv": "the .env file in the working directory",
    "env": "an environment variable",
    "cli": "a command-line flag",
}
_log = logging.getLogger(__name__)


def _json_schema() -> dict[str, Any]:
    schema = Settings.model_json_schema()
    del schema["properties"]["schema_version"]
    return schema


_JSON_SCHEMA: Final = _json_schema()


def default_form() -> dict[str, Any]:
    """The settings form's JSON schema with the default values: the frontend mock's snapshot."""
    return {"json_schema": copy.deepcopy(_JSON_SCHEMA), "values": _values(Settings())}


class ConfigService:
    """Current settings for the whole app; safe to use from several threads."""

    def __init__(
        self,
        paths: AppPaths,
        *,
        environ: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        cli: Mapping[str, object] | None = None,
    ) -> None:
        self._fixed = _launch_layers(
            _read_dotenv((Path.cwd() if cwd is None else cwd) / ".env"),
            os.environ if environ is None else environ,
            cli or {},
        )
        self._locked: dict[str, Source] = {
            leaf: source for source, values in self._fixed for leaf in values
        }
        self._store = SettingsStore(paths.settings_file)
        self._lock = threading.RLock()  # guards the state below; held only briefly
        self._saving = threading.RLock()  # one save (and its notifications) at a time
        self._subscribers: list[Subscriber] = []
        with self._store.locked():
            loaded = self._store.load()
        self._warnings = list(loaded.warnings)
        self._settings, self._sources = self._effective(loaded.values)

    @property
    def settings(self) -> Settings:
        """The current effective settings (a copy: changing it changes nothing)."""
        with self._lock:
            return self._settings.model_copy(deep=True)

    @property
    def warnings(self) -> list[str]:
        """Problems met while loading the settings file, for the UI to show."""
        with self._lock:
            return list(self._warnings)

    def view(self) -> ConfigView:
        """Effective values, the source of each, the locked fields and the form's JSON schema."""
        with self._lock:
            return ConfigView(
                values=_values(self._settings),
                sources=dict(self._sources),
                locked=[leaf for leaf in LEAVES if leaf in self._locked],
                json_schema=copy.deepcopy(_JSON_SCHEMA),
            )

    def save(self, update: Mapping[str, Any]) -> SaveConfigResult:
        """Validate a partial nested update and store it; nothing is saved if any field is wrong.

        The update is JSON from the page: each value must have its field's JSON type (strict:
        ``"yes"`` is not a boolean, ``true`` not a number, ``"8080"`` not a port).

        Raises ``ConfigError`` whose ``fields`` name each unknown, locked or invalid field.
        """
        raw, errors = flatten(update)
        errors += [
            FieldError(leaf, f"locked: set by {_LOCKED_BY[self._locked[leaf]]}")
            for leaf in raw
            if leaf in self._locked
        ]
        values, invalid = validate(
            {leaf: value for leaf, value in raw.items() if leaf not in self._locked}, strict=True
        )
        if errors or invalid:
            raise ConfigError(
                "Settings not saved: some fields are invalid.", fields=errors + invalid
            )
        with self._saving:
            with self._store.locked():
                loaded = self._store.load()
                with self._lock:
                    self._warnings += loaded.warnings
                file_values = {**loaded.values, **values}
                self._store.write(file_values)
            after, sources = self._effective(file_values)
            with self._lock:
                before = self._settings
                self._settings, self._sources = after, sources
                subscribers = list(self._subscribers)
            changed = [
                leaf for leaf in LEAVES if leaf_value(before, leaf) != leaf_value(after, leaf)
            ]
            for subscriber in subscribers:
                self._notify(subscriber, after, changed)
        return SaveConfigResult(
            values=_values(after),
            restart_required=any(leaf in RESTART_LEAVES for leaf in changed),
            changed=changed,
        )

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` after every save; return a function that stops that.

        Callbacks run on the saving thread, one save at a time and in save order; reading
        ``settings`` meanwhile never waits for them.
        """
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _effective(self, file_values: dict[str, Any]) -> tuple[Settings, dict[str, Source]]:
        sources: dict[str, Source] = dict.fromkeys(LEAVES, "default")
        merged: dict[str, Any] = {}
        for source, values in [("file", file_values), *self._fixed]:
            merged.update(values)
            sources.update(dict.fromkeys(values, source))
        return Settings.model_validate(nest(merged)), sources

    @staticmethod
    def _notify(subscriber: Subscriber, settings: Settings, changed: list[str]) -> None:
        try:
            subscriber(settings.model_copy(deep=True), list(changed))
        except Exception:
            _log.exception("A settings subscriber failed")


def _read_dotenv(path: Path) -> dict[str, str | None]:
    """The ``.env`` values; none in the packaged app, whose working directory is arbitrary."""
    if bundle_dir() is not None or not path.is_file():
        return {}
    try:
        return dotenv_values(path, interpolate=False)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}", detail=str(exc)) from exc


def _launch_layers(
    dotenv: Mapping[str, str | None], environ: Mapping[str, str], cli: Mapping[str, object]
) -> list[tuple[Source, dict[str, Any]]]:
    """Validate the ``.env``, environment and flag layers; raise if any value is wrong."""
    layers: list[tuple[Source, dict[str, Any]]] = []
    errors: list[FieldError] = []
    dotenv_raw, dotenv_names, dotenv_unknown = parse_environ(dotenv)
    dotenv_names = {leaf: f"{name} in .env" for leaf, name in dotenv_names.items()}
    flags, unknown_flags = parse_flags(cli)
    launch: tuple[tuple[Source, dict[str, object], dict[str, str], list[FieldError]], ...] = (
        ("dotenv", dotenv_raw, dotenv_names, dotenv_unknown),
        ("env", *parse_environ(environ)),
        ("cli", flags, {}, unknown_flags),
    )
    for source, raw, names, unknown in launch:
        values, invalid = validate(raw, names)
        errors += unknown + invalid
        layers.append((source, values))
    if errors:
        raise ConfigError("Some settings given at launch are invalid.", fields=errors)
    return layers


def _values(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", exclude={"schema_version"})
