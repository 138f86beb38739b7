"""Validate a command's arguments, run it on the event loop, and wrap the outcome.

The async work of the app runs on one anyio event loop in a background thread. pywebview calls
each command on a fresh thread of its own; the dispatcher hands the work to the loop through a
blocking portal, so neither the GUI thread nor the loop ever waits on the other. Every command
has a deadline, so no call can leave a promise in the page pending forever.

Arguments are checked the same way for both transports before they are validated: strict JSON
values (``strict_json.check``: no NaN, no lone surrogates, not deeply nested), then the
command's strict params model.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from anyio.from_thread import BlockingPortal
from pydantic import BaseModel, TypeAdapter, ValidationError

from .. import strict_json
from ..errors import InvalidArgument, ServerTimeout
from ._envelope import failure, invalid_argument_from, success
from ._registry import Commands

__all__ = ["CommandDispatcher", "Handler"]

Handler = Callable[[Any], Awaitable[Any]]


class CommandDispatcher:
    """Runs ``commands`` by name against a handlers object whose async methods carry the names."""

    def __init__(
        self, commands: Commands, handlers: object, portal: BlockingPortal, *, timeout_s: float
    ) -> None:
        missing = [name for name in commands if not callable(getattr(handlers, name, None))]
        if missing:
            raise TypeError(f"handlers lack commands: {', '.join(missing)}")
        self.commands = commands
        self._handlers = handlers
        self._portal = portal
        self._timeout_s = timeout_s
        self._results = {name: TypeAdapter(spec.result) for name, spec in commands.items()}

    def call(self, name: str, raw: object) -> dict[str, Any]:
        """Run a command from a non-loop thread; always returns an envelope."""
        try:
            params = self._validate(name, raw)
            result = self._portal.call(self._run, name, params)
            return success(self._results[name].dump_python(result, mode="json"))
        except Exception as exc:
            return failure(exc)

    async def acall(self, name: str, raw: object) -> dict[str, Any]:
        """Run a command from the loop itself (HTTP mode); always returns an envelope."""
        try:
            params = self._validate(name, raw)
            result = await self._run(name, params)
            return success(self._results[name].dump_python(result, mode="json"))
        except Exception as exc:
            return failure(exc)

    def _validate(self, name: str, raw: object) -> BaseModel:
        spec = self.commands.get(name)
        if spec is None:
            raise InvalidArgument(f"There is no command named {name!r}.")
        strict_json.check(raw, f"The arguments of {name}")
        try:
            return spec.params.model_validate({} if raw is None else raw)
        except ValidationError as exc:
            raise invalid_argument_from(exc, name) from exc

    async def _run(self, name: str, params: BaseModel) -> Any:
        handler: Handler = getattr(self._handlers, name)
        try:
            with anyio.fail_after(self._timeout_s):
                return await handler(params)
        except TimeoutError as exc:
            raise ServerTimeout(
                f"{name} did not finish within {self._timeout_s:.0f} s.",
                detail="The server may be overloaded; try again or restart it from the header.",
            ) from exc
