"""Every command fuzzed over HTTP: the answer is 200 or a typed error, and the app stays up.

One real ``python -m backend --browser`` process for the module, with
``tests/scenario/fake-llama-server`` as its llama-server (restarts in well under a second, and a
fuzzed setting cannot make it allocate a huge context). For each command, hypothesis
sends ``FITTING_EXAMPLES`` bodies generated from the contract's JSON schema of its arguments
(``from_schema``), then ``HOSTILE_EXAMPLES`` with hostile values mixed in at every level (NaN,
infinities, numbers past any bound, megabytes of text, lone surrogates, nesting thousands of
levels deep, wrong JSON types), hostile as a whole, or damaged as bytes (UTF-16, invalid UTF-8,
cut short); the two counts bound the module to well under a minute of CPU. Ids come from a
conversation made before each command as well as from their pattern, so commands reach their
handlers, not only their validation; settings go back to their defaults before each command.

Every answer must be JSON: 200 with ``{"ok": true, "result"}``, or an error envelope with a
known code and a 4xx status. The only 5xx allowed are the engine's own states, typed as such
(``server_unavailable`` 503, ``server_error`` 502, ``timeout`` 504: e.g. after a fuzzed
``stop_server``); a 500 never is. After each command's run the process is alive and answers.

Kept on this machine: the llama-server host, model folders and extra arguments are fixed by
``--set`` (so saving them is refused as locked), download, link, tool-server and provider URLs
point at 127.0.0.1:9, tool-server commands name files that do not exist, ``BROWSER=true`` makes
``open_external`` run ``true`` instead of a browser, and tool secrets go to a file in the
temporary home (the keyring is the fail backend).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.app import COMMANDS
from backend.bridge import contract_schema
from backend.config import Settings
from backend.errors import ErrorCode

from ..strategies import export_documents, from_schema, hostile_values, to_json
from ..waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
FAKE_SERVER = ROOT / "tests" / "scenario" / "fake-llama-server"
FITTING_EXAMPLES = 5
HOSTILE_EXAMPLES = 8
_CODES = frozenset(typing.get_args(ErrorCode))
_ENGINE_5XX = {"server_unavailable": 503, "server_error": 502, "timeout": 504}
_SCHEMA = contract_schema(COMMANDS)
_DEFS = _SCHEMA["$defs"]
_ID = r"[A-Za-z0-9_-]{1,64}"
_LOCKED = ["engine.host=127.0.0.1", "engine.models_dirs=[]", "engine.extra_args=[]"]


@dataclass
class FuzzedApp:
    process: subprocess.Popen[str]
    base: str
    token: str
    stderr: Path
    ids: dict[str, list[str]] = field(default_factory=dict)
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)

    def post(self, name: str, body: bytes, timeout: float = 60) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        return httpx.post(f"{self.base}/api/{name}", content=body, headers=headers, timeout=timeout)

    def call(self, name: str, **params: object) -> Any:
        response = self.post(name, to_json(params).encode())
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def log(self) -> str:
        return self.stderr.read_text(errors="replace")[-4000:]


def _status(app: FuzzedApp) -> str:
    return str(app.call("get_server_status")["state"])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedApp]:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    folder = tmp_path_factory.mktemp("fuzz")
    env = {
        **os.environ,
        "LLAMADESK_HOME": str(folder / "home"),
        "LLAMADESK_SERVER_BIN": str(FAKE_SERVER),
        "BROWSER": "true",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    command = [sys.executable, "-m", "backend", "--browser", "--port", "0"]
    for leaf in _LOCKED:
        command += ["--set", leaf]
    stderr = folder / "stderr.log"
    with stderr.open("w") as errors:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    assert process.stdout is not None
    match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", process.stdout.readline())
    assert match, f"no URL line; stderr:\n{stderr.read_text()}"
    running = FuzzedApp(process, match.group(1), match.group(2), stderr)
    wait_until(lambda: _status(running) == "ready", timeout_s=60, interval_s=0.1)
    running.defaults = _defaults(running)
    running.ids["model"] = [m["id"] for m in running.call("list_models")]
    yield running
    process.terminate()
    process.communicate(timeout=30)


def _defaults(app: FuzzedApp) -> dict[str, dict[str, Any]]:
    """Every setting at its default, but the locked ones (saving those is refused)."""
    values = Settings().model_dump(mode="json", exclude={"schema_version"})
    for leaf in app.call("get_config")["locked"]:
        section, _, name = leaf.partition(".")
        del values[section][name]
    return values


def _seed(app: FuzzedApp) -> None:
    """Settings back at their defaults, the server running, and a conversation with a question
    and its answer, so fuzzed ids name real things (anew for each command: the one before may
    have deleted it, or saved settings the server cannot start with)."""
    app.call("save_config", config=app.defaults)
    if _status(app) not in {"ready", "starting", "restarting"}:
        app.call("restart_server")
    wait_until(lambda: _status(app) == "ready", timeout_s=60, interval_s=0.05)
    conversation = app.call("create_conversation", title="seed")
    app.call("send_chat_message", conversation_id=conversation["id"], content="Hi")
    messages = app.call("get_conversation", conversation_id=conversation["id"])["messages"]
    app.ids["conversation"] = [conversation["id"]]
    app.ids["message"] = [m["id"] for m in messages]


def _known(ids: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ids), st.from_regex(_ID, fullmatch=True))


def _overrides(app: FuzzedApp) -> dict[str, st.SearchStrategy[Any]]:
    """Fitting values that reach handlers: known ids, real settings and exports, local URLs."""
    conversation = _known(app.ids["conversation"])
    return {
        "conversation_id": conversation,
        "conversation_ids": st.none() | st.lists(conversation, max_size=3),
        "message_id": _known(app.ids["message"]),
        "model_id": _known(app.ids["model"]),
        "url": st.sampled_from(["http://127.0.0.1:9/m.gguf", "https://127.0.0.1:9/a/b.gguf"]),
        "base_url": st.sampled_from(["http://127.0.0.1:9/v1", "https://[::1]:9"]),
        "command": st.sampled_from(["/nonexistent/fuzz-mcp", "./fuzz-mcp-missing"]),
        "config": from_schema(Settings.model_json_schema(), hostile=hostile_values()),
        "data": export_documents() | export_documents().map(to_json),
    }


def _params_schema(name: str) -> dict[str, Any]:
    command = _DEFS[_DEFS["Commands"]["properties"][name]["$ref"].rsplit("/", 1)[1]]
    return dict(_DEFS[command["properties"]["params"]["$ref"].rsplit("/", 1)[1]])


def _damaged(text: str, how: int, where: int) -> bytes:
    """The body's bytes, broken one way: UTF-16, a bad UTF-8 sequence, or cut short."""
    if how == 0:
        return text.encode("utf-16")
    raw = text.encode()
    at = where % (len(raw) + 1)
    if how == 1:
        return raw[:at] + b"\xff" + raw[at:]
    if how == 2:
        return raw[:at] + b"\xed\xa0\x80" + raw[at:]  # a surrogate, UTF-8-encoded: invalid
    return raw[:at]


