"""Router mode through the assembled app: switching without restarts, load states, unloading."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.app.test_models import Recorder
from tests.models.conftest import write_gguf
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server


@pytest.fixture
def router_runtime(
    app_paths: AppPaths, default_model: Path, engine_binary: Path
) -> Iterator[AppRuntime]:
    """The app in router mode with SmolLM2 and a second copy of it in the models folder."""
    app_paths.models_dir.mkdir(parents=True, exist_ok=True)
    os.link(default_model, app_paths.models_dir / "twin.gguf")
    cli = {
        "engine.router_mode": True,
        "engine.models_max": 2,
        "engine.context_size": 512,
        "generation.max_tokens": 6,
        "generation.temperature": 0,
    }
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli=cli)) as running:
        yield running


def _models(runtime: AppRuntime) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in runtime.api.list_models({})["result"]}


def test_switching_models_keeps_the_router_and_both_stay_loaded(
    router_runtime: AppRuntime,
) -> None:
    runtime = router_runtime
    events = Recorder()
    runtime.attach(events)
    status = wait_until(
        lambda: (s := runtime.api.get_server_status({})["result"])["state"] == "ready" and s,
        timeout_s=60,
        interval_s=0.05,
    )
    conversation = runtime.api.create_conversation({"title": "Twins"})["result"]["id"]
    first = runtime.api.send_chat_message({"conversation_id": conversation, "content": "Hi"})
    assert first["ok"], first
    assert first["result"]["model"] == "SmolLM2-135M-Instruct.Q4_1", "named, not by its id"

    twin = _models(runtime)["twin"]
    selected = runtime.api.select_model({"model_id": twin["id"]})

    assert selected["ok"], selected
    assert (selected["result"]["selected"], selected["result"]["load_state"]) == (True, "loaded")
    assert runtime.api.get_server_status({})["result"]["pid"] == status["pid"], "no restart"
    models = _models(runtime)
    assert models["SmolLM2-135M-Instruct.Q4_1"]["load_state"] == "loaded", "still in memory"
    started = runtime.api.send_chat_message_stream(
        {"conversation_id": conversation, "content": "Again"}
    )
    assert started["ok"], started
    events.wait_for(lambda e: e["type"] == "stream_end")
    end = next(e for e in events.events if e["type"] == "stream_end")
    assert end["message"]["model"] == "twin", "the streamed answer came from the twin"
    assert any(
        e["type"] == "models_changed"
        and {m["name"]: m["load_state"] for m in e["models"]}["twin"] == "loading"
        for e in events.events
    ), "the page hears that the twin is loading"

    unloaded = runtime.api.unload_model({"model_id": models["SmolLM2-135M-Instruct.Q4_1"]["id"]})

    assert unloaded["ok"], unloaded
    states = {m["name"]: m["load_state"] for m in unloaded["result"]}
    assert states == {"SmolLM2-135M-Instruct.Q4_1": "unloaded", "twin": "loaded"}
    picked = runtime.api.pick_model_file({})
    assert picked["error"]["code"] == "conflict", "no file dialog without a window"
    assert "full path" in picked["error"]["detail"]


def test_a_model_the_router_cannot_load_leaves_the_previous_one_selected(
    router_runtime: AppRuntime,
) -> None:
    runtime = router_runtime
    wait_until(
        lambda: runtime.api.get_server_status({})["result"]["state"] == "ready",
        timeout_s=60,
        interval_s=0.05,
    )
    # A valid header with no real tensors: only llama-server finds out it cannot load. A new
    # model changes the presets, so the router is relaunched before it tries.
    write_gguf(runtime.services.paths.models_dir / "hollow.gguf")
    models = {m["name"]: m for m in runtime.api.refresh_models({})["result"]}

    hollow = runtime.api.select_model({"model_id": models["hollow"]["id"]})

    error = hollow["error"]
    assert error["code"] == "model_invalid", error
    assert error["message"].startswith("hollow failed to load: ")
    assert error["message"].endswith("SmolLM2-135M-Instruct.Q4_1 stays selected.")
    assert runtime.services.config.settings.engine.model is None
    listed = {m["name"]: m for m in runtime.api.list_models({})["result"]}
    assert listed["hollow"]["load_state"] == "failed"
    assert [name for name, m in listed.items() if m["selected"]] == ["SmolLM2-135M-Instruct.Q4_1"]
    conversation = runtime.api.create_conversation({})["result"]["id"]
    answer = runtime.api.send_chat_message({"conversation_id": conversation, "content": "Hi"})
    assert answer["ok"], answer
    assert answer["result"]["model"] == "SmolLM2-135M-Instruct.Q4_1", "not the one that failed"
