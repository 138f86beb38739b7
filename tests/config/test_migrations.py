"""Settings file migrations: one test per migration, from real files of the old shape."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.config import SETTINGS_SCHEMA_VERSION, ConfigService
from backend.config._migrations import MIGRATIONS, MigrationError, m001_sections, migrate
from backend.paths import AppPaths

ServiceFactory = Callable[..., ConfigService]

V0_FILE = {
    "server_path": "/opt/llama/llama-server",
    "model_path": "/models/qwen.gguf",
    "ctx_size": 8192,
    "temperature": 0.4,
    "theme": "auto",
}


def test_one_named_migration_per_schema_version() -> None:
    assert len(MIGRATIONS) == SETTINGS_SCHEMA_VERSION
    for number, step in enumerate(MIGRATIONS, start=1):
        assert re.fullmatch(rf"m{number:03d}_[a-z0-9_]+", step.__name__)
        assert step.__doc__


def test_m001_moves_flat_v0_keys_into_sections() -> None:
    assert m001_sections(dict(V0_FILE)) == {
        "engine": {
            "server_binary": "/opt/llama/llama-server",
            "model": "/models/qwen.gguf",
            "context_size": 8192,
        },
        "generation": {"temperature": 0.4},
        "appearance": {"theme": "system"},
    }


def test_m001_keeps_other_themes_and_missing_keys_stay_missing() -> None:
    assert m001_sections({"theme": "dark"}) == {"appearance": {"theme": "dark"}}
    assert m001_sections({}) == {}


def test_migrate_stamps_the_current_version_and_reports_the_old_one() -> None:
    doc, version = migrate({"ctx_size": 512})
    assert (doc, version) == ({"engine": {"context_size": 512}, "schema_version": 1}, 0)
    current = {"schema_version": 1, "engine": {"port": 1}}
    assert migrate(current) == (current, 1)


@pytest.mark.parametrize("version", [-1, True, "1", 1.0, None])
def test_migrate_rejects_versions_that_are_not_numbers(version: object) -> None:
    with pytest.raises(MigrationError, match="is not a version number"):
        migrate({"schema_version": version})


def test_a_file_a_migration_cannot_handle_is_unusable_not_a_crash(
    make_service: ServiceFactory, write_settings: Callable[[object], Path]
) -> None:
    with pytest.raises(MigrationError, match="m001_sections cannot migrate it"):
        migrate({"theme": "auto", "appearance": 5})
    write_settings({"theme": "auto", "appearance": 5})
    service = make_service()
    assert "m001_sections cannot migrate it" in service.warnings[0]


def test_opening_a_v0_file_migrates_it_on_disk_and_keeps_the_original(
    make_service: ServiceFactory, paths: AppPaths, write_settings: Callable[[object], Path]
) -> None:
    write_settings(V0_FILE)
    original = paths.settings_file.read_bytes()

    service = make_service()

    assert service.warnings == []
    assert service.settings.engine.server_binary == Path("/opt/llama/llama-server")
    assert service.settings.engine.context_size == 8192
    assert service.settings.appearance.theme == "system"
    assert json.loads(paths.settings_file.read_text())["schema_version"] == 1
    assert paths.settings_file.with_name("settings.json.bak").read_bytes() == original


def test_a_v0_backup_is_migrated_when_it_is_used(
    make_service: ServiceFactory, paths: AppPaths, write_settings: Callable[[object], Path]
) -> None:
    write_settings("{")
    paths.settings_file.with_name("settings.json.bak").write_text(json.dumps({"ctx_size": 2048}))
    service = make_service()
    assert service.settings.engine.context_size == 2048
    assert json.loads(paths.settings_file.read_text()) == {
        "schema_version": 1,
        "engine": {"context_size": 2048},
    }
