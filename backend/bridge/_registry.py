"""The command registry, read off a handlers class.

A command is one public ``async def name(self, params: SomeParams) -> Result`` on the handlers
class or one of its bases (the handlers group commands by topic in small base classes): the
method's name is the command's name, its one argument's annotation (a ``contract.Params`` model)
validates the page's keyword arguments, its return annotation says how the answer is serialised,
and its docstring says what it does. ``commands_of`` reads them all, base by base in method
resolution order and each in definition order, and refuses a public method that is not shaped
like that, so the API class, the HTTP mode and the TypeScript generator cannot disagree with the
handlers.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_type_hints

from ..contract import Params

__all__ = ["CommandSpec", "Commands", "commands_of"]


@dataclass(frozen=True)
class CommandSpec:
    """One command: its params model, its result type and its handler's docstring."""

    name: str
    params: type[Params]
    result: Any
    doc: str


Commands = Mapping[str, CommandSpec]
"""Every command by name, in the order the handlers class declares them."""


def commands_of(handlers: type) -> dict[str, CommandSpec]:
    """The commands ``handlers`` and its bases declare: each public method, read as above."""
    commands: dict[str, CommandSpec] = {}
    for owner in inspect.getmro(handlers)[:-1]:  # all but ``object``
        for name in vars(owner):
            if not name.startswith("_") and name not in commands:
                commands[name] = _spec(owner, name, getattr(handlers, name))
    return commands


def _spec(owner: type, name: str, member: object) -> CommandSpec:
    where = f"{owner.__name__}.{name}"
    if not inspect.iscoroutinefunction(member):
        raise TypeError(f"{where} is public, so it must be an async command method")
    hints = get_type_hints(member)
    arguments = list(inspect.signature(member).parameters.values())[1:]
    if len(arguments) != 1 or arguments[0].kind is not arguments[0].POSITIONAL_OR_KEYWORD:
        raise TypeError(f"{where} must take exactly one params argument after self")
    params = hints.get(arguments[0].name)
    if not (isinstance(params, type) and issubclass(params, Params)):
        raise TypeError(f"{where}'s argument must be annotated with a contract.Params model")
    if "return" not in hints:
        raise TypeError(f"{where} needs a return annotation: it is the command's result type")
    doc = inspect.getdoc(member)
    if not doc:
        raise TypeError(f"{where} needs a docstring: it documents the command")
    return CommandSpec(name=name, params=params, result=hints["return"], doc=doc)
