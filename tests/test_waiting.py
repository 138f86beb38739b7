"""tests.waiting: the polling helper returns what the predicate found, or fails saying where."""

from __future__ import annotations

import itertools

import pytest

from tests.waiting import wait_until, wait_until_async


def test_wait_until_returns_the_first_truthy_value() -> None:
    calls = itertools.count()
    assert wait_until(lambda: next(calls) >= 3 and "found", interval_s=0.001) == "found"


def test_wait_until_fails_after_the_timeout_with_the_message() -> None:
    looked: list[str] = []

    def state() -> str:
        looked.append("state")
        return "still starting"

    with pytest.raises(AssertionError, match=r"^still starting \(not within 0.05 s; condition at "):
        wait_until(lambda: False, timeout_s=0.05, interval_s=0.01, message=state)
    assert looked == ["state"]  # the message is built once, on failure


def test_wait_until_without_a_message_names_the_predicate() -> None:
    with pytest.raises(AssertionError, match=r"condition at .*test_waiting\.py:\d+ was not met"):
        wait_until(lambda: 0, timeout_s=0.01)


@pytest.mark.anyio
async def test_wait_until_async_awaits_an_async_predicate() -> None:
    calls = itertools.count()

    async def ready() -> int:
        return max(next(calls) - 2, 0)

    assert await wait_until_async(ready, interval_s=0.001) == 1


@pytest.mark.anyio
async def test_wait_until_async_fails_after_the_timeout() -> None:
    with pytest.raises(AssertionError, match=r"^the server kept generating \(not within 0.05 s"):
        await wait_until_async(lambda: [], timeout_s=0.05, message="the server kept generating")
