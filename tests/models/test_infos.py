"""What the page lists (metadata, source, selection, fit) and what a launch uses."""

from __future__ import annotations

from pathlib import Path

from backend.config import EngineSettings
from backend.models import launch_engine
from backend.models._model import model_id
from backend.paths import AppPaths

from .conftest import CatalogueFactory, GGUFFactory

_KV_PER_TOKEN = 30 * 3 * 128 * 2  # SmolLM2: layers * (k + v) * kv width * f16


def test_infos_carry_metadata_source_and_the_fit_at_the_engine_context(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    catalogue = make_catalogue(available_memory=lambda: 8_000_000_000)
    [info] = catalogue.infos(EngineSettings(context_size=2048))
    assert (info.source, info.is_default, info.selected) == ("default", True, True)
    assert (info.architecture, info.parameters, info.quantization) == ("llama", 134_515_008, "Q4_1")
    assert (info.context_length, info.has_chat_template) == (8192, True)
    assert info.fit is not None
    assert (info.fit.fits, info.fit.context_size, info.fit.warning) == (True, 2048, None)
    assert info.fit.needed_bytes == default_model.stat().st_size + _KV_PER_TOKEN * 2048
    assert info.fit.available_bytes == 8_000_000_000


def test_a_models_own_context_size_is_the_one_its_fit_is_estimated_at(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    catalogue = make_catalogue(available_memory=lambda: 100_000_000)
    catalogue.save_settings(model_id(default_model), {"context_size": 16384})
    [info] = catalogue.infos(EngineSettings(context_size=2048))
    assert info.fit is not None
    assert info.fit.context_size == 16384
    assert not info.fit.fits
    assert info.fit.warning is not None
    assert "only 100.0 MB is free" in info.fit.warning


def test_selection_follows_engine_model_and_broken_files_have_no_fit(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths, tmp_path: Path
) -> None:
    small = make_gguf(app_paths.models_dir / "small.gguf")
    (app_paths.models_dir / "broken.gguf").write_bytes(b"not a gguf at all")
    catalogue = make_catalogue()
    linked = catalogue.link(make_gguf(tmp_path / "elsewhere" / "linked.gguf"))

    infos = {info.name: info for info in catalogue.infos(EngineSettings(model=small))}

    assert {name: info.source for name, info in infos.items()} == {
        "SmolLM2-135M-Instruct.Q4_1": "default",
        "small": "folder",
        "broken": "folder",
        "linked": "linked",
    }
    assert [name for name, info in infos.items() if info.selected] == ["small"]
    assert infos["broken"].error is not None
    assert infos["broken"].fit is None
    assert infos["linked"].id == linked.id
    assert infos["linked"].fit is not None


def test_a_launch_uses_the_selected_models_load_settings(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    small = make_gguf(app_paths.models_dir / "small.gguf")
    catalogue = make_catalogue()
    catalogue.save_settings(model_id(small), {"context_size": 512, "extra_args": ["--mlock"]})
    engine = EngineSettings(model=small, context_size=4096, threads=3)

    launched = launch_engine(catalogue, engine)

    assert (launched.context_size, launched.threads, launched.extra_args) == (512, 3, ["--mlock"])
    assert launched.model == small
    assert launch_engine(catalogue, engine.model_copy(update={"model": None})) == EngineSettings(
        context_size=4096, threads=3
    )


def test_an_unlisted_model_launches_with_the_engine_settings_unchanged(
    make_catalogue: CatalogueFactory, tmp_path: Path
) -> None:
    engine = EngineSettings(model=tmp_path / "gone.gguf", context_size=1024)
    catalogue = make_catalogue()
    assert catalogue.selected(engine) is None
    assert launch_engine(catalogue, engine) == engine
