"""The wake-up a settings save sends to the task that follows those settings."""

from __future__ import annotations

import threading
from collections.abc import Callable

import anyio
import pytest

from backend.wakeup import Wakeup


def _from_another_thread(wakeup: Wakeup) -> None:
    threading.Thread(target=wakeup.set).start()


def _on_the_loop_itself(wakeup: Wakeup) -> None:
    # Called on the loop's own thread (a command, an answer): set without waiting for the loop.
    wakeup.set()


@pytest.mark.anyio
@pytest.mark.parametrize("call_set", [_from_another_thread, _on_the_loop_itself])
async def test_a_set_wakes_the_waiting_task(call_set: Callable[[Wakeup], None]) -> None:
    wakeup = Wakeup()
    wakeup.bind()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(wakeup.wait)
            await anyio.sleep(0.01)
            call_set(wakeup)


@pytest.mark.anyio
async def test_a_set_while_the_task_is_busy_is_kept_and_a_wait_needs_a_newer_one() -> None:
    wakeup = Wakeup()
    wakeup.bind()
    await anyio.to_thread.run_sync(wakeup.set)
    with anyio.fail_after(1):
        await wakeup.wait()
    with anyio.move_on_after(0.05) as waiting:
        await wakeup.wait()
    assert waiting.cancelled_caught, "the set already seen does not wake the next wait"


@pytest.mark.anyio
async def test_before_bind_a_set_wakes_nobody_and_a_wait_is_refused() -> None:
    wakeup = Wakeup()
    wakeup.set()
    with pytest.raises(RuntimeError, match="before bind"):
        await wakeup.wait()
