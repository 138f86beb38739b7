"""Fixtures for the settings tests: a private home, an empty working directory, a service."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from backend.config import ConfigService
from backend.paths import AppPaths

ServiceFactory = Callable[..., ConfigService]
FileWriter = Callable[[object], Path]


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    """A home of its own under ``tmp_path``."""
    return AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs", tmp_path / "cache")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The working directory the service looks for ``.env`` in (empty unless a test writes one)."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture
def make_service(paths: AppPaths, workdir: Path) -> ServiceFactory:
    """Build a service on ``paths`` with no environment variables unless given."""

    def make(
        *, environ: Mapping[str, str] | None = None, cli: Mapping[str, object] | None = None
    ) -> ConfigService:
        return ConfigService(paths, environ=environ or {}, cwd=workdir, cli=cli)

    return make


@pytest.fixture
def write_settings(paths: AppPaths) -> FileWriter:
    """Write ``settings.json``: a str as is, anything else as JSON."""

    def write(content: object) -> Path:
        paths.config_dir.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content)
        paths.settings_file.write_text(text)
        return paths.settings_file

    return write
