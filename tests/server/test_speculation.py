"""A model's speculative decoding as llama-server arguments, in its command line and in router
presets, and llama-server's refusal of a draft model in words (stderr from this engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import EngineSettings
from backend.contract import NGRAM_SIZES
from backend.errors import ModelError
from backend.server import RouterModel, build_argv, diagnose_exit, preset_text, speculation_argv

DRAFT = Path("/models/small.gguf")


def test_nothing_is_added_while_speculation_is_off() -> None:
    assert speculation_argv(EngineSettings()) == []
    assert speculation_argv(EngineSettings(draft_max=8, draft_min=2)) == [], "sizes alone: off"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "ngram-simple",
            [
                *("--spec-type", "ngram-simple"),
                *("--spec-ngram-simple-size-n", "5", "--spec-ngram-simple-size-m", "16"),
            ],
        ),
        (
            "ngram-map-k",
            [
                *("--spec-type", "ngram-map-k"),
                *("--spec-ngram-map-k-size-n", "5", "--spec-ngram-map-k-size-m", "16"),
            ],
        ),
        (
            "ngram-map-k4v",
            [
                *("--spec-type", "ngram-map-k4v"),
                *("--spec-ngram-map-k4v-size-n", "5", "--spec-ngram-map-k4v-size-m", "16"),
            ],
        ),
        (
            "ngram-mod",
            [
                *("--spec-type", "ngram-mod", "--spec-ngram-mod-n-match", "5"),
                *("--spec-ngram-mod-n-max", "16", "--spec-ngram-mod-n-min", "4"),
            ],
        ),
    ],
)
def test_each_ngram_method_gets_its_own_size_flags(kind: str, expected: list[str]) -> None:
    engine = EngineSettings(
        speculation=kind,
        ngram_lookup=5,
        draft_max=16,
        draft_min=4 if kind == "ngram-mod" else None,
    )
    assert speculation_argv(engine) == expected


@pytest.mark.parametrize("kind", ["ngram-simple", "ngram-map-k", "ngram-map-k4v", "ngram-mod"])
def test_empty_sizes_are_llamadesks_not_llama_servers(kind: str) -> None:
    """llama-server's 12-token lookup and 48-64-token drafts ran SmolLM2 at 0.81x on a CPU
    (bench_ngram_speculation); LlamaDesk's short ones at 1.4x: they must reach the command line."""
    argv = speculation_argv(EngineSettings(speculation=kind))
    sizes = NGRAM_SIZES[kind]
    values = dict(zip(argv[2::2], argv[3::2], strict=True))
    assert argv[:2] == ["--spec-type", kind]
    lookup = "n-match" if kind == "ngram-mod" else "size-n"
    most = "n-max" if kind == "ngram-mod" else "size-m"
    assert values[f"--spec-{kind}-{lookup}"] == str(sizes.lookup)
    assert values[f"--spec-{kind}-{most}"] == str(sizes.draft_max)
    if kind == "ngram-mod":
        assert values["--spec-ngram-mod-n-min"] == str(sizes.draft_min)
    assert (sizes.lookup, sizes.draft_max) <= (8, 8), "short drafts: a CPU pays for refused ones"


def test_ngram_cache_takes_no_size() -> None:
    assert speculation_argv(EngineSettings(speculation="ngram-cache")) == [
        "--spec-type",
        "ngram-cache",
    ]


def test_a_draft_model_and_ngram_speculation_go_together() -> None:
    engine = EngineSettings(speculation="ngram-simple", draft_model=DRAFT, draft_max=6, draft_min=2)
    assert speculation_argv(engine) == [
        *("--spec-draft-model", str(DRAFT)),
        *("--spec-type", "ngram-simple,draft-simple"),
        *("--spec-ngram-simple-size-n", "6", "--spec-ngram-simple-size-m", "6"),
        *("--spec-draft-n-max", "6", "--spec-draft-n-min", "2"),
    ]


def test_the_command_line_has_them_before_the_extra_arguments() -> None:
    engine = EngineSettings(draft_model=DRAFT, extra_args=["--metrics"])
    argv = build_argv(
        engine, binary=Path("/bin/llama-server"), model=Path("/m.gguf"), port=1, slot_dir=Path("/s")
    )
    assert argv[-5:] == [
        "--spec-draft-model",
        str(DRAFT),
        "--spec-type",
        "draft-simple",
        "--metrics",
    ]


def test_router_presets_carry_each_models_speculation() -> None:
    fast = EngineSettings(speculation="ngram-mod", draft_max=32, draft_min=8)
    plain = EngineSettings()
    text = preset_text(
        [
            RouterModel("a", "fast", Path("/m/fast.gguf"), fast),
            RouterModel("b", "plain", Path("/m/plain.gguf"), plain),
        ]
    )
    fast_section, plain_section = text.split("[plain]")
    assert "spec-type = ngram-mod\n" in fast_section
    assert "spec-ngram-mod-n-max = 32\nspec-ngram-mod-n-min = 8\n" in fast_section
    assert "spec-ngram-mod-n-match = 8\n" in fast_section, "LlamaDesk's lookup when none is set"
    assert "spec" not in plain_section


MODEL = Path("/models/m.gguf")


def _diagnose(lines: list[str]) -> tuple[str, str | None, type[object]]:
    failure = diagnose_exit(1, lines, model=MODEL, host="127.0.0.1", port=1, fixed_port=False)
    assert failure.permanent, "the same settings fail the same way: no restart loop"
    return failure.message, failure.hint, failure.kind


def test_a_draft_model_llama_server_cannot_load_is_named_not_the_model() -> None:
    draft = "/tmp/d/bad-draft.gguf"
    message, hint, kind = _diagnose(
        [
            f"0.00.008.424 I srv    load_model: loading model '{MODEL}'",
            f"0.01.071.826 I common_speculative_init_result: loading draft model '{draft}'",
            "0.01.072.037 E llama_model_load: error loading model: error loading model "
            "hyperparameters: key not found in model: llama.attention.layer_norm_rms_epsilon",
            "0.01.072.038 E llama_model_load_from_file_impl: failed to load model",
            f"0.01.072.038 E common_speculative_init_result: failed to load draft model, '{draft}'",
            f"0.01.072.039 E srv    load_model: failed to load draft model, '{draft}'",
            "0.01.081.940 E srv  llama_server: exiting due to model loading error",
        ]
    )
    assert message == "llama-server could not load the draft model bad-draft.gguf."
    assert "share the model's vocabulary" in (hint or "")
    assert kind is ModelError


def test_a_draft_with_another_vocabulary_is_said_so() -> None:
    message, hint, _ = _diagnose(
        [
            "0.01.2 E common_speculative_impl_draft_simple: the target and draft vocabs are not "
            "compatible",
            "terminate called after throwing an instance of 'std::runtime_error'",
            "  what():  draft model vocab type must match target model to use speculation",
        ]
    )
    assert message == "The draft model does not share the vocabulary of m.gguf."
    assert "load settings" in (hint or "")
