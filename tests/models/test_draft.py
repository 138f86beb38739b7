"""A model's speculative decoding settings: their validation, the draft model's vocabulary
check when they are saved, and the launch they make (single server and router presets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.config import EngineSettings, Settings
from backend.errors import InvalidArgument
from backend.models import ModelLoadSettings, launch_engine, model_id, plan_router
from backend.paths import AppPaths
from backend.server import preset_text

from .conftest import CatalogueFactory, Vocab, write_gguf


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"draft_max": 8}, "draft_max", "a draft size needs n-gram speculation or a draft model"),
        (
            {"speculation": "ngram-cache", "draft_max": 8},
            "draft_max",
            "ngram-cache drafts a fixed 8 tokens; its size cannot be set",
        ),
        (
            {"speculation": "ngram-simple", "draft_min": 2},
            "draft_min",
            "a minimum draft size needs a draft model or ngram-mod",
        ),
        (
            {"speculation": "ngram-mod", "draft_max": 4, "draft_min": 5},
            "draft_min",
            "the minimum must not exceed the maximum (4)",
        ),
        (
            {"speculation": "ngram-simple", "draft_max": 4},
            "draft_max",
            "ngram-simple drafts nothing when its draft (4) is shorter than its 6-token lookup; "
            "set 6 or more, or a shorter lookup",
        ),
        (
            {"speculation": "ngram-simple", "ngram_lookup": 12},
            "draft_max",
            "ngram-simple drafts nothing when its draft (8) is shorter than its 12-token lookup; "
            "set 12 or more, or a shorter lookup",
        ),
        (
            {"speculation": "ngram-mod", "draft_max": 1},
            "draft_min",
            "the minimum must not exceed the maximum (1)",
        ),
        ({"ngram_lookup": 4}, "ngram_lookup", "a lookup length needs n-gram speculation"),
        (
            {"speculation": "ngram-cache", "ngram_lookup": 4},
            "ngram_lookup",
            "ngram-cache has no lookup length",
        ),
        ({"speculation": "ngram-map-k", "ngram_lookup": 0}, "ngram_lookup", "greater than"),
        ({"speculation": "ngram-mod", "draft_max": 0}, "draft_max", "greater than or equal to 1"),
        ({"speculation": "ngram-mod", "draft_max": 257}, "draft_max", "less than or equal to 256"),
        ({"speculation": "lookahead"}, "speculation", "'ngram-simple'"),
        ({"draft_model_id": "../x"}, "draft_model_id", "should match pattern"),
    ],
)
def test_speculation_settings_are_checked_with_the_field_named(
    make_catalogue: CatalogueFactory,
    default_model: Path,
    values: dict[str, Any],
    field: str,
    message: str,
) -> None:
    catalogue = make_catalogue()
    with pytest.raises(InvalidArgument) as caught:
        catalogue.save_settings(model_id(default_model), values)
    [error] = caught.value.fields
    assert error.field == field
    assert message in error.message
    assert catalogue.load_settings(model_id(default_model)) == ModelLoadSettings(), "not saved"


def test_a_model_drafting_for_itself_is_saved_and_launched_with_its_own_file(
    make_catalogue: CatalogueFactory, default_model: Path
) -> None:
    catalogue = make_catalogue()
    ident = model_id(default_model)
    values = {"speculation": "ngram-simple", "draft_model_id": ident, "draft_max": 16}

    saved = catalogue.save_settings(ident, values)

    assert make_catalogue().load_settings(ident) == saved
    engine = launch_engine(catalogue, EngineSettings())
    assert (engine.speculation, engine.draft_model, engine.draft_max) == (
        "ngram-simple",
        default_model,
        16,
    )
    assert "draft_model" not in engine.model_dump(), "launch-only, never saved as a setting"


@pytest.mark.parametrize(
    ("vocab", "reason"),
    [
        (None, "its tokenizer is unknown, not gpt2"),
        (Vocab(tokenizer="llama"), "its tokenizer is llama, not gpt2"),
        (Vocab(size=32000), "its vocabulary has 32,000 tokens, not 49,152"),
        (Vocab(add_bos=True), "it starts a text with another token"),
    ],
)
def test_a_draft_model_with_another_vocabulary_is_refused_when_saved(
    make_catalogue: CatalogueFactory,
    app_paths: AppPaths,
    default_model: Path,
    vocab: Vocab | None,
    reason: str,
) -> None:
    other = write_gguf(app_paths.models_dir / "other.gguf", vocabulary=vocab)
    catalogue = make_catalogue()
    ident = model_id(default_model)

    with pytest.raises(InvalidArgument) as caught:
        catalogue.save_settings(ident, {"draft_model_id": model_id(other)})

    assert caught.value.message == (
        f"other cannot draft for SmolLM2-135M-Instruct.Q4_1: {reason}. A draft model must share "
        "the model's vocabulary (usually a smaller model of the same family)."
    )
    assert [field.field for field in caught.value.fields] == ["settings.draft_model_id"]
    assert catalogue.load_settings(ident) == ModelLoadSettings()


def test_a_draft_model_must_be_listed_and_loadable(
    make_catalogue: CatalogueFactory, app_paths: AppPaths, default_model: Path
) -> None:
    broken = app_paths.models_dir / "broken.gguf"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not a gguf")
    catalogue = make_catalogue()
    ident = model_id(default_model)
    with pytest.raises(InvalidArgument, match="no listed model with id 'abc123'"):
        catalogue.save_settings(ident, {"draft_model_id": "abc123"})
    with pytest.raises(InvalidArgument, match="broken cannot be loaded, so it cannot draft"):
        catalogue.save_settings(ident, {"draft_model_id": model_id(broken)})


def test_a_draft_model_removed_later_is_left_out_of_the_launch(
    make_catalogue: CatalogueFactory, app_paths: AppPaths, default_model: Path
) -> None:
    twin = write_gguf(app_paths.models_dir / "twin.gguf", vocabulary=Vocab())
    catalogue = make_catalogue()
    ident = model_id(default_model)
    catalogue.save_settings(ident, {"draft_model_id": model_id(twin), "draft_max": 4})
    assert launch_engine(catalogue, EngineSettings()).draft_model == twin

    catalogue.remove(model_id(twin), delete_file=True)

    engine = launch_engine(catalogue, EngineSettings())
    assert (engine.draft_model, engine.draft_max) == (None, 4), "the model still loads"


def test_router_presets_carry_each_models_draft_settings(
    make_catalogue: CatalogueFactory, app_paths: AppPaths, default_model: Path
) -> None:
    twin = write_gguf(app_paths.models_dir / "twin.gguf", vocabulary=Vocab())
    catalogue = make_catalogue()
    catalogue.save_settings(
        model_id(twin), {"draft_model_id": model_id(default_model), "speculation": "ngram-mod"}
    )

    text = preset_text(plan_router(catalogue, Settings()).models)

    twin_section = text.split("[twin]")[1]
    assert f"spec-draft-model = {default_model}\n" in twin_section
    assert "spec-type = ngram-mod,draft-simple\n" in twin_section
    assert "spec-" not in text.split("[twin]")[0], "SmolLM2's own section has none"
