"""The launch plan from the settings, without a process: argv, files, refusals, their order."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import EngineSettings
from backend.errors import EngineError, ModelError
from backend.paths import AppPaths
from backend.server import (
    Failure,
    LaunchPlan,
    RouterModel,
    RouterPlan,
    WorkerArgs,
    build_argv,
    plan_launch,
    preset_text,
    resolve_launch,
    router_argv,
    write_launch_files,
)

pytestmark = pytest.mark.anyio

BINARY = Path("/opt/llama-server")
MODEL = Path("/models/one.gguf")


def _router(*models: RouterModel, selected: str | None = None) -> RouterPlan:
    return RouterPlan(models, selected)


def _model(name: str, **engine: object) -> RouterModel:
    return RouterModel(f"id-{name}", name, Path(f"/models/{name}.gguf"), EngineSettings(**engine))


def test_a_single_server_gets_the_engine_command_line_and_its_slot_folder(
    app_paths: AppPaths,
) -> None:
    engine = EngineSettings(context_size=2048, port=0)

    plan = plan_launch(engine, app_paths, binary=BINARY, model=MODEL, port=4321)

    argv = build_argv(engine, binary=BINARY, model=MODEL, port=4321, slot_dir=app_paths.slot_dir)
    assert plan == LaunchPlan(
        tuple(argv), MODEL, "127.0.0.1", 4321, fixed_port=False, slot_dir=app_paths.slot_dir
    )


def test_a_port_from_the_settings_is_fixed(app_paths: AppPaths) -> None:
    plan = plan_launch(EngineSettings(port=8123), app_paths, binary=BINARY, model=MODEL, port=8123)
    assert isinstance(plan, LaunchPlan)
    assert (plan.port, plan.fixed_port) == (8123, True)


def test_a_router_serves_its_presets_and_names_the_selected_model(app_paths: AppPaths) -> None:
    engine = EngineSettings(router_mode=True, models_max=2)
    router = _router(_model("a"), _model("b"), selected="b")

    plan = plan_launch(engine, app_paths, binary=BINARY, model=MODEL, port=9, router=router)

    preset = app_paths.run_dir / "router-models.ini"
    argv = router_argv(engine, binary=BINARY, preset=preset, port=9)
    assert plan == LaunchPlan(
        tuple(argv), Path("/models/b.gguf"), "127.0.0.1", 9, False, router=router, preset=preset
    )


def test_a_router_without_a_selection_names_the_engine_model(app_paths: AppPaths) -> None:
    plan = plan_launch(
        EngineSettings(), app_paths, binary=BINARY, model=MODEL, port=9, router=_router(_model("a"))
    )
    assert isinstance(plan, LaunchPlan)
    assert plan.model == MODEL


def test_a_router_with_no_model_or_a_reserved_argument_is_refused(app_paths: AppPaths) -> None:
    empty = plan_launch(
        EngineSettings(), app_paths, binary=BINARY, model=MODEL, port=9, router=_router()
    )
    assert isinstance(empty, Failure)
    assert (empty.message, empty.kind, empty.permanent) == (
        "Router mode has no model to serve.",
        ModelError,
        True,
    )
    reserved = _router(_model("a"), _model("b", extra_args=["--port", "1"]))
    refused = plan_launch(
        EngineSettings(), app_paths, binary=BINARY, model=MODEL, port=9, router=reserved
    )
    assert isinstance(refused, Failure)
    assert refused.message == "b.gguf: The extra arguments set --port, which LlamaDesk sets itself."


async def test_reserved_arguments_are_refused_before_the_binary_is_looked_for(
    app_paths: AppPaths, tmp_path: Path
) -> None:
    def no_plan() -> RouterPlan:
        raise AssertionError("the router's plan is not asked for")

    missing = EngineSettings(server_binary=tmp_path / "missing", extra_args=["--api-key", "x"])
    refused = await resolve_launch(missing, app_paths, {}, no_plan)
    assert isinstance(refused, Failure)
    assert "--api-key" in refused.message
    not_found = await resolve_launch(missing.model_copy(update={"extra_args": []}), app_paths, {})
    assert isinstance(not_found, Failure)
    assert (not_found.kind, not_found.permanent) == (EngineError, True)


async def test_the_launch_files_are_written_or_the_failure_says_where(
    app_paths: AppPaths, tmp_path: Path
) -> None:
    single = plan_launch(EngineSettings(), app_paths, binary=BINARY, model=MODEL, port=9)
    assert isinstance(single, LaunchPlan)
    assert await write_launch_files(single) is None
    assert app_paths.slot_dir.is_dir()
    router = _router(_model("a"), selected="a")
    routed = plan_launch(
        EngineSettings(), app_paths, binary=BINARY, model=MODEL, port=9, router=router
    )
    assert isinstance(routed, LaunchPlan)
    assert routed.preset is not None
    assert await write_launch_files(routed) is None
    assert routed.preset.read_text(encoding="utf-8") == preset_text(router.models)
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    unwritable = LaunchPlan(
        routed.argv, MODEL, "127.0.0.1", 9, False, router=router, preset=blocked / "p.ini"
    )
    failure = await write_launch_files(unwritable)
    assert isinstance(failure, Failure)
    assert failure.message.startswith("Could not write the router's model list: ")
    assert failure.hint == f"Check that {blocked} is writable."


def test_a_launch_over_rpc_workers_asks_for_no_backtrace_at_an_abort(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "c", tmp_path / "d", tmp_path / "l", tmp_path / "k")
    binary, model = Path("/bin/llama-server"), Path("/m.gguf")
    plain = plan_launch(EngineSettings(), paths, binary=binary, model=model, port=8080)
    workers = WorkerArgs(("--rpc", "a:1"), "note")
    spread = plan_launch(
        EngineSettings(), paths, binary=binary, model=model, port=8080, workers=workers
    )
    assert isinstance(plain, LaunchPlan)
    assert isinstance(spread, LaunchPlan)
    assert plain.extra_env == ()
    assert spread.extra_env == (("GGML_NO_BACKTRACE", "1"),)
    assert spread.argv[-2:] == ("--rpc", "a:1")
    assert "all" in spread.argv  # every layer goes to the workers
    assert spread.note == "note"
