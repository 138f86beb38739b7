"""The catalogue: sources, metadata, split and broken files, linking, removing, caching."""

from __future__ import annotations

import errno
import importlib
import os
import tempfile
from pathlib import Path

import pytest

import backend.models
from backend.errors import InvalidArgument, ModelError, NotFound, StorageError
from backend.models import Model, ModelCatalogue
from backend.models import _catalogue as catalogue_module
from backend.models._gguf import GGUFHeader, read_header
from backend.models._model import model_id
from backend.paths import AppPaths

from .conftest import CatalogueFactory, GGUFFactory


def _by_name(catalogue: ModelCatalogue) -> dict[str, Model]:
    return {model.name: model for model in catalogue.models()}


@pytest.mark.parametrize(
    "module",
    [
        "backend.models",
        "backend.models._catalogue",
        "backend.models._download",
        "backend.models._download_files",
        "backend.models._download_http",
        "backend.models._download_job",
        "backend.models._files",
        "backend.models._fit",
        "backend.models._gguf",
        "backend.models._jsonfile",
        "backend.models._selection",
        "backend.models._settings",
    ],
)
def test_all_is_sorted_and_names_exist(module: str) -> None:
    names = importlib.import_module(module).__all__
    assert names == sorted(names)
    assert all(hasattr(importlib.import_module(module), name) for name in names)


def test_package_exports_the_public_api() -> None:
    public = {name for name in vars(backend.models) if not name.startswith("_")}
    assert set(backend.models.__all__) == public


