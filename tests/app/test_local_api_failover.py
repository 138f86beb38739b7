"""The local API through the providers: every enabled provider's models, and failover.

The app runs the real llama-server with SmolLM2 under the real monitor (one kill -9 goes past
its crash-loop guard: ``restart_max`` 1); the remote provider is a second real llama-server with
an API key on another loopback port (``llama_server``). Requests come from the official
``openai`` client.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from backend.paths import AppPaths
from tests.app.conftest import LocalApiApp, running_local_api
from tests.conftest import RunningServer
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server

_FRAGILE = {
    "engine.restart_max": 1,
    "engine.health_interval_s": 0.1,
    "engine.health_timeout_s": 0.3,
    "engine.stop_timeout_s": 2.0,
    "engine.context_size": 2048,
    "engine.parallel_slots": 1,
}
_STORY: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Write a long story about a dragon who learns to bake bread."}
]
_QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the capital of France?"}
]


@pytest.fixture
def app(app_paths: AppPaths, engine_binary: Path, default_model: Path) -> Iterator[LocalApiApp]:
    """The app whose llama-server fails for good at its first crash, with the local API on."""
    with running_local_api(app_paths, _FRAGILE) as running:
        yield running


def _add_remote(app: LocalApiApp, server: RunningServer) -> tuple[str, str]:
    """Add ``server`` as the provider "Desktop", checked: its id and its model's id."""
    config = {"name": "Desktop", "base_url": f"{server.base_url}/v1", "timeout_s": 30}
    info = app.call("add_provider", provider=config, api_key=server.api_key)
    checked = app.call("check_provider", provider_id=info["id"])
    assert checked["health"]["state"] == "ok", checked
    return str(info["id"]), str(checked["models"][0])


def _failover(app: LocalApiApp, remote: str, model: str, policy: str) -> None:
    rule = {
        "provider_id": "local",
        "model": "*",
        "policy": policy,
        "targets": [{"provider_id": remote, "model": model}],
    }
    app.call("set_failover", rule=rule)


def _kill_local(app: LocalApiApp) -> None:
    pid = app.call("get_server_status")["pid"]
    assert pid is not None
    os.kill(pid, signal.SIGKILL)


def _wait_failed(app: LocalApiApp) -> None:
    wait_until(
        lambda: app.call("get_server_status")["state"] == "failed",
        timeout_s=15,
        interval_s=0.05,
        message=lambda: app.call("get_server_status"),
    )


def test_models_of_every_enabled_provider_say_the_provider(
    app: LocalApiApp, llama_server: RunningServer
) -> None:
    remote, served = _add_remote(app, llama_server)
    client = app.client()
    listed = {m.id: m.owned_by for m in client.models.list().data}
    assert listed == {app.model(): "llamadesk", f"desktop/{served}": "Desktop"}
    answer = client.chat.completions.create(
        model=f"desktop/{served}", messages=_QUESTION, max_tokens=6, temperature=0
    )
    assert answer.model == f"desktop/{served}"
    assert answer.choices[0].message.content
    assert client.models.retrieve(f"desktop/{served}").owned_by == "Desktop"
    local = app.call("get_server_status")
    shown = json.dumps([m.model_dump() for m in client.models.list().data])
    assert str(local["port"]) not in shown, "the app's own llama-server port leaked"
    switched_off = {"name": "Desktop", "base_url": f"{llama_server.base_url}/v1", "enabled": False}
    app.call("update_provider", provider_id=remote, provider=switched_off)
    assert [m.id for m in client.models.list().data] == [app.model()]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model=f"desktop/{served}", messages=_QUESTION)


def _stream_with_a_crash(app: LocalApiApp, client: openai.OpenAI) -> tuple[str, str, list[str]]:
    """Stream a story, kill -9 the local server after some text; (text before, all, models)."""
    before, text, models = "", "", []
    stream = client.chat.completions.create(
        model=app.model(), messages=_STORY, max_tokens=60, temperature=0, stream=True
    )
    for chunk in stream:
        models.append(chunk.model)
        text += "".join(choice.delta.content or "" for choice in chunk.choices)
        if not before and len(text) >= 40:
            before = text
            _kill_local(app)
    return before, text, models


def test_a_dead_local_server_is_stood_in_for_streamed_and_whole(
    app: LocalApiApp, llama_server: RunningServer
) -> None:
    remote, served = _add_remote(app, llama_server)
    stand_in = f"desktop/{served}"
    _failover(app, remote, served, "automatic")
    client = app.client()
    before, text, models = _stream_with_a_crash(app, client)
    _wait_failed(app)
    assert before, "no text came before the crash"
    assert text.startswith(before), "the text before the crash was lost"
    rest = text[len(before) :]
    assert rest.strip(), "the remote added nothing"
    assert before.strip()[:30] not in rest, "the remote started the answer again"
    assert models[0] == app.model()
    assert models[-1] == stand_in, "the chunks after the failover name the stand-in"
    whole = client.chat.completions.create(model=app.model(), messages=_QUESTION, max_tokens=6)
    assert whole.model == stand_in
    assert whole.choices[0].message.content
    streamed = list(
        client.chat.completions.create(
            model=app.model(), messages=_QUESTION, max_tokens=6, stream=True
        )
    )
    assert {c.model for c in streamed} == {stand_in}
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)


def _refused(client: openai.OpenAI, model: str, **options: Any) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as refused:
        client.chat.completions.create(model=model, messages=_QUESTION, max_tokens=6, **options)
    return refused.value


def test_ask_acts_as_off_here_and_says_why(app: LocalApiApp, llama_server: RunningServer) -> None:
    remote, served = _add_remote(app, llama_server)
    _failover(app, remote, served, "ask")
    _kill_local(app)
    _wait_failed(app)
    client = app.client()
    for options in ({}, {"stream": True}):
        asked = _refused(client, app.model(), **options)
        assert asked.status_code == 503
        assert "Failing over to Desktop is set to ask" in asked.message
        assert "set the rule to automatic" in asked.message
    _failover(app, remote, served, "off")
    off = _refused(client, app.model())
    assert off.status_code == 503
    assert "set to ask" not in off.message
    assert app.call("list_providers")["fallbacks"] == [], "no one agreed to a fall-back"
