"""The local API's switch, port and key, live on the running app; requests beside its chats."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.localapi import KEY_NAME
from backend.paths import AppPaths
from backend.secrets import SecretStore
from tests.app.conftest import LocalApiApp
from tests.conftest import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server

_HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Say hello."}]


def _answers(app: LocalApiApp) -> bool:
    """Whether the API answers with text; greedy and 8 tokens, as a sampled 2-token answer
    came back empty once in CI."""
    client = app.client()
    answer = client.chat.completions.create(
        model=app.model(), messages=_HELLO, max_tokens=8, temperature=0
    )
    return bool(answer.choices[0].message.content)


def test_it_is_off_by_default_and_starts_and_stops_live(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    events: list[dict[str, Any]] = []

    class Recorder:
        def deliver(self, batch: Any) -> None:
            events.extend(batch)

    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli={})) as runtime:
        runtime.attach(Recorder())
        app = LocalApiApp(runtime, free_port())
        off = app.status()
        assert (off["state"], off["url"]) == ("off", None)
        assert off["port"] == 7337
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", 7337)) != 0, "nothing listens while off"

        app.switch(enabled=True, port=app.port)
        running = app.wait_state("running")
        assert running["url"] == f"http://127.0.0.1:{app.port}/v1"
        assert _answers(app)

        app.switch(enabled=False)
        assert app.wait_state("off")["url"] is None
        with pytest.raises(openai.APIConnectionError):
            app.client().models.list()

        moved = free_port()
        app.switch(enabled=True, port=moved)
        assert app.wait_state("running")["url"] == f"http://127.0.0.1:{moved}/v1"
        assert _answers(app)

        def states() -> list[str]:
            return [e["status"]["state"] for e in events if e.get("type") == "local_api_status"]

        # Events reach the page a flush after the state changed, not with the command's answer.
        wanted = ["starting", "running", "off", "starting", "running"]
        wait_until(lambda: states() == wanted, timeout_s=5, interval_s=0.02, message=states)


def test_a_taken_port_fails_readably_and_another_port_works(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    with (
        AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli={})) as runtime,
        socket.socket() as holder,
    ):
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        app = LocalApiApp(runtime, taken)
        app.switch(enabled=True, port=taken)
        failed = app.wait_state("failed")
        assert failed["url"] is None
        assert failed["error"].startswith(f"Port {taken} on 127.0.0.1 is already in use by python")
        assert "Choose another port in Settings → Local API" in failed["error"]

        app.switch(enabled=True, port=free_port())
        app.wait_state("running")
        assert app.status()["error"] is None
        app.switch(enabled=False)
        app.wait_state("off")


def test_a_new_key_refuses_the_old_one_and_the_key_is_kept_as_a_secret(
    local_api: LocalApiApp, app_paths: AppPaths
) -> None:
    old = local_api.status()["api_key"]
    assert old.startswith("ldk-")
    assert len(old) > 40
    fresh = local_api.call("regenerate_local_api_key")["api_key"]
    assert fresh != old
    with pytest.raises(openai.AuthenticationError):
        local_api.client(key=old).models.list()
    assert local_api.client(key=fresh).models.list().data
    stored = SecretStore(app_paths.secrets_file, f"LlamaDesk ({app_paths.config_dir})")
    assert stored.get(KEY_NAME) == fresh
    assert fresh not in app_paths.settings_file.read_text(encoding="utf-8")
    assert local_api.status()["key_store"] == stored.where


def test_concurrent_requests_and_the_apps_own_chat_all_finish(local_api: LocalApiApp) -> None:
    model = local_api.model()
    texts: list[str] = []
    errors: list[BaseException] = []

    def ask(stream: bool) -> None:
        try:
            client = local_api.client()
            if stream:
                chunks = client.chat.completions.create(
                    model=model,
                    messages=_HELLO,
                    max_tokens=16,
                    stream=True,
                )
                texts.append("".join(c.choices[0].delta.content or "" for c in chunks if c.choices))
            else:
                answer = client.chat.completions.create(model=model, messages=_HELLO, max_tokens=16)
                texts.append(answer.choices[0].message.content or "")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(n % 2 == 0,)) for n in range(4)]
    for thread in threads:
        thread.start()
    conversation = local_api.call("create_conversation", title="Beside the API")["id"]
    chat = local_api.runtime.api.send_chat_message(
        {"conversation_id": conversation, "content": "Say hello."}
    )
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert len(texts) == 4
    assert all(texts)
    assert chat["ok"], chat
    assert chat["result"]["status"] == "complete"
    assert chat["result"]["content"]
