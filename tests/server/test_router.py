"""Router mode's pure parts: extra arguments as preset keys, the presets file, model states."""

from __future__ import annotations

from pathlib import Path

from backend.config import EngineSettings
from backend.server import (
    RouterModel,
    RouterPlan,
    ini_options,
    parse_states,
    preset_text,
    router_argv,
)


def test_extra_arguments_become_preset_keys() -> None:
    args = ["--flash-attn", "on", "--jinja", "-ngl", "-1", "--temp=0.5", "--mlock"]
    assert ini_options(args) == [
        ("flash-attn", "on"),
        ("jinja", "true"),
        ("ngl", "-1"),
        ("temp", "0.5"),
        ("mlock", "true"),
    ]


def test_a_stray_value_is_kept_so_llama_server_names_it() -> None:
    assert ini_options(["oops", "--jinja"]) == [("", "oops"), ("jinja", "true")]


def test_each_model_gets_its_own_section_with_its_load_settings(tmp_path: Path) -> None:
    base = EngineSettings(context_size=4096, gpu_layers=0, extra_args=["--jinja"])
    models = [
        RouterModel("id-a", "aaa", tmp_path / "a.gguf", base),
        RouterModel(
            "id-b",
            "bbb",
            tmp_path / "b.gguf",
            base.model_copy(
                update={
                    "context_size": 1024,
                    "threads": 3,
                    "gpu_layers": -1,
                    "chat_template_file": tmp_path / "tools.jinja",
                }
            ),
        ),
    ]
    text = preset_text(models)
    assert text.split("\n\n")[0].splitlines() == [
        "[aaa]",
        f"model = {tmp_path / 'a.gguf'}",
        "ctx-size = 4096",
        "n-gpu-layers = 0",
        "jinja = true",
    ]
    second = text.split("\n\n")[1].splitlines()
    assert second[:3] == ["[bbb]", f"model = {tmp_path / 'b.gguf'}", "ctx-size = 1024"]
    assert "n-gpu-layers = all" in second
    assert "threads = 3" in second
    assert f"chat-template-file = {tmp_path / 'tools.jinja'}" in second


def test_the_router_command_line_leaves_per_model_settings_to_the_presets(
    tmp_path: Path,
) -> None:
    engine = EngineSettings(models_max=3, parallel_slots=2, context_size=2048)
    argv = router_argv(engine, binary=Path("/bin/llama-server"), preset=tmp_path / "p.ini", port=9)
    assert argv[argv.index("--models-max") + 1] == "3"
    assert argv[argv.index("--models-preset") + 1] == str(tmp_path / "p.ini")
    assert argv[argv.index("--port") + 1] == "9"
    # A command-line value would override every model's own section.
    assert "--ctx-size" not in argv
    assert "--model" not in argv


def test_model_states_come_from_the_models_list() -> None:
    body = {
        "data": [
            {"id": "a", "status": {"value": "loaded"}},
            {"id": "b", "status": {"value": "loading"}},
            {"id": "c", "status": {"value": "unloaded", "failed": True, "exit_code": 1}},
            {"id": "d", "status": {"value": "unloaded"}},
            {"id": "e", "status": {"value": "sleeping"}},
            {"status": {"value": "loaded"}},
            "junk",
        ]
    }
    assert parse_states(body) == {
        "a": "loaded",
        "b": "loading",
        "c": "failed",
        "d": "unloaded",
        "e": "unloaded",
    }
    assert parse_states({"data": "nope"}) == {}
    assert parse_states(None) == {}


def test_a_plan_finds_its_models_by_id_and_by_name(tmp_path: Path) -> None:
    model = RouterModel("id-x", "x", tmp_path / "x.gguf", EngineSettings())
    plan = RouterPlan((model,), "x")
    assert plan.find("id-x") is model
    assert plan.named("x") is model
    assert plan.find("x") is None
    assert plan.named("id-x") is None
