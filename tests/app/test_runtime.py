"""The assembled app without a window: real llama-server, real SQLite, the real command surface."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil
import pytest

from backend import __version__
from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server


def _wait_ready(runtime: AppRuntime, timeout_s: float = 60.0) -> None:
    wait_until(
        lambda: runtime.api.get_server_status({})["result"]["state"] == "ready",
        timeout_s=timeout_s,
        interval_s=0.05,
        message=lambda: runtime.api.get_server_status({}),
    )


def _config(paths: AppPaths) -> ConfigService:
    cli = {"generation.max_tokens": 8, "generation.temperature": 0}
    return ConfigService(paths, environ={}, cli=cli)


def test_a_chat_survives_an_app_restart_and_leaves_no_server(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    with AppRuntime(app_paths, _config(app_paths)) as runtime:
        _wait_ready(runtime)
        pid = runtime.api.get_server_status({})["result"]["pid"]
        created = runtime.api.create_conversation({"title": "Capitals"})["result"]
        answer = runtime.api.send_chat_message(
            {"conversation_id": created["id"], "content": "What is the capital of France?"}
        )
        assert answer["ok"], answer
        assert answer["result"]["status"] == "complete"
        assert answer["result"]["content"]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    saved = list(app_paths.slot_dir.glob("*.bin"))
    assert saved, "the conversation's KV cache is saved at shutdown"

    with AppRuntime(app_paths, _config(app_paths)) as runtime:
        listed = runtime.api.list_conversations({})["result"]
        assert [c["title"] for c in listed] == ["Capitals"]
        messages = runtime.api.get_conversation({"conversation_id": created["id"]})["result"][
            "messages"
        ]
        assert [m["role"] for m in messages] == ["user", "assistant"]
        assert messages[1]["content"] == answer["result"]["content"]


def test_bad_arguments_and_missing_things_are_typed_errors(app_paths: AppPaths) -> None:
    with AppRuntime(app_paths, _config(app_paths)) as runtime:
        missing = runtime.api.get_conversation({"conversation_id": "nope"})
        assert missing["error"]["code"] == "not_found"
        empty = runtime.api.send_chat_message({"conversation_id": "x", "content": ""})
        assert empty["error"]["code"] == "invalid_argument"
        port = runtime.api.save_config({"config": {"engine": {"port": 70000}}})
        assert port["error"]["code"] == "config_invalid"
        assert port["error"]["fields"][0]["field"] == "engine.port"
        binary = runtime.api.save_config({"config": {"engine": {"server_binary": "/bin/true"}}})
        assert binary["error"]["fields"][0]["field"] == "engine.server_binary"
        assert "does not look like llama-server" in binary["error"]["message"]


def test_a_restart_keeps_the_conversation_cache(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    with AppRuntime(app_paths, _config(app_paths)) as runtime:
        _wait_ready(runtime)
        conversation = runtime.api.create_conversation({})["result"]["id"]
        long_question = "Tell me about the history of Paris. " * 20
        first = runtime.api.send_chat_message(
            {"conversation_id": conversation, "content": long_question}
        )
        assert first["ok"], first
        restarted = runtime.api.restart_server({})
        assert restarted["result"]["state"] == "ready", restarted
        assert list(app_paths.slot_dir.glob("*.bin")), "saved before the restart"
        second = runtime.api.send_chat_message(
            {"conversation_id": conversation, "content": "And of Lyon?"}
        )
        assert second["ok"], second
        assert second["result"]["timings"]["cache_n"] > 100


def test_a_server_killed_mid_answer_keeps_the_text_and_comes_back(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    events: list[dict[str, Any]] = []

    class Recorder:
        def deliver(self, batch: Sequence[dict[str, Any]]) -> None:
            events.extend(batch)

    cli = {"generation.max_tokens": 400, "generation.temperature": 0.8}
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli=cli)) as runtime:
        runtime.attach(Recorder())
        _wait_ready(runtime)
        pid = runtime.api.get_server_status({})["result"]["pid"]
        conversation = runtime.api.create_conversation({})["result"]["id"]
        started = runtime.api.send_chat_message_stream(
            {"conversation_id": conversation, "content": "Write a long story about a llama."}
        )["result"]
        wait_until(  # land mid-stream: a few flushes of tokens in, far from the 400th token
            lambda: sum(e.get("type") == "stream_chunk" for e in events) >= 10, timeout_s=30
        )
        psutil.Process(pid).kill()
        wait_until(
            lambda: any(e.get("type") in {"stream_error", "stream_end"} for e in events),
            timeout_s=30,
        )
        (last,) = [e for e in events if e.get("type") in {"stream_error", "stream_end"}]
        assert last["type"] == "stream_error", last
        message = last["message"]
        assert isinstance(message, dict)
        assert message["id"] == started["assistant_message"]["id"]
        assert message["status"] == "error"
        assert message["content"], "the partial answer is kept"
        assert message["error"]

        wait_until(  # until the monitor has seen the crash, "ready" is the dead server's
            lambda: any(
                e.get("type") == "server_status" and e["status"]["state"] == "crashed"
                for e in events
            ),
            timeout_s=30,
        )
        _wait_ready(runtime)
        again = runtime.api.send_chat_message({"conversation_id": conversation, "content": "Hi"})
        assert again["ok"], again
        stored = runtime.api.get_conversation({"conversation_id": conversation})["result"]
        (kept,) = [m for m in stored["messages"] if m["id"] == message["id"]]
        assert (kept["status"], kept["content"]) == ("error", message["content"])
        states = [e["status"]["state"] for e in events if e.get("type") == "server_status"]
        assert "crashed" in states
        assert states[-1] == "ready"


def test_the_servers_sampling_defaults_are_offered_only_while_it_is_ready(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    with AppRuntime(app_paths, _config(app_paths)) as runtime:
        _wait_ready(runtime)
        ready = runtime.api.get_server_defaults({})
        assert ready["ok"], ready
        assert ready["result"]["temperature"] == 0.8
        assert ready["result"]["seed"] == -1
        runtime.api.stop_server({})
        assert runtime.api.get_server_defaults({}) == {"ok": True, "result": None}
        assert runtime.api.get_server_status({})["result"]["state"] == "stopped"


def test_about_names_the_app_the_engine_it_would_launch_and_the_default_model(
    app_paths: AppPaths, engine_binary: Path
) -> None:
    with AppRuntime(app_paths, _config(app_paths)) as runtime:
        about = runtime.api.get_about({})
    assert about["ok"], about
    result = about["result"]
    assert result["app_version"] == __version__
    assert result["packaged"] is False
    assert result["engine_path"] == str(engine_binary)
    assert result["engine_source"] == "cache"
    assert result["engine_version"].startswith("version: ")
    assert result["cpu_variant"] is None  # the native build has one CPU code path
    assert result["engine_problem"] is None
    assert "SmolLM2-135M-Instruct" in result["default_model"]


def test_opening_a_conversation_restores_its_cache_before_anything_is_sent(
    app_paths: AppPaths,
    engine_binary: Path,
    default_model: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="backend.chat")
    with AppRuntime(app_paths, _config(app_paths)) as runtime:
        _wait_ready(runtime)
        conversation = runtime.api.create_conversation({})["result"]["id"]
        long_question = "Tell me about the history of Paris. " * 20
        first = runtime.api.send_chat_message(
            {"conversation_id": conversation, "content": long_question}
        )
        assert first["ok"], first
        restarted = runtime.api.restart_server({})  # saves the cache; the new server has none
        assert restarted["result"]["state"] == "ready", restarted
        opened = runtime.api.get_conversation({"conversation_id": conversation})
        assert opened["ok"], opened
        wait_until(
            lambda: f"Restored the cache of {conversation}" in caplog.text,
            timeout_s=30,
            message=lambda: caplog.text[-2000:],
        )
        for saved in app_paths.slot_dir.glob("*.bin"):
            saved.unlink()  # the answer cannot restore it now: it must already be in the slot
        second = runtime.api.send_chat_message(
            {"conversation_id": conversation, "content": "And of Lyon?"}
        )
        assert second["ok"], second
        assert second["result"]["timings"]["cache_n"] > 100
        assert second["result"]["timings"]["prompt_n"] < 40
