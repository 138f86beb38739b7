"""The secret store: keyring first, else a file only its owner can read; values never logged."""

from __future__ import annotations

import json
import logging
import stat
import threading
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from backend.errors import ConfigError
from backend.secrets import SecretStore


def test_values_are_set_replaced_and_deleted(tmp_path: Path) -> None:
    secrets = SecretStore(tmp_path / "secrets.json", "test", use_keyring=False)
    assert secrets.get("k") is None
    secrets.set("k", "one")
    secrets.set("k", "two")
    assert SecretStore(tmp_path / "secrets.json", "test", use_keyring=False).get("k") == "two"
    secrets.delete("k")
    secrets.delete("never-there")
    assert secrets.get("k") is None


def test_the_secrets_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    secrets = SecretStore(tmp_path / "secrets.json", "test", use_keyring=False)
    secrets.set("k", "v")
    path = tmp_path / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    assert secrets.get("k") == "v"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secrets.json" in secrets.where


def test_the_fail_keyring_falls_through_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring, "get_keyring", keyring.backends.fail.Keyring)
    secrets = SecretStore(tmp_path / "secrets.json", "test")
    secrets.set("k", "v")
    assert secrets.get("k") == "v"
    assert json.loads((tmp_path / "secrets.json").read_text()) == {"k": "v"}
    assert secrets.where.startswith("the file ")


def test_a_damaged_file_is_a_config_error_that_does_not_show_the_values(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "secrets.json"
    path.write_text('{"k": 42, "other": "sk-hidden"}')
    path.chmod(0o600)
    secrets = SecretStore(path, "test", use_keyring=False)
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as caught:
        secrets.get("k")
    assert "not a JSON object of strings" in str(caught.value)
    assert "sk-hidden" not in str(caught.value) + caplog.text


def test_two_stores_on_one_file_lose_no_change(tmp_path: Path) -> None:
    """Providers and the local API each have a store on the same file."""
    stores = [SecretStore(tmp_path / "secrets.json", "test", use_keyring=False) for _ in "ab"]

    def write(store: SecretStore, prefix: str) -> None:
        for n in range(40):
            store.set(f"{prefix}{n}", "v")

    threads = [
        threading.Thread(target=write, args=(s, p)) for s, p in zip(stores, "ab", strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert sorted(stored) == sorted(f"{p}{n}" for p in "ab" for n in range(40))
