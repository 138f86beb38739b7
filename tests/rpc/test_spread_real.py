"""A real answer from SmolLM2 spread over two real workers, and one of them killed mid-answer.

LlamaDesk's own stack (the monitor with its ``WorkerPool``, the adapter, the orchestrator) runs
the real llama-server with ``--rpc`` over two ``ggml-rpc-server`` processes on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import psutil
import pytest

from backend.chat import ChatOrchestrator, ConversationStore
from backend.config import EngineSettings, RpcSettings, RpcWorker, Settings
from backend.contract import (
    BridgeEvent,
    RpcStatusEvent,
    ServerStatusEvent,
    StreamChunkEvent,
    StreamEndEvent,
    StreamErrorEvent,
)
from backend.errors import ServerError
from backend.llama import LlamaCppAdapter
from backend.paths import AppPaths
from backend.rpc import WorkerPool
from backend.server import ServerMonitor
from tests.rpc.conftest import Worker
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]

_FAST = {
    "start_timeout_s": 60.0,
    "stop_timeout_s": 2.0,
    "health_interval_s": 0.1,
    "health_timeout_s": 1.0,
    "restart_backoff_s": 0.05,
    "context_size": 1024,
    "parallel_slots": 1,
}


@dataclass
class Stack:
    """The parts of the app these tests drive, and everything they emitted."""

    monitor: ServerMonitor
    pool: WorkerPool
    chat: ChatOrchestrator
    store: ConversationStore
    settings: Settings
    events: list[BridgeEvent] = field(default_factory=list)

    def states(self) -> list[str]:
        return [e.status.state for e in self.events if isinstance(e, ServerStatusEvent)]

    def ends(self) -> list[StreamEndEvent | StreamErrorEvent]:
        return [e for e in self.events if isinstance(e, StreamEndEvent | StreamErrorEvent)]

    def launches(self) -> list[str]:
        return [line for line in self.monitor.logs(2000) if "launching:" in line]


@pytest.fixture
def stack(
    app_paths: AppPaths, engine_binary: Path, default_model: Path, tmp_path: Path
) -> Callable[..., Any]:
    """``async with stack(addresses) as s``: the monitor, pool and chat over those workers."""

    @asynccontextmanager
    async def build(addresses: list[str], model: Path = default_model) -> AsyncIterator[Stack]:
        settings = Settings(
            engine=EngineSettings(**_FAST, server_binary=engine_binary, model=model),
            rpc=RpcSettings(
                workers=[RpcWorker(address=a) for a in addresses],
                probe_timeout_s=3.0,
                probe_interval_s=3600,
            ),
        )
        settings.generation.temperature = 0
        settings.generation.max_tokens = 16
        events: list[BridgeEvent] = []
        pool = WorkerPool(
            lambda: settings.rpc,
            lambda: engine_binary,
            environ=os.environ,
            log_dir=app_paths.log_dir,
            changed=lambda status: events.append(RpcStatusEvent(status=status)),
        )
        monitor = ServerMonitor(
            paths=app_paths, settings=lambda: settings, sink=events.append, workers=pool
        )
        with ConversationStore(tmp_path / "rpc.db") as store:
            async with monitor, LlamaCppAdapter(monitor, timeout=60.0) as adapter:
                chat = ChatOrchestrator(
                    store, adapter, events.append, lambda: settings, explain=pool.lost_error
                )
                async with chat:
                    yield Stack(monitor, pool, chat, store, settings, events)

    return build


async def test_an_answer_comes_from_layers_on_both_workers(
    stack: Callable[..., Any], start_worker: Callable[[], Worker]
) -> None:
    first, second = start_worker(), start_worker()
    idle = [first.resident_bytes(), second.resident_bytes()]
    async with stack([first.address, second.address]) as s:
        status = await s.monitor.start()
        assert status.state == "ready", status.last_error
        assert f"--rpc {first.address},{second.address}" in s.launches()[-1]
        assert "--n-gpu-layers all" in s.launches()[-1]
        assert status.pid is not None  # its abort at a lost worker starts no gdb first
        assert psutil.Process(status.pid).environ()["GGML_NO_BACKTRACE"] == "1"
        for worker, before in zip((first, second), idle, strict=True):
            assert "Accepted client connection" in worker.output()
            # Each holds its share of SmolLM2's 98 MB (about half), not just its own code.
            assert worker.resident_bytes() - before > 25_000_000
        rpc = s.pool.status()
        assert [w.state for w in rpc.workers] == ["in_use", "in_use"]
        assert rpc.fits is True
        assert [share.worker for share in rpc.spread] == [first.address, second.address]
        conversation = await s.chat.conversations.create_conversation()
        answer = await s.chat.handle_user_message(conversation.id, "What is the capital of France?")
        assert answer.status == "complete"
        assert "Paris" in answer.content


async def test_a_worker_killed_mid_answer_is_named_and_the_server_relaunches_without_it(
    stack: Callable[..., Any], start_worker: Callable[[], Worker]
) -> None:
    first, second = start_worker(), start_worker()
    async with stack([first.address, second.address]) as s:
        assert (await s.monitor.start()).state == "ready"
        s.settings.generation.max_tokens = 2000
        conversation = await s.chat.conversations.create_conversation()
        started = await s.chat.handle_user_message_stream(
            conversation.id, "Write a very long story about a dragon."
        )
        await wait_until_async(
            lambda: sum(isinstance(e, StreamChunkEvent) for e in s.events) >= 5, timeout_s=60
        )
        second.kill()
        await wait_until_async(s.ends, timeout_s=30)
        end = s.ends()[0]
        assert isinstance(end, StreamErrorEvent)
        assert f"RPC worker {second.address} went away" in end.error.message
        assert "text so far is kept" in end.error.message
        kept = s.store.get_message(started.assistant_message.id)
        assert kept.status == "error"
        assert kept.content  # the partial answer stays

        ready_again = await wait_until_async(
            lambda: s.states()[-1] == "ready" and len(s.launches()) == 2, timeout_s=60
        )
        assert ready_again
        assert "crashed" in s.states()
        assert f"--rpc {first.address} " in s.launches()[-1] + " "
        notes = "\n".join(s.monitor.logs(2000))
        assert f"Started without worker {second.address}" in notes
        assert "still fits on the other workers" in notes
        crashed = next(
            e.status
            for e in s.events
            if isinstance(e, ServerStatusEvent) and e.status.state == "crashed"
        )
        assert f"RPC worker {second.address} went away" in (crashed.last_error or "")
        states = {w.address: w.state for w in s.pool.status().workers}
        assert states == {first.address: "in_use", second.address: "refused"}

        s.settings.generation.max_tokens = 16
        again = await s.chat.handle_user_message(conversation.id, "What is the capital of France?")
        assert again.status == "complete"


async def test_bad_addresses_never_hang_a_launch(
    stack: Callable[..., Any], refused_address: str, silent_address: str, web_address: str
) -> None:
    async with stack([refused_address, silent_address, web_address]) as s:
        status = await s.monitor.start()
        assert status.state == "ready", status.last_error
        states = {w.address: w.state for w in s.pool.status().workers}
        assert states == {
            refused_address: "refused",
            silent_address: "not_answering",
            web_address: "not_a_worker",
        }
        assert "--rpc" not in s.launches()[-1]
        notes = "\n".join(s.monitor.logs(2000))
        assert "The model still fits on this machine alone" in notes
        for address in (refused_address, silent_address, web_address):
            assert f"worker {address}" in notes


async def test_a_worker_lost_while_idle_is_left_out_and_used_again_once_back(
    stack: Callable[..., Any], start_worker: Callable[..., Worker]
) -> None:
    first, second = start_worker(), start_worker()
    async with stack([first.address, second.address]) as s:
        assert (await s.monitor.start()).state == "ready"
        s.settings.rpc.probe_interval_s = 1.0
        lost = anyio.Event()

        async def relaunch() -> None:
            await s.monitor.restart()
            lost.set()

        async with anyio.create_task_group() as timer:
            timer.start_soon(s.pool.watch, relaunch)
            second.kill()  # nothing is being answered: only the timer can notice
            with anyio.fail_after(30):
                await lost.wait()
            timer.cancel_scope.cancel()
        assert s.monitor.status().state == "ready"
        assert f"--rpc {first.address} " in s.launches()[-1] + " "
        assert {w.address: w.state for w in s.pool.status().workers}[second.address] == "refused"

        back = start_worker(port=int(second.address.rsplit(":", 1)[1]))
        assert (await s.monitor.restart()).state == "ready"
        assert f"--rpc {first.address},{back.address}" in s.launches()[-1]
        assert [w.state for w in s.pool.status().workers] == ["in_use", "in_use"]


async def test_a_model_that_does_not_fit_without_a_missing_worker_fails_naming_it(
    stack: Callable[..., Any], start_worker: Callable[..., Worker], tmp_path: Path
) -> None:
    huge = tmp_path / "huge.gguf"  # sparse: as big as a model no machine here holds
    with huge.open("wb") as file:
        file.truncate(2 * 1000**4)
    alive, gone = start_worker(), start_worker()
    gone.kill()
    async with stack([alive.address, gone.address], model=huge) as s:
        with pytest.raises(ServerError) as caught:
            await s.monitor.start()
        status = s.monitor.status()
        assert status.state == "failed"
        assert status.last_error == caught.value.message
        assert f"Missing worker {gone.address} (connection refused" in status.last_error
        assert "The model needs about 2.0 TB but the workers left have" in status.last_error
        assert "short." in status.last_error
        assert "Start the missing worker again" in (status.hint or "")
        assert s.launches() == []  # nothing was spawned
        rpc = s.pool.status()
        assert rpc.fits is False
        assert rpc.note == status.last_error
