"""Vision projectors: recognised by their header, never listed as models, paired with their model,
chosen per model, and passed to llama-server as ``--mmproj`` (single server and router)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backend.config import EngineSettings, Settings
from backend.errors import InvalidArgument
from backend.models import launch_engine, plan_router
from backend.models._gguf import read_header
from backend.models._model import model_id
from backend.models._projector import as_projector, best_projector, is_projector
from backend.paths import AppPaths
from backend.server import build_argv, preset_text

from .conftest import CatalogueFactory, write_gguf, write_projector


def test_a_projector_is_recognised_by_its_header_not_its_name(tmp_path: Path) -> None:
    modern = write_projector(tmp_path / "vision-encoder.gguf")
    legacy = write_projector(tmp_path / "old.gguf", legacy=True, audio=True)
    model = write_gguf(tmp_path / "mmproj-looking-model.gguf")

    assert is_projector(read_header(modern))
    assert is_projector(read_header(legacy))
    assert not is_projector(read_header(model))
    described = as_projector(legacy, read_header(legacy))
    assert (described.projection_dim, described.vision, described.audio) == (64, True, True)


def test_the_projector_beside_a_model_is_paired_and_not_listed(
    make_catalogue: CatalogueFactory, app_paths: AppPaths
) -> None:
    folder = app_paths.models_dir / "ggml-org" / "gemma-3-4b-it-GGUF"
    model = write_gguf(folder / "gemma-3-4b-it-Q4_K_M.gguf")
    projector = write_projector(folder / "mmproj-gemma-3-4b-it-f16.gguf")

    catalogue = make_catalogue()
    models = {m.name: m for m in catalogue.models()}

    assert sorted(models) == ["SmolLM2-135M-Instruct.Q4_1", "gemma-3-4b-it-Q4_K_M"]
    assert models["gemma-3-4b-it-Q4_K_M"].projector == projector
    assert models["SmolLM2-135M-Instruct.Q4_1"].projector is None
    infos = {info.name: info for info in catalogue.infos(EngineSettings())}
    assert infos["gemma-3-4b-it-Q4_K_M"].projector == str(projector)
    assert infos["SmolLM2-135M-Instruct.Q4_1"].projector is None
    assert model.exists()


def test_in_a_shared_folder_each_model_gets_the_projector_that_fits_it(
    make_catalogue: CatalogueFactory, app_paths: AppPaths
) -> None:
    folder = app_paths.models_dir
    write_gguf(folder / "qwen2.5-vl-3b-Q4_K_M.gguf", embedding_length=2048, head_count=8)
    write_gguf(folder / "qwen2.5-vl-7b-Q4_K_M.gguf", embedding_length=3584, head_count=8)
    write_gguf(folder / "plain-llama.gguf", embedding_length=96, head_count=4)
    small = write_projector(folder / "mmproj-qwen2.5-vl-3b-f16.gguf", projection_dim=2048)
    large = write_projector(folder / "mmproj-qwen2.5-vl-7b-f16.gguf", projection_dim=3584)
    write_projector(folder / "sub" / "mmproj-plain-llama.gguf", projection_dim=96)

    models = {m.name: m for m in make_catalogue().models()}

    assert models["qwen2.5-vl-3b-Q4_K_M"].projector == small
    assert models["qwen2.5-vl-7b-Q4_K_M"].projector == large
    assert models["plain-llama"].projector is None, "a projector in another folder is not its"


def test_among_projectors_of_unknown_width_the_closest_name_wins(tmp_path: Path) -> None:
    first = write_projector(tmp_path / "mmproj-llava-v1.6-mistral.gguf", projection_dim=None)
    second = write_projector(tmp_path / "mmproj-moondream2.gguf", projection_dim=None)
    found = [as_projector(path, read_header(path)) for path in (first, second)]

    assert best_projector(tmp_path / "moondream2-text-model-f16.gguf", 2048, found) == second
    assert best_projector(tmp_path / "llava-v1.6-mistral-7b.Q4.gguf", None, found) == first
    assert best_projector(tmp_path / "elsewhere" / "m.gguf", None, found) is None


def test_a_linked_model_finds_the_projector_beside_it(
    make_catalogue: CatalogueFactory, tmp_path: Path
) -> None:
    outside = tmp_path / "Downloads"
    model = write_gguf(outside / "SmolVLM-256M-Instruct-Q8_0.gguf")
    projector = write_projector(outside / "mmproj-SmolVLM-256M-Instruct-Q8_0.gguf")

    catalogue = make_catalogue()
    linked = catalogue.link(model)

    assert linked.projector == projector
    assert sorted(m.name for m in catalogue.models()) == [
        "SmolLM2-135M-Instruct.Q4_1",
        "SmolVLM-256M-Instruct-Q8_0",
    ]


def test_a_projector_chosen_in_the_load_settings_wins_and_is_checked(
    make_catalogue: CatalogueFactory, app_paths: AppPaths, tmp_path: Path
) -> None:
    model = write_gguf(app_paths.models_dir / "m.gguf")
    write_projector(app_paths.models_dir / "mmproj-m.gguf")
    chosen = write_projector(tmp_path / "elsewhere" / "mmproj-better.gguf")
    catalogue = make_catalogue()
    ident = model_id(model)

    catalogue.save_settings(ident, {"mmproj_file": str(chosen)})

    engine = launch_engine(catalogue, EngineSettings(model=model, context_size=1024))
    assert (engine.mmproj_file, engine.context_size) == (chosen, 1024)
    [info] = [i for i in catalogue.infos(EngineSettings()) if i.id == ident]
    assert info.projector == str(chosen)


@pytest.mark.parametrize(
    ("make_path", "reason"),
    [
        (lambda tmp: str(tmp / "missing.gguf"), "There is no file at"),
        (lambda tmp: str(write_gguf(tmp / "a-model.gguf")), "is a model, not a vision projector"),
        (lambda tmp: "relative/mmproj.gguf", "Give the full path"),
    ],
)
def test_a_wrong_projector_setting_is_refused_naming_the_field(
    make_catalogue: CatalogueFactory,
    app_paths: AppPaths,
    tmp_path: Path,
    make_path: Callable[[Path], str],
    reason: str,
) -> None:
    model = write_gguf(app_paths.models_dir / "m.gguf")
    catalogue = make_catalogue()
    path = make_path(tmp_path)

    with pytest.raises(InvalidArgument) as caught:
        catalogue.save_settings(model_id(model), {"mmproj_file": path})

    assert reason in caught.value.message
    assert [field.field for field in caught.value.fields] == ["settings.mmproj_file"]
    assert catalogue.load_settings(model_id(model)).mmproj_file is None, "nothing saved"


def test_the_launch_passes_the_projector_to_the_server_and_the_router(
    make_catalogue: CatalogueFactory, app_paths: AppPaths
) -> None:
    model = write_gguf(app_paths.models_dir / "vlm.gguf")
    projector = write_projector(app_paths.models_dir / "mmproj-vlm.gguf")
    catalogue = make_catalogue()
    settings = Settings.model_validate({"engine": {"model": str(model)}})

    engine = launch_engine(catalogue, settings.engine)
    argv = build_argv(
        engine, binary=Path("/bin/llama-server"), model=model, port=1, slot_dir=app_paths.slot_dir
    )
    preset = preset_text(plan_router(catalogue, settings).models)

    assert argv[argv.index("--mmproj") + 1] == str(projector)
    assert f"mmproj = {projector}" in preset
    assert preset.count("mmproj =") == 1, "SmolLM2 has none"
    default = launch_engine(catalogue, EngineSettings())
    assert default.mmproj_file is None
    assert "mmproj_file" not in default.model_dump(), "never saved as a setting of its own"
