"""Per-model load settings and the memory fit estimate."""

from __future__ import annotations

import json
from pathlib import Path

import psutil
import pytest
from pydantic import BaseModel

from backend.config import EngineSettings
from backend.errors import InvalidArgument, ModelError, NotFound
from backend.models import ModelLoadSettings
from backend.models._fit import estimate_fit, format_bytes
from backend.models._model import model_id
from backend.paths import AppPaths

from .conftest import CatalogueFactory, GGUFFactory


def _bounds(model: type[BaseModel], name: str) -> list[object]:
    return [repr(item) for item in model.model_fields[name].metadata]


@pytest.mark.parametrize("name", ["context_size", "threads", "gpu_layers"])
def test_bounds_match_the_engine_settings(name: str) -> None:
    assert _bounds(ModelLoadSettings, name) == _bounds(EngineSettings, name)


def test_settings_round_trip_and_persist(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    ident = model_id(default_model)
    catalogue = make_catalogue()
    assert catalogue.load_settings(ident) == ModelLoadSettings()

    saved = catalogue.save_settings(ident, {"context_size": 8192, "extra_args": ["--mlock"]})

    assert saved == ModelLoadSettings(context_size=8192, extra_args=["--mlock"])
    assert make_catalogue().load_settings(ident) == saved
    catalogue.save_settings(ident, {})
    assert make_catalogue().load_settings(ident) == ModelLoadSettings()


def test_settings_override_the_engine_settings() -> None:
    engine = EngineSettings(context_size=4096, threads=4, gpu_layers=10, extra_args=["--a"])
    merged = ModelLoadSettings(context_size=16384, gpu_layers=-1).apply(engine)
    assert (merged.context_size, merged.threads, merged.gpu_layers) == (16384, 4, -1)
    assert merged.extra_args == ["--a"]
    assert engine.context_size == 4096


def test_invalid_settings_name_each_field(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    catalogue = make_catalogue()
    ident = model_id(default_model)
    with pytest.raises(InvalidArgument) as caught:
        catalogue.save_settings(ident, {"context_size": 10, "threads": -1, "colour": "red"})
    assert {error.field for error in caught.value.fields} == {"context_size", "threads", "colour"}
    assert catalogue.load_settings(ident) == ModelLoadSettings()
    with pytest.raises(NotFound):
        catalogue.save_settings("unknown", {})
    with pytest.raises(NotFound):
        catalogue.load_settings("unknown")


def test_hand_edited_invalid_settings_fall_back_to_unset(
    make_catalogue: CatalogueFactory, default_model: Path, app_paths: AppPaths
) -> None:
    ident = model_id(default_model)
    app_paths.data_dir.mkdir(parents=True)
    document = {"models": {ident: {"context_size": 1}}}
    (app_paths.data_dir / "model-settings.json").write_text(json.dumps(document))
    assert make_catalogue().load_settings(ident) == ModelLoadSettings()


def test_removing_a_model_drops_its_settings(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    path = make_gguf(app_paths.models_dir / "a.gguf")
    catalogue = make_catalogue()
    catalogue.save_settings(model_id(path), {"threads": 2})
    catalogue.remove(model_id(path), delete_file=False)
    catalogue.link(path)
    assert catalogue.load_settings(model_id(path)) == ModelLoadSettings()


def test_fit_of_the_real_model(make_catalogue: CatalogueFactory, default_model: Path) -> None:
    catalogue = make_catalogue(available_memory=lambda: 8_000_000_000)
    estimate = catalogue.fit(model_id(default_model), 4096)
    kv = 30 * 3 * 128 * 2 * 4096
    assert estimate.kv_cache_bytes == kv
    assert estimate.needed_bytes == default_model.stat().st_size + kv
    assert estimate.available_bytes == 8_000_000_000
    assert estimate.fits
    assert estimate.warning is None


def test_fit_warns_but_never_refuses(make_catalogue: CatalogueFactory, default_model: Path) -> None:
    catalogue = make_catalogue(available_memory=lambda: 50_000_000)
    estimate = catalogue.fit(model_id(default_model), 8192)
    assert not estimate.fits
    assert estimate.warning is not None
    assert estimate.warning.startswith("Needs about 287.1 MB (including 188.7 MB for 8192 tokens")
    assert "only 50.0 MB is free" in estimate.warning


def test_fit_with_the_real_free_memory(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    estimate = make_catalogue().fit(model_id(default_model), 2048)
    assert estimate.available_bytes > 0
    with pytest.raises(InvalidArgument):
        make_catalogue().fit(model_id(default_model), 0)


def test_fit_tight_and_unknown_shape() -> None:
    tight = estimate_fit(900, 0, 100, 1000)
    assert tight.fits
    assert tight.warning == (
        "Needs about 900 B (including 0 B for 100 tokens of context) of the 1.0 kB free; "
        "it will be tight."
    )
    unknown = estimate_fit(100, None, 100, 10_000)
    assert (unknown.kv_cache_bytes, unknown.needed_bytes) == (None, 100)
    assert unknown.warning is not None
    assert "could not be estimated" in unknown.warning


def test_format_bytes() -> None:
    assert [format_bytes(n) for n in (999, 1500, 2_500_000, 7_000_000_000, 3 * 10**12)] == [
        "999 B",
        "1.5 kB",
        "2.5 MB",
        "7.0 GB",
        "3.0 TB",
    ]


def test_free_memory_errors_are_translated(
    make_catalogue: CatalogueFactory, default_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> object:
        raise OSError("no /proc")

    monkeypatch.setattr(psutil, "virtual_memory", broken)
    with pytest.raises(ModelError, match="how much memory is free"):
        make_catalogue().fit(model_id(default_model), 2048)


def test_hand_broken_settings_sections_are_replaced(
    make_catalogue: CatalogueFactory, default_model: Path, app_paths: AppPaths
) -> None:
    ident = model_id(default_model)
    app_paths.data_dir.mkdir(parents=True)
    (app_paths.data_dir / "model-settings.json").write_text('{"models": [1, 2]}')
    (app_paths.data_dir / "models.json").write_text('{"linked": "x", "hidden": 5}')
    catalogue = make_catalogue()
    assert len(catalogue.models()) == 1
    assert catalogue.load_settings(ident) == ModelLoadSettings()
    catalogue.save_settings(ident, {"threads": 3})
    assert make_catalogue().load_settings(ident) == ModelLoadSettings(threads=3)
