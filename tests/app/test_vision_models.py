"""Vision models through the assembled app and the real llama-server: a model paired with the
projector beside it is launched with ``--mmproj``; a projector llama-server refuses gives a
readable error naming it, and the previous model comes back; ``/props`` says whether the loaded
model sees.

No vision GGUF small enough for the tests is in the registries this project reaches, so the
projector here is a GGUF whose header says ``mmproj`` but which lacks the encoder
(``tests.models.conftest.write_projector``); the model beside it is a hard link of SmolLM2 (a
second path, so a second model, without copying 98 MB).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.models.conftest import write_projector
from tests.waiting import wait_until


@pytest.fixture
def runtime(app_paths: AppPaths) -> Iterator[AppRuntime]:
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli={})) as running:
        yield running


def _ready(runtime: AppRuntime) -> dict[str, Any]:
    def status() -> dict[str, Any] | None:
        found: dict[str, Any] = runtime.api.get_server_status({})["result"]
        return found if found["state"] == "ready" else None

    return wait_until(
        status,
        timeout_s=60.0,
        interval_s=0.05,
        message=lambda: runtime.api.get_server_status({})["result"],
    )


def _second_path(model: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(model, target)
    except OSError:
        shutil.copyfile(model, target)
    return target


@pytest.mark.real_server
def test_a_refused_projector_is_named_and_the_previous_model_comes_back(
    runtime: AppRuntime, app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    before = _ready(runtime)
    folder = app_paths.models_dir / "HuggingFaceTB" / "SmolVLM-fake"
    _second_path(default_model, folder / "SmolVLM-fake-Q4_1.gguf")
    projector = write_projector(folder / "mmproj-SmolVLM-fake-f16.gguf", projection_dim=576)
    listed = {m["name"]: m for m in runtime.api.refresh_models({})["result"]}
    assert sorted(listed) == ["SmolLM2-135M-Instruct.Q4_1", "SmolVLM-fake-Q4_1"]
    assert listed["SmolVLM-fake-Q4_1"]["projector"] == str(projector)
    assert runtime.api.get_server_defaults({})["result"]["vision"] is False

    answer = runtime.api.select_model({"model_id": listed["SmolVLM-fake-Q4_1"]["id"]})

    error = answer["error"]
    assert error["code"] == "model_invalid", error
    assert error["message"] == (
        "SmolVLM-fake-Q4_1 failed to load: llama-server could not load the vision projector "
        "mmproj-SmolVLM-fake-f16.gguf: Key not found: clip.vision.embedding_length. "
        "SmolLM2-135M-Instruct.Q4_1 is loaded again."
    )
    assert "Settings → Models" in error["detail"]
    launches = [line for line in runtime.services.monitor.logs(2000) if "launching:" in line]
    assert any(f"--mmproj {projector}" in line for line in launches), launches
    after = _ready(runtime)
    assert (after["model"], after["pid"] != before["pid"]) == (default_model.name, True)


@pytest.mark.real_server
def test_a_projector_chosen_in_the_load_settings_is_launched(
    runtime: AppRuntime, app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    _ready(runtime)
    [default] = runtime.api.list_models({})["result"]
    assert default["projector"] is None
    wrong = runtime.api.save_model_settings(
        {"model_id": default["id"], "settings": {"mmproj_file": str(default_model)}}
    )
    assert wrong["error"]["code"] == "invalid_argument"
    assert wrong["error"]["fields"][0]["field"] == "settings.mmproj_file"
    assert "is a model, not a vision projector" in wrong["error"]["message"]
    projector = write_projector(app_paths.data_dir / "projectors" / "mmproj-x.gguf")
    saved = runtime.api.save_model_settings(
        {"model_id": default["id"], "settings": {"mmproj_file": str(projector)}}
    )
    assert saved["result"]["mmproj_file"] == str(projector)
    assert runtime.api.list_models({})["result"][0]["projector"] == str(projector)

    restarted = runtime.api.restart_server({})

    assert restarted["error"]["code"] == "model_invalid", restarted
    assert "vision projector mmproj-x.gguf" in restarted["error"]["message"]
    status = runtime.api.get_server_status({})["result"]
    assert status["state"] == "failed", "the same refusal every time: no restart loop"
    runtime.api.save_model_settings({"model_id": default["id"], "settings": {}})
    assert runtime.api.restart_server({})["result"]["state"] == "ready"
    assert runtime.api.get_server_defaults({})["result"]["vision"] is False
