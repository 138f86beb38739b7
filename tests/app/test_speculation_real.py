"""Speculative decoding set in a model's load settings, through the app with the real
llama-server and SmolLM2: the launch's flags, the drafted tokens in each answer's timings, a
draft model (SmolLM2 drafting for itself: the same vocabulary), and a draft llama-server cannot
load, reported in words.

One app for the whole story, over 10 s for a reason: three real launches (off, the recommended
n-gram method with LlamaDesk's sizes, draft model) and three greedy 48-token answers, each
proving one of them (27 s at load 11 here, 12 s at load 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService, EngineSettings
from backend.contract import NGRAM_SIZES, RECOMMENDED_NGRAM
from backend.paths import AppPaths
from backend.server import speculation_argv
from tests.app.test_models import Recorder
from tests.models.conftest import Vocab, write_gguf
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server

CODE = """def read_items(path):
    items = []
    with open(path) as handle:
        for line in handle:
            name, price = line.split(",")
            items.append((name, float(price)))
    return items
"""
PROMPT = f"Repeat this code exactly, but rename `handle` to `stream`:\n\n```python\n{CODE}```"
"""A realistic edit of code: SmolLM2's answer copies most of it, so n-gram drafts are accepted."""


@pytest.fixture
def runtime(app_paths: AppPaths) -> Iterator[AppRuntime]:
    cli = {
        "engine.context_size": 1024,
        "engine.parallel_slots": 1,
        "generation.max_tokens": 48,
        "generation.temperature": 0,
    }
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli=cli)) as running:
        yield running


def _ready(runtime: AppRuntime) -> dict[str, Any]:
    status: dict[str, Any] = wait_until(
        lambda: (s := runtime.api.get_server_status({})["result"])["state"] == "ready" and s,
        timeout_s=60,
        interval_s=0.05,
    )
    return status


def _relaunch_with(runtime: AppRuntime, model: str, settings: dict[str, Any]) -> list[str]:
    """Save ``settings`` as the model's, restart the server, and return its command line."""
    saved = runtime.api.save_model_settings({"model_id": model, "settings": settings})
    assert saved["ok"], saved
    restarted = runtime.api.restart_server({})
    assert restarted["ok"], restarted
    cmdline: list[str] = psutil.Process(_ready(runtime)["pid"]).cmdline()
    return cmdline


def _streamed_timings(runtime: AppRuntime, events: Recorder, conversation: str) -> dict[str, Any]:
    """Stream an answer to ``PROMPT`` as the page does; the stored answer's timings."""
    events.events.clear()
    started = runtime.api.send_chat_message_stream(
        {"conversation_id": conversation, "content": PROMPT}
    )
    assert started["ok"], started
    events.wait_for(lambda e: e["type"] == "stream_end", timeout_s=120)
    end = next(e for e in events.events if e["type"] == "stream_end")
    message_id = end["message"]["id"]
    stored = runtime.api.get_conversation({"conversation_id": conversation})["result"]
    [message] = [m for m in stored["messages"] if m["id"] == message_id]
    assert message["timings"] == end["message"]["timings"], "stored as streamed"
    timings: dict[str, Any] = message["timings"]
    return timings


def _after(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_ngram_speculation_and_a_draft_model_draft_tokens_in_each_answer(
    runtime: AppRuntime, default_model: Path
) -> None:
    events = Recorder()
    runtime.attach(events)
    _ready(runtime)
    [smol] = runtime.api.list_models({})["result"]
    conversation = runtime.api.create_conversation({"title": "Drafts"})["result"]["id"]
    plain = _streamed_timings(runtime, events, conversation)
    assert plain.get("draft_n") is None, "nothing drafted while speculation is off"

    argv = _relaunch_with(runtime, smol["id"], {"speculation": RECOMMENDED_NGRAM})

    chosen = speculation_argv(EngineSettings(speculation=RECOMMENDED_NGRAM))
    start = argv.index("--spec-type")
    assert argv[start : start + len(chosen)] == chosen, "the recommended method, no sizes set"
    assert str(NGRAM_SIZES[RECOMMENDED_NGRAM].lookup) in chosen, "with LlamaDesk's sizes"
    assert "--spec-draft-model" not in argv
    ngram = _streamed_timings(runtime, events, conversation)
    assert ngram["draft_n"] > 0, ngram
    assert 0 < ngram["draft_n_accepted"] <= ngram["draft_n"], "a copied answer accepts drafts"

    argv = _relaunch_with(runtime, smol["id"], {"draft_model_id": smol["id"], "draft_max": 4})

    assert _after(argv, "--spec-draft-model") == str(default_model)
    assert (_after(argv, "--spec-type"), _after(argv, "--spec-draft-n-max")) == (
        "draft-simple",
        "4",
    )
    drafted = _streamed_timings(runtime, events, conversation)
    assert drafted["draft_n"] > 0, drafted
    assert 0 <= drafted["draft_n_accepted"] <= drafted["draft_n"]


def test_a_draft_model_llama_server_cannot_load_is_named_with_what_to_do(
    runtime: AppRuntime,
) -> None:
    _ready(runtime)
    # Its header has SmolLM2's tokenizer facts, so saving passes; its tensors are not a model.
    hollow = write_gguf(runtime.services.paths.models_dir / "hollow.gguf", vocabulary=Vocab())
    models = {m["name"]: m for m in runtime.api.refresh_models({})["result"]}
    smol = models["SmolLM2-135M-Instruct.Q4_1"]["id"]
    saved = runtime.api.save_model_settings(
        {"model_id": smol, "settings": {"draft_model_id": models["hollow"]["id"]}}
    )
    assert saved["ok"], saved

    restarted = runtime.api.restart_server({})

    error = restarted["error"]
    assert error["code"] == "model_invalid", error
    assert error["message"] == f"llama-server could not load the draft model {hollow.name}."
    assert "choose another one, or none, in the model's load settings" in error["detail"]
    status = runtime.api.get_server_status({})["result"]
    assert (status["state"], status["last_error"]) == ("failed", error["message"])
