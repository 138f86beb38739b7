"""The settings form (schema and defaults) as the CLI prints it and the frontend mock uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.__main__ import main
from backend.config import ConfigService, default_form
from backend.paths import AppPaths

MOCK_FIXTURE = Path(__file__).parents[2] / "frontend/src/lib/services/mock/settings-fixture.json"


def test_default_form_is_the_view_of_untouched_settings(tmp_path: Path) -> None:
    service = ConfigService(
        AppPaths(tmp_path, tmp_path, tmp_path, tmp_path), environ={}, cwd=tmp_path
    )
    view = service.view()
    assert default_form() == {"json_schema": view.json_schema, "values": view.values}


def test_the_frontend_mock_uses_the_backends_form() -> None:
    snapshot = json.loads(MOCK_FIXTURE.read_text(encoding="utf-8"))
    assert snapshot == default_form(), "stale mock settings: run `python build.py types`"


def test_config_defaults_prints_the_form_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--defaults"]) == 0
    assert json.loads(capsys.readouterr().out) == default_form()