def test_default_model_with_real_metadata(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    [model] = make_catalogue().models()
    assert model.is_default
    assert model.source == "default"
    assert model.name == "SmolLM2-135M-Instruct.Q4_1"
    assert model.path == default_model
    assert model.size_bytes == default_model.stat().st_size
    assert model.architecture == "llama"
    assert model.parameters == 134_515_008
    assert model.quantization == "Q4_1"
    assert model.context_length == 8192
    assert model.has_chat_template
    assert model.error is None
    info = model.info(selected=True)
    assert (info.id, info.is_default, info.selected, info.error) == (model.id, True, True, None)
    assert info.path == str(default_model)


def test_missing_default_model_is_listed_with_a_reason(
    make_catalogue: CatalogueFactory, tmp_path: Path
) -> None:
    [model] = make_catalogue(default_model=tmp_path / "gone.gguf").models()
    assert model.is_default
    assert model.error == "The file no longer exists."


def test_scans_folders_recursively_and_only_visible_gguf(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths, tmp_path: Path
) -> None:
    models_dir = app_paths.models_dir
    make_gguf(models_dir / "top.gguf", context_length=4096)
    make_gguf(models_dir / "org" / "repo" / "nested.GGUF")
    make_gguf(models_dir / ".hidden.gguf")
    make_gguf(models_dir / ".cache" / "inside-hidden-dir.gguf")
    (models_dir / "download.gguf.part").write_bytes(b"GGUF")
    (models_dir / "notes.txt").write_text("hi")
    extra = tmp_path / "extra"
    make_gguf(extra / "elsewhere.gguf")

    models = _by_name(make_catalogue([extra, tmp_path / "missing-folder"]))

    assert set(models) == {"SmolLM2-135M-Instruct.Q4_1", "top", "nested", "elsewhere"}
    top = models["top"]
    assert top.source == "folder"
    assert (top.architecture, top.quantization, top.context_length) == ("llama", "F32", 4096)
    assert top.parameters == 64
    assert top.has_chat_template
    assert top.kv_bytes_per_token == 256
    assert models["elsewhere"].source == "folder"


def test_general_parameter_count_wins_over_the_tensor_sum(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    make_gguf(app_paths.models_dir / "a.gguf", extra={"general.parameter_count": 7_000_000_000})
    make_gguf(app_paths.models_dir / "b.gguf", chat_template=None, context_length=None)
    models = _by_name(make_catalogue())
    assert models["a"].parameters == 7_000_000_000
    assert not models["b"].has_chat_template
    assert models["b"].context_length is None


def test_ids_are_stable_and_follow_the_resolved_path(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    path = make_gguf(app_paths.models_dir / "a.gguf")
    (app_paths.models_dir / "alias.gguf").symlink_to(path)
    first = make_catalogue()
    second = make_catalogue()
    ids = [model.id for model in first.models()]
    assert ids == [model.id for model in second.models()]
    assert len(ids) == 2  # the default and one model: the symlink is the same file
    assert model_id(path) in ids
    assert len(model_id(path)) == 12


def test_broken_files_are_listed_with_a_reason(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    folder = app_paths.models_dir
    folder.mkdir(parents=True)
    (folder / "empty.gguf").touch()
    (folder / "text.gguf").write_text("hello world, not a model")
    cut = make_gguf(folder / "cut.gguf")
    cut.write_bytes(cut.read_bytes()[:-10])

    models = _by_name(make_catalogue())

    assert models["empty"].error == "The file is empty."
    assert "GGUF signature" in (models["text"].error or "")
    assert "truncated" in (models["cut"].error or "")
    assert models["cut"].architecture is None
    assert models["cut"].size_bytes == cut.stat().st_size


def test_split_model_is_one_entry(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    folder = app_paths.models_dir
    parts = [make_gguf(folder / f"big-{n:05d}-of-00003.gguf", tensors=n) for n in (1, 2, 3)]

    [model] = [m for m in make_catalogue().models() if not m.is_default]

    assert model.name == "big"
    assert model.path == parts[0]
    assert model.files == tuple(parts)
    assert model.size_bytes == sum(part.stat().st_size for part in parts)
    assert model.parameters == 32 * (1 + 2 + 3)
    assert model.error is None


def test_split_model_missing_a_part(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    folder = app_paths.models_dir
    make_gguf(folder / "big-00001-of-00003.gguf")
    make_gguf(folder / "big-00003-of-00003.gguf")
    make_gguf(folder / "other-00002-of-00002.gguf")

    models = _by_name(make_catalogue())

    assert models["big"].error == "Split model is missing part 2 of 3."
    assert models["big"].architecture == "llama"
    assert models["big"].parameters is None
    assert models["other"].error == "Split model is missing part 1 of 2."
    assert models["other"].architecture is None


def test_split_model_with_a_broken_part(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    folder = app_paths.models_dir
    make_gguf(folder / "big-00001-of-00002.gguf")
    (folder / "big-00002-of-00002.gguf").write_bytes(b"junk")
    [model] = [m for m in make_catalogue().models() if not m.is_default]
    assert model.error == (
        "Part 2 of 2: Not a GGUF model file (it does not start with the GGUF signature)."
    )


def test_unchanged_files_are_not_read_again(
    make_catalogue: CatalogueFactory,
    make_gguf: GGUFFactory,
    app_paths: AppPaths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = make_gguf(app_paths.models_dir / "a.gguf")
    catalogue = make_catalogue()
    reads: list[Path] = []

    def counting(target: Path) -> GGUFHeader:
        reads.append(target)
        return read_header(target)

    monkeypatch.setattr(catalogue_module, "read_header", counting)
    catalogue.refresh()
    assert reads == []

    make_gguf(path, context_length=1234)
    os.utime(path, ns=(1, 1))
    assert _by_name(catalogue)["a"].context_length == 2048  # no rescan yet
    assert _by_name_after_refresh(catalogue)["a"].context_length == 1234
    assert reads == [path]


def _by_name_after_refresh(catalogue: ModelCatalogue) -> dict[str, Model]:
    return {model.name: model for model in catalogue.refresh()}


def test_get_unknown_id(make_catalogue: CatalogueFactory) -> None:
    with pytest.raises(NotFound):
        make_catalogue().get("nope")


def test_link_a_file_in_place(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    path = make_gguf(tmp_path / "elsewhere" / "mine.gguf")
    catalogue = make_catalogue()

    model = catalogue.link(path)

    assert (model.name, model.source, model.path) == ("mine", "linked", path)
    assert catalogue.link(path) == model  # linking twice changes nothing
    reopened = _by_name(make_catalogue())
    assert reopened["mine"].id == model.id
    assert path.exists()


def test_linking_a_split_part_lists_the_whole_model(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    parts = [make_gguf(tmp_path / f"s-{n:05d}-of-00002.gguf") for n in (1, 2)]
    model = make_catalogue().link(parts[0])
    assert model.files == tuple(parts)
    assert model.error is None


def test_link_rejects_bad_paths(make_catalogue: CatalogueFactory, tmp_path: Path) -> None:
    catalogue = make_catalogue()
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "junk.gguf").write_text("x")
    with pytest.raises(InvalidArgument, match="full path"):
        catalogue.link(Path("relative.gguf"))
    with pytest.raises(NotFound):
        catalogue.link(tmp_path / "missing.gguf")
    with pytest.raises(InvalidArgument, match=r"not a \.gguf file"):
        catalogue.link(tmp_path / "notes.txt")
    with pytest.raises(ModelError, match="GGUF signature"):
        catalogue.link(tmp_path / "junk.gguf")
    assert len(catalogue.models()) == 1


def test_linked_file_that_vanished_is_listed_with_a_reason(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    path = make_gguf(tmp_path / "mine.gguf")
    catalogue = make_catalogue()
    catalogue.link(path)
    path.unlink()
    assert _by_name_after_refresh(catalogue)["mine"].error == "The file no longer exists."


def test_linking_a_file_inside_a_models_folder_is_the_folder_model(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    path = make_gguf(app_paths.models_dir / "a.gguf")
    catalogue = make_catalogue()
    assert catalogue.link(path).source == "folder"
    assert "linked" not in (app_paths.data_dir / "models.json").read_text()


def test_remove_linked_keeps_the_file_unless_asked(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    keep = make_gguf(tmp_path / "keep.gguf")
    drop = make_gguf(tmp_path / "drop.gguf")
    catalogue = make_catalogue()
    keep_id, drop_id = catalogue.link(keep).id, catalogue.link(drop).id

    catalogue.remove(keep_id, delete_file=False)
    remaining = catalogue.remove(drop_id, delete_file=True)

    assert keep.exists()
    assert not drop.exists()
    assert [model.name for model in remaining] == ["SmolLM2-135M-Instruct.Q4_1"]
    assert len(make_catalogue().models()) == 1


def test_remove_folder_model_without_deleting_hides_it(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    path = make_gguf(app_paths.models_dir / "a.gguf")
    catalogue = make_catalogue()

    catalogue.remove(model_id(path), delete_file=False)

    assert path.exists()
    assert "a" not in _by_name(catalogue)
    assert "a" not in _by_name(make_catalogue())
    assert catalogue.link(path).name == "a"  # adding it again brings it back
    assert "a" in _by_name(make_catalogue())


def test_remove_folder_split_model_deleting_every_part(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths
) -> None:
    parts = [make_gguf(app_paths.models_dir / f"s-{n:05d}-of-00002.gguf") for n in (1, 2)]
    catalogue = make_catalogue()
    catalogue.remove(model_id(parts[0]), delete_file=True)
    assert not any(part.exists() for part in parts)
    assert len(catalogue.models()) == 1


def test_remove_refuses_the_default_and_unknown_models(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    catalogue = make_catalogue()
    with pytest.raises(InvalidArgument, match="built-in"):
        catalogue.remove(model_id(default_model), delete_file=True)
    with pytest.raises(NotFound):
        catalogue.remove("unknown", delete_file=False)
    assert default_model.exists()


def test_broken_registry_is_set_aside(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, app_paths: AppPaths, tmp_path: Path
) -> None:
    app_paths.data_dir.mkdir(parents=True)
    (app_paths.data_dir / "models.json").write_text("{not json")
    catalogue = make_catalogue()
    assert len(catalogue.models()) == 1
    [warning] = catalogue.warnings
    assert "models.json was unusable" in warning
    assert len(list(app_paths.data_dir.glob("models.json.bad-*"))) == 1
    catalogue.link(make_gguf(tmp_path / "x.gguf"))
    assert "x" in _by_name(make_catalogue())


def test_extra_dirs_can_change(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    make_gguf(tmp_path / "extra" / "e.gguf")
    catalogue = make_catalogue()
    assert "e" not in _by_name(catalogue)
    assert "e" in {model.name for model in catalogue.set_extra_dirs([tmp_path / "extra"])}
    assert catalogue.folders[1] == tmp_path / "extra"


def test_registry_that_is_not_an_object_is_set_aside(
    make_catalogue: CatalogueFactory, app_paths: AppPaths
) -> None:
    app_paths.data_dir.mkdir(parents=True)
    (app_paths.data_dir / "models.json").write_text("[]")
    [warning] = make_catalogue().warnings
    assert "(it is not a JSON object)" in warning


def test_registry_write_failure_is_a_storage_error(
    make_catalogue: CatalogueFactory,
    make_gguf: GGUFFactory,
    app_paths: AppPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    catalogue = make_catalogue()

    def disk_full(**_: object) -> tuple[int, str]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", disk_full)
    with pytest.raises(StorageError, match=r"Cannot write .*models\.json: No space left on device"):
        catalogue.link(make_gguf(tmp_path / "x.gguf"))
    assert not (app_paths.data_dir / "models.json").exists()


def test_registry_read_failure_is_a_storage_error(
    make_catalogue: CatalogueFactory, app_paths: AppPaths
) -> None:
    (app_paths.data_dir / "models.json").mkdir(parents=True)
    with pytest.raises(StorageError, match="Cannot read"):
        make_catalogue()


def test_delete_failure_is_a_storage_error(
    make_catalogue: CatalogueFactory, make_gguf: GGUFFactory, tmp_path: Path
) -> None:
    path = make_gguf(tmp_path / "x.gguf")
    catalogue = make_catalogue()
    ident = catalogue.link(path).id
    path.unlink()
    path.mkdir()
    with pytest.raises(StorageError, match="Cannot delete"):
        catalogue.remove(ident, delete_file=True)
