"""Where secrets live: the OS keyring when there is one, else a 0600 file.

``keyring`` picks the platform's store (macOS Keychain, Windows Credential Locker, the Secret
Service on Linux desktops). Where it finds none it answers with its ``fail`` backend (priority 0),
as on a headless Linux machine or in CI; then, and whenever the keyring refuses a call, the
secret goes to the store's file instead (``tool-secrets.json``, ``secrets.json``), written
atomically and readable by its owner only (mode 0600, put back if someone widened it). Reads
look in the keyring first, then the file, so a value written while the keyring was locked is
still found.

Values never pass through logging: errors name the key (e.g. ``server/env/NAME``), not the value.
"""

from __future__ import annotations

import json
import logging
import stat
import threading
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors

from ..errors import ConfigError
from ..files import write_atomic

__all__ = ["SecretStore"]

log = logging.getLogger(__name__)

_OWNER_ONLY = 0o600

_file_locks: dict[Path, threading.Lock] = {}
_file_locks_guard = threading.Lock()


def _lock_for(file: Path) -> threading.Lock:
    """One lock per secrets file, shared by every store on it (providers and the local API
    keep their keys in the same file), so two changes at once cannot drop one."""
    with _file_locks_guard:
        return _file_locks.setdefault(file.resolve(), threading.Lock())


def _usable_keyring() -> keyring.backend.KeyringBackend | None:
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring):
        return None
    try:
        priority = float(backend.priority)
    except Exception:
        return None
    return backend if priority > 0 else None


class SecretStore:
    """Secrets by key, in the OS keyring (``service`` names this home's entries) or a file."""

    def __init__(self, file: Path, service: str, *, use_keyring: bool = True) -> None:
        self._file = file
        self._lock = _lock_for(file)
        self._service = service
        self._keyring = _usable_keyring() if use_keyring else None

    @property
    def where(self) -> str:
        """Where new secrets go, for the page and the README's promise."""
        if self._keyring is not None:
            return f"the OS keyring ({type(self._keyring).__name__})"
        return f"the file {self._file} (readable only by you)"

    def get(self, key: str) -> str | None:
        """The secret stored under ``key``, or None."""
        if self._keyring is not None:
            try:
                value = self._keyring.get_password(self._service, key)
            except keyring.errors.KeyringError as exc:
                log.warning("The keyring could not read %s (%s); trying the file", key, exc)
            else:
                if value is not None:
                    return value
        return self._read_file().get(key)

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any older value."""
        if self._keyring is not None:
            try:
                self._keyring.set_password(self._service, key, value)
            except keyring.errors.KeyringError as exc:
                log.warning("The keyring refused %s (%s); keeping it in the file", key, exc)
            else:
                self._drop_from_file(key)
                return
        with self._lock:
            values = self._read_file()
            values[key] = value
            self._write_file(values)

    def delete(self, key: str) -> None:
        """Forget ``key`` wherever it is."""
        if self._keyring is not None:
            try:
                self._keyring.delete_password(self._service, key)
            except keyring.errors.PasswordDeleteError:
                pass  # it was not there
            except keyring.errors.KeyringError as exc:
                log.warning("The keyring could not delete %s (%s)", key, exc)
        self._drop_from_file(key)

    def _drop_from_file(self, key: str) -> None:
        with self._lock:
            values = self._read_file()
            if values.pop(key, None) is not None:
                self._write_file(values)

    def _read_file(self) -> dict[str, str]:
        try:
            mode = self._file.stat().st_mode
        except FileNotFoundError:
            return {}
        if stat.S_IMODE(mode) != _OWNER_ONLY:
            self._file.chmod(_OWNER_ONLY)
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                "The secrets file cannot be read.", detail=f"{self._file}: {exc}"
            ) from exc
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ConfigError(
                "The secrets file is not a JSON object of strings.", detail=str(self._file)
            )
        return {str(key): value for key, value in data.items()}

    def _write_file(self, values: dict[str, str]) -> None:
        self._file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self._file, json.dumps(values, indent=1, sort_keys=True).encode())
        self._file.chmod(_OWNER_ONLY)  # mkstemp makes it 0600 already; say so explicitly
