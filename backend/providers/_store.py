"""The remote providers and the failover rules the user set, kept in ``providers.json``.

Every change is saved at once, written atomically. API keys are not in the file: each one goes
to the secret store under ``provider/<id>/api_key`` (the OS keyring, else a 0600 file), so the
file can be read, backed up or shared without leaking a key. A damaged file is set aside and the
app starts without remote providers, the way a damaged settings file is handled.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from ..contract import LOCAL_PROVIDER_ID, FailoverRule, ProviderConfig
from ..errors import ConfigError, NotFound
from ..files import set_aside, write_atomic

__all__ = ["ProviderStore", "SecretBox", "StoredProvider"]

log = logging.getLogger(__name__)


class SecretBox(Protocol):
    """Where API keys are kept: get, set and delete a value by name."""

    @property
    def where(self) -> str:
        """Where new values go, said for the page."""
        ...

    def get(self, key: str) -> str | None:
        """The stored value, or None."""
        ...

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error when it is absent)."""
        ...


class StoredProvider(BaseModel):
    """One remote provider as the file holds it: an id and its set-up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    config: ProviderConfig


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    providers: list[StoredProvider] = []
    failover: list[FailoverRule] = []


def _key(provider_id: str) -> str:
    return f"provider/{provider_id}/api_key"


class ProviderStore:
    """The remote providers and failover rules of ``file``, with keys in ``keys``; thread-safe."""

    def __init__(self, file: Path, keys: SecretBox) -> None:
        self._file = file
        self._keys = keys
        self._lock = threading.Lock()
        loaded = _load(file)
        self._providers = {p.id: p for p in loaded.providers}
        self._failover = list(loaded.failover)

    @property
    def key_store(self) -> str:
        """Where API keys are kept."""
        return self._keys.where

    def providers(self) -> list[StoredProvider]:
        """The remote providers, in the order they were added."""
        with self._lock:
            return list(self._providers.values())

    def get(self, provider_id: str) -> StoredProvider:
        """One remote provider; ``NotFound`` when there is none with that id."""
        with self._lock:
            found = self._providers.get(provider_id)
        if found is None:
            raise NotFound(f"There is no provider {provider_id!r}.")
        return found

    def api_key(self, provider_id: str) -> str | None:
        """The provider's stored API key, or None."""
        return self._keys.get(_key(provider_id)) or None

    def add(self, config: ProviderConfig, api_key: str | None) -> StoredProvider:
        """Store a new provider (and its key); return it with its new id."""
        stored = StoredProvider(id=f"p-{secrets.token_hex(4)}", config=config)
        if api_key:
            self._keys.set(_key(stored.id), api_key)
        with self._lock:
            self._providers[stored.id] = stored
            self._save()
        return stored

    def update(
        self, provider_id: str, config: ProviderConfig, api_key: str | None
    ) -> StoredProvider:
        """Replace a provider's set-up; ``api_key`` None keeps the key, "" removes it."""
        self.get(provider_id)
        if api_key == "":
            self._keys.delete(_key(provider_id))
        elif api_key is not None:
            self._keys.set(_key(provider_id), api_key)
        stored = StoredProvider(id=provider_id, config=config)
        with self._lock:
            self._providers[provider_id] = stored
            self._save()
        return stored

    def remove(self, provider_id: str) -> None:
        """Forget a provider, its key, and every failover rule or step that names it."""
        self.get(provider_id)
        self._keys.delete(_key(provider_id))
        with self._lock:
            del self._providers[provider_id]
            self._failover = [
                rule.model_copy(
                    update={"targets": [t for t in rule.targets if t.provider_id != provider_id]}
                )
                for rule in self._failover
                if rule.provider_id != provider_id
            ]
            self._save()

    def failover(self) -> list[FailoverRule]:
        """Every failover rule."""
        with self._lock:
            return list(self._failover)

    def set_failover(self, rule: FailoverRule) -> None:
        """Replace the rule of ``rule``'s primary; a rule with nothing to do is removed."""
        known = {LOCAL_PROVIDER_ID, *self._providers}
        for provider_id in (rule.provider_id, *(t.provider_id for t in rule.targets)):
            if provider_id not in known:
                raise NotFound(f"There is no provider {provider_id!r}.")
        with self._lock:
            kept = [
                r
                for r in self._failover
                if (r.provider_id, r.model) != (rule.provider_id, rule.model)
            ]
            if rule.targets or rule.policy != "off":
                kept.append(rule)
            self._failover = kept
            self._save()

    def _save(self) -> None:
        document = _File(providers=list(self._providers.values()), failover=self._failover)
        try:
            write_atomic(self._file, document.model_dump_json(indent=2).encode())
        except OSError as exc:
            raise ConfigError(f"Could not save {self._file.name}.", detail=str(exc)) from exc


def _load(file: Path) -> _File:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _File()
    except OSError as exc:
        raise ConfigError(f"Could not read {file}.", detail=str(exc)) from exc
    try:
        return _File.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        aside = set_aside(file)
        log.warning("%s was damaged and is kept at %s: %s", file.name, aside, exc)
        return _File()
