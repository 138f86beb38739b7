"""The wake-up a settings save sends to the task that follows those settings."""

from __future__ import annotations

import threading

import anyio
import pytest

from backend.wakeup import Wakeup


@pytest.mark.anyio
async def test_a_set_from_another_thread_wakes_the_waiting_task() -> None:
    wakeup = Wakeup()
    wakeup.bind()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(wakeup.wait)
            await anyio.sleep(0.01)
            threading.Thread(target=wakeup.set).start()


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


@pytest.mark.anyio
async def test_a_set_on_the_loop_itself_wakes_the_task_without_waiting_for_the_loop() -> None:
    wakeup = Wakeup()
    wakeup.bind()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(wakeup.wait)
            await anyio.sleep(0.01)
            wakeup.set()
