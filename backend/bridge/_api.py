"""The ``js_api`` object: one public method per command, and nothing else public.

pywebview exposes every public attribute of this object to the page as
``window.pywebview.api.<name>(params)``. The methods are the dispatcher's commands, bound when
the object is made; each takes one object of keyword arguments and returns an envelope (see
``_envelope``). The window and the dispatcher are private: a public window would hand the page
``evaluate_js``, ``destroy`` and friends.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MethodType
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from ._dispatch import CommandDispatcher
from ._envelope import failure
from ._registry import CommandSpec

__all__ = ["LlamaDeskApi"]

_Method = Callable[..., dict[str, Any]]


def _command(spec: CommandSpec) -> _Method:
    def method(self: LlamaDeskApi, params: object = None, *extra: object) -> dict[str, Any]:
        if extra:
            return failure(InvalidArgument(f"{spec.name} takes one object of keyword arguments."))
        return self._dispatcher.call(spec.name, params)

    method.__name__ = method.__qualname__ = spec.name
    method.__doc__ = f"Bridge command ``{spec.name}``: {spec.doc}"
    return method


class LlamaDeskApi:
    """The commands the page may call: one bound method per command of the dispatcher."""

    def __init__(self, dispatcher: CommandDispatcher) -> None:
        self._dispatcher = dispatcher
        for spec in dispatcher.commands.values():
            setattr(self, spec.name, MethodType(_command(spec), self))

    if TYPE_CHECKING:  # the commands are bound per instance; say so to the type checker

        def __getattr__(self, name: str) -> _Method: ...