def _fitting(name: str, app: FuzzedApp) -> st.SearchStrategy[bytes]:
    """Bodies that fit the command's schema: these reach the handler."""
    fitting = from_schema(_params_schema(name), _DEFS, overrides=_overrides(app))
    return fitting.map(to_json).map(str.encode)


def _hostile(name: str, app: FuzzedApp) -> st.SearchStrategy[bytes]:
    """Bodies with hostile values inside, hostile as a whole, or damaged as bytes."""
    spiked = from_schema(
        _params_schema(name), _DEFS, hostile=hostile_values(), overrides=_overrides(app)
    ).map(to_json)
    return st.one_of(
        spiked.map(str.encode),
        hostile_values().map(to_json).map(str.encode),
        st.builds(_damaged, spiked, st.integers(0, 3), st.integers(0, 10_000)),
    )


def _check(response: httpx.Response, app: FuzzedApp) -> None:
    where = f"{response.request.url.path} -> {response.status_code}: {response.text[:500]}"
    assert response.headers.get("content-type") == "application/json", where
    body = response.json()
    if response.status_code == 200:
        assert body["ok"] is True, where
        assert "result" in body, where
        return
    error = body["error"]
    assert set(error) == {"code", "message", "detail", "fields"}, where
    assert error["code"] in _CODES, where
    if response.status_code >= 500:
        assert _ENGINE_5XX.get(error["code"]) == response.status_code, f"{where}\n{app.log()}"
    else:
        assert 400 <= response.status_code < 500, where


def _healthy(app: FuzzedApp) -> None:
    assert app.process.poll() is None, f"the app died:\n{app.log()}"
    assert isinstance(app.call("list_conversations"), list)
    assert app.call("get_server_status")["state"]


def _fuzz(app: FuzzedApp, name: str, bodies: st.SearchStrategy[bytes], examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies)
    def fuzz(body: bytes) -> None:
        _check(app.post(name, body), app)
        assert app.process.poll() is None, f"the app died:\n{app.log()}"

    fuzz()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_answers_fuzzed_bodies_with_200_or_a_typed_error(
    app: FuzzedApp, name: str
) -> None:
    _seed(app)
    _fuzz(app, name, _fitting(name, app), FITTING_EXAMPLES)
    _fuzz(app, name, _hostile(name, app), HOSTILE_EXAMPLES)
    _healthy(app)


def test_the_app_still_answers_after_the_fuzz(app: FuzzedApp) -> None:
    _healthy(app)
    conversation = app.call("create_conversation", title="after")
    assert app.call("get_conversation", conversation_id=conversation["id"])["messages"] == []
