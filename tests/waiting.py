"""The one way tests wait for something no event announces: poll a predicate with a deadline.

``wait_until(predicate)`` calls ``predicate()`` every ``interval_s`` until it returns something
truthy, and returns that; after ``timeout_s`` it fails with ``AssertionError`` naming where the
predicate was written and ``message`` (a string, or a callable evaluated only on failure, so it can
show the state at that moment). ``wait_until_async`` is the same for async tests, and also awaits a
predicate that returns an awaitable (an HTTP call to the server, say). Prefer waiting for an event
(``anyio.Event``, a queue) when the code under test has one; poll for the outside world (files,
processes, a server's own state).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

import anyio

__all__ = ["wait_until", "wait_until_async"]

T = TypeVar("T")
Message = str | Callable[[], object] | None


def wait_until(
    predicate: Callable[[], T | None],
    *,
    timeout_s: float = 5.0,
    interval_s: float = 0.01,
    message: Message = None,
) -> T:
    """Poll ``predicate`` until it returns a truthy value, and return that value."""
    deadline = time.monotonic() + timeout_s
    while not (value := predicate()):
        if time.monotonic() >= deadline:
            raise AssertionError(_failure(predicate, timeout_s, message))
        time.sleep(interval_s)
    return value


@overload
async def wait_until_async(
    predicate: Callable[[], Awaitable[T | None]],
    *,
    timeout_s: float = ...,
    interval_s: float = ...,
    message: Message = ...,
) -> T: ...


@overload
async def wait_until_async(
    predicate: Callable[[], T | None],
    *,
    timeout_s: float = ...,
    interval_s: float = ...,
    message: Message = ...,
) -> T: ...


async def wait_until_async(
    predicate: Callable[[], object],
    *,
    timeout_s: float = 5.0,
    interval_s: float = 0.01,
    message: Message = None,
) -> object:
    """Poll (and await) ``predicate`` until it gives a truthy value, and return that value."""
    with anyio.move_on_after(timeout_s):
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            await anyio.sleep(interval_s)
    raise AssertionError(_failure(predicate, timeout_s, message))


def _failure(predicate: Callable[[], object], timeout_s: float, message: Message) -> str:
    code = getattr(predicate, "__code__", None)
    where = f"{code.co_filename}:{code.co_firstlineno}" if code else repr(predicate)
    if message is None:
        return f"the condition at {where} was not met within {timeout_s} s"
    detail = message() if callable(message) else message
    return f"{detail} (not within {timeout_s} s; condition at {where})"
