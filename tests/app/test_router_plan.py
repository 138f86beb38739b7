"""The router's plan from the catalogue: readable unique names, load settings, the selection."""

from __future__ import annotations

from pathlib import Path

from backend.config import Settings
from backend.models import ModelCatalogue, plan_router
from backend.paths import AppPaths
from tests.models.conftest import write_gguf


def test_models_are_named_readably_and_uniquely(app_paths: AppPaths, tmp_path: Path) -> None:
    write_gguf(tmp_path / "one" / "same.gguf")
    write_gguf(tmp_path / "two" / "same.gguf")
    write_gguf(tmp_path / "one" / "odd [name].gguf")
    (tmp_path / "one" / "broken.gguf").write_bytes(b"not a model")
    catalogue = ModelCatalogue(app_paths, [tmp_path / "one", tmp_path / "two"])
    ids = {m.path: m.id for m in catalogue.models()}
    catalogue.save_settings(ids[tmp_path / "two" / "same.gguf"], {"context_size": 1024})
    settings = Settings.model_validate(
        {"engine": {"model": str(tmp_path / "one" / "odd [name].gguf"), "context_size": 2048}}
    )

    plan = plan_router(catalogue, settings)

    named = {model.path: model for model in plan.models}
    assert tmp_path / "one" / "broken.gguf" not in named, "an invalid file is not offered"
    first, second = named[tmp_path / "one" / "same.gguf"], named[tmp_path / "two" / "same.gguf"]
    assert first.name == f"same-{first.id[:6]}"
    assert second.name == f"same-{second.id[:6]}"
    assert (first.engine.context_size, second.engine.context_size) == (2048, 1024)
    odd = named[tmp_path / "one" / "odd [name].gguf"]
    assert odd.name == "odd_name_"
    assert plan.selected == odd.name
    assert any(model.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" for model in plan.models)
