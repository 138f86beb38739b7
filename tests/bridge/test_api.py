"""The js_api class and dispatcher: thin, typed, never a bare exception or a pending promise."""

from __future__ import annotations

import inspect
import json
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.app import COMMANDS
from backend.bridge import CommandDispatcher, LlamaDeskApi
from backend.contract import (
    ServerStatus,
)
from backend.errors import ConfigError, Conflict, FieldError

from .fakes import FakeHandlers


@pytest.fixture
def api(handlers: FakeHandlers, portal: BlockingPortal) -> LlamaDeskApi:
    return LlamaDeskApi(CommandDispatcher(COMMANDS, handlers, portal, timeout_s=2.0))


def test_public_surface_is_exactly_the_commands(api: LlamaDeskApi) -> None:
    public = {name for name, _ in inspect.getmembers(api) if not name.startswith("_")}
    assert public == set(COMMANDS)


def test_a_command_validates_and_returns_an_envelope(
    api: LlamaDeskApi, handlers: FakeHandlers
) -> None:
    answer = api.send_chat_message({"conversation_id": "c1", "content": "Hello"})
    assert answer["ok"] is True
    assert answer["result"]["content"] == "hi"
    name, params = handlers.calls[0]
    assert (name, params.content) == ("send_chat_message", "Hello")
    json.dumps(answer, allow_nan=False)


def test_missing_and_extra_fields_are_typed_errors(
    api: LlamaDeskApi, handlers: FakeHandlers
) -> None:
    answer = api.send_chat_message({"conversation_id": "c1", "extra": 1})
    assert answer["ok"] is False
    error = answer["error"]
    assert error["code"] == "invalid_argument"
    assert {f["field"] for f in error["fields"]} == {"content", "extra"}
    assert handlers.calls == []


def test_positional_arguments_are_refused(api: LlamaDeskApi) -> None:
    answer = api.rename_conversation("c1", "title")
    assert answer["error"]["code"] == "invalid_argument"


def test_our_errors_keep_code_message_and_fields(api: LlamaDeskApi, handlers: FakeHandlers) -> None:
    async def busy(params: Any) -> Any:
        raise Conflict("This conversation is already answering.", detail="c1")

    async def bad_config(params: Any) -> Any:
        raise ConfigError("Invalid settings", fields=[FieldError("engine.port", "too big")])

    handlers.override["send_chat_message_stream"] = busy
    handlers.override["save_config"] = bad_config
    err = api.send_chat_message_stream({"conversation_id": "c1", "content": "x"})["error"]
    assert (err["code"], err["message"], err["detail"]) == (
        "conflict",
        "This conversation is already answering.",
        "c1",
    )
    err = api.save_config({"config": {"engine": {"port": 99999}}})["error"]
    assert err["fields"] == [{"field": "engine.port", "message": "too big"}]


def test_a_bug_becomes_an_internal_error_not_a_traceback(
    api: LlamaDeskApi, handlers: FakeHandlers
) -> None:
    async def broken(params: Any) -> Any:
        raise KeyError("boom")

    handlers.override["list_conversations"] = broken
    err = api.list_conversations({})["error"]
    assert err["code"] == "internal"
    assert "KeyError" in err["detail"]


def test_nan_in_a_result_cannot_hang_the_page(api: LlamaDeskApi, handlers: FakeHandlers) -> None:
    async def nan_status(params: Any) -> ServerStatus:
        return ServerStatus(state="ready", uptime_s=float("nan"))

    handlers.override["get_server_status"] = nan_status
    assert api.get_server_status()["error"]["code"] == "internal"


def test_a_command_that_never_returns_times_out(
    handlers: FakeHandlers, portal: BlockingPortal
) -> None:
    async def forever(params: Any) -> Any:
        await anyio.sleep_forever()

    handlers.override["get_server_logs"] = forever
    api = LlamaDeskApi(CommandDispatcher(COMMANDS, handlers, portal, timeout_s=0.2))
    assert api.get_server_logs({"lines": 5})["error"]["code"] == "timeout"


def test_dispatcher_refuses_incomplete_handlers(portal: BlockingPortal) -> None:
    with pytest.raises(TypeError, match="send_chat_message"):
        CommandDispatcher(COMMANDS, object(), portal, timeout_s=1)


_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=300),
    st.text(min_size=70, max_size=5000),
    st.lists(st.text(max_size=10), max_size=5),
    st.dictionaries(st.text(max_size=10), st.integers(), max_size=3),
)
_ARGS = st.one_of(
    _ODD_VALUES,
    st.dictionaries(
        st.sampled_from(
            [
                "conversation_id",
                "message_id",
                "content",
                "title",
                "query",
                "config",
                "pinned",
                "conversation_ids",
                "format",
                "data",
                "model_id",
                "lines",
                "limit",
                "zzz",
            ]
        ),
        _ODD_VALUES,
        max_size=5,
    ),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from(sorted(COMMANDS)), args=_ARGS)
def test_fuzzed_arguments_always_get_an_envelope(
    api: LlamaDeskApi, name: str, args: object
) -> None:
    answer = getattr(api, name)(args)
    json.dumps(answer, allow_nan=False)
    if answer["ok"] is False:
        assert answer["error"]["code"] == "invalid_argument"
        assert answer["error"]["message"]
