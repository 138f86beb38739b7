"""The command registry is read off the handlers' signatures, and refuses anything else."""

from __future__ import annotations

import inspect
from typing import get_args

import pytest

from backend.app import COMMANDS, CommandHandlers
from backend.bridge import CommandSpec, commands_of
from backend.bridge._http import _STATUS
from backend.contract import EmptyParams, ModelInfo, SelectModelParams, ServerDefaults, Stopped
from backend.errors import ErrorCode


def test_every_public_handler_method_is_a_command_in_declaration_order() -> None:
    groups = CommandHandlers.__mro__[1:-2]  # the topic classes, without their base and object
    public = [name for group in groups for name in vars(group) if not name.startswith("_")]
    assert list(COMMANDS) == public
    assert all(callable(getattr(CommandHandlers, name)) for name in COMMANDS)


def test_a_spec_is_the_methods_params_result_and_docstring() -> None:
    assert COMMANDS["select_model"] == CommandSpec(
        name="select_model",
        params=SelectModelParams,
        result=ModelInfo,
        doc=inspect.getdoc(CommandHandlers.select_model) or "",
    )
    assert COMMANDS["stop_generation"].result is Stopped
    assert COMMANDS["get_server_defaults"].result == ServerDefaults | None
    assert COMMANDS["list_models"].result == list[ModelInfo]


class _Good:
    async def ping(self, params: EmptyParams) -> Stopped:
        """Answer."""
        return Stopped(stopped=False)

    async def _helper(self) -> None:
        """Private: not a command."""


class _More(_Good):
    async def pong(self, params: EmptyParams) -> Stopped:
        """Another."""
        return Stopped(stopped=True)

    async def ping(self, params: EmptyParams) -> Stopped:
        """Overridden: still one command."""
        return Stopped(stopped=True)


def test_a_new_command_is_just_a_method() -> None:
    assert list(commands_of(_Good)) == ["ping"]
    assert commands_of(_Good)["ping"].params is EmptyParams


def test_commands_of_a_base_class_count_once_and_the_override_wins() -> None:
    commands = commands_of(_More)
    assert list(commands) == ["pong", "ping"]
    assert commands["ping"].doc == "Overridden: still one command."


class _Sync:
    def ping(self, params: EmptyParams) -> Stopped:
        """Not async."""
        return Stopped(stopped=False)


class _TwoArguments:
    async def ping(self, params: EmptyParams, more: EmptyParams) -> Stopped:
        """Two arguments."""
        return Stopped(stopped=False)


class _NotParams:
    async def ping(self, params: dict[str, str]) -> Stopped:
        """A dict is not a params model."""
        return Stopped(stopped=False)


class _NoResult:
    async def ping(self, params: EmptyParams):  # type: ignore[no-untyped-def]
        """No return annotation."""


class _NoDoc:
    async def ping(self, params: EmptyParams) -> Stopped:
        return Stopped(stopped=False)


@pytest.mark.parametrize(
    ("handlers", "why"),
    [
        (_Sync, "must be an async command method"),
        (_TwoArguments, "exactly one params argument"),
        (_NotParams, "contract.Params model"),
        (_NoResult, "needs a return annotation"),
        (_NoDoc, "needs a docstring"),
    ],
)
def test_a_public_method_that_is_not_a_command_is_refused(handlers: type, why: str) -> None:
    with pytest.raises(TypeError, match=why):
        commands_of(handlers)


def test_browser_mode_has_an_http_status_for_every_error_code() -> None:
    assert set(_STATUS) == set(get_args(ErrorCode))
