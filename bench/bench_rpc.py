"""SmolLM2 all-local vs spread over two loopback RPC workers, and a worker's death to ``ready``.

Two ``ggml-rpc-server`` workers run on 127.0.0.1 (one thread each, tensor cache on). The real
``ServerMonitor`` launches llama-server three ways and each is measured with the same streamed
request (a short prompt, 64 tokens, ``ignore_eos``), median of ``ROUNDS``:

* all-local: no workers;
* spread: ``WorkerPool`` with both workers (``--rpc``, every layer on the workers);
* a worker killed (kill -9) while an answer streams → the monitor's ``ready`` again, relaunched
  on the other worker alone (median of ``DEATHS``; the killed worker is started again and the
  server relaunched over both before each one).

Tokens per second are llama-server's own ``predicted_per_second``; time to first token is from
sending the request to the first content chunk. Over loopback this measures the protocol's cost,
not a speed-up. llama-server runs one thread (``LLAMA_ARG_THREADS=1`` unless set), as in the tests.

Goal: relaunch without the worker ≤ 3 s.

    python bench/bench_rpc.py --json OUT
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
from _benchkit import report, scratch_home, smol_engine

from backend.config import EngineSettings, RpcSettings, RpcWorker, Settings
from backend.contract import BridgeEvent, ServerStatusEvent
from backend.engine import locate_worker
from backend.paths import AppPaths
from backend.processes import spawn_child
from backend.rpc import WorkerPool, worker_argv
from backend.server import ServerMonitor

ROUNDS = 5
DEATHS = 3
TOKENS = 64
GOAL_RELAUNCH_S = 3.0
PROMPT = "Tell me a story about a lighthouse keeper."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Workers:
    """Two ggml-rpc-server processes on loopback ports, each restartable."""

    def __init__(self, binary: Path, cache: Path) -> None:
        self.binary = binary
        self.env = {**os.environ, "LLAMA_CACHE": str(cache)}
        self.ports = [_free_port(), _free_port()]
        self.processes: list[subprocess.Popen[bytes] | None] = [None, None]

    @property
    def addresses(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.ports]

    def start(self, index: int) -> None:
        argv = worker_argv(self.binary, "127.0.0.1", self.ports[index], threads=1)
        # Killed with the benchmark, however it ends (PDEATHSIG), like the app's own children.
        process = spawn_child(argv, self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes[index] = process
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.ports[index]), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"worker {index} did not listen")

    def kill(self, index: int) -> None:
        process = self.processes[index]
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for index in range(2):
            self.kill(index)


def _client() -> httpx.AsyncClient:
    # A fresh connection per request: llama-server may close a kept-alive one as it is reused.
    return httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_keepalive_connections=0))


class Clock:
    """Notes when each ``ready`` arrives."""

    def __init__(self) -> None:
        self.ready_at: list[float] = []
        self._changed = anyio.Event()

    def __call__(self, event: BridgeEvent) -> None:
        if isinstance(event, ServerStatusEvent) and event.status.state == "ready":
            self.ready_at.append(time.monotonic())
            self._changed.set()
            self._changed = anyio.Event()

    async def next_ready(self, count: int, timeout_s: float = 60.0) -> float:
        """When the ``count``-th ready event arrived, waiting for it if needed."""
        with anyio.fail_after(timeout_s):
            while len(self.ready_at) < count:
                await self._changed.wait()
        return self.ready_at[count - 1]


async def stream_once(monitor: ServerMonitor, client: httpx.AsyncClient) -> tuple[float, float]:
    """(time to first token in s, tokens per second) for one streamed answer."""
    endpoint = await monitor.endpoint()
    body = {
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": TOKENS,
        "ignore_eos": True,
        "temperature": 0,
        "stream": True,
        "cache_prompt": False,
    }
    headers = {"Authorization": f"Bearer {endpoint.api_key}"}
    sent = time.monotonic()
    first: float | None = None
    speed = 0.0
    url = endpoint.url("/v1/chat/completions")
    async with client.stream("POST", url, json=body, headers=headers, timeout=120) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            choices = chunk.get("choices") or [{}]
            if first is None and (choices[0].get("delta") or {}).get("content"):
                first = time.monotonic()
            if "timings" in chunk:
                speed = float(chunk["timings"]["predicted_per_second"])
    assert first is not None, "no token came"
    return first - sent, speed


async def measure_answers(monitor: ServerMonitor) -> dict[str, float]:
    ttft, speed = [], []
    async with _client() as client:
        await stream_once(monitor, client)  # warm-up
        for _ in range(ROUNDS):
            first, rate = await stream_once(monitor, client)
            ttft.append(first)
            speed.append(rate)
    return {
        "ttft_s_median": round(statistics.median(ttft), 4),
        "tokens_per_s_median": round(statistics.median(speed), 1),
    }


async def measure_death(monitor: ServerMonitor, clock: Clock, workers: Workers) -> list[float]:
    took = []
    async with _client() as client:
        for round_ in range(DEATHS):
            if round_ > 0:
                workers.start(1)  # back for the next round; the restart takes it again
            await monitor.restart()
            seen = len(clock.ready_at)
            async with anyio.create_task_group() as tasks:

                async def answer() -> None:
                    # The answer is cut off by the worker's death: expected.
                    with contextlib.suppress(httpx.HTTPError, AssertionError):
                        await stream_once(monitor, client)

                tasks.start_soon(answer)
                await anyio.sleep(0.5)  # let it stream
                killed = time.monotonic()
                workers.kill(1)
                took.append(await clock.next_ready(seen + 1) - killed)
            launched = [line for line in monitor.logs(200) if "launching:" in line][-1]
            assert workers.addresses[1] not in launched, launched
    return took


async def run(paths: AppPaths, engine: EngineSettings, workers: Workers) -> dict[str, Any]:
    local = Settings(engine=engine)
    async with ServerMonitor(paths=paths, settings=lambda: local, sink=lambda _e: None) as monitor:
        await monitor.start()
        all_local = await measure_answers(monitor)
    spread = Settings(
        engine=engine,
        rpc=RpcSettings(
            workers=[RpcWorker(address=a) for a in workers.addresses], probe_interval_s=3600
        ),
    )
    clock = Clock()
    pool = WorkerPool(
        lambda: spread.rpc, lambda: engine.server_binary, environ=os.environ, log_dir=paths.log_dir
    )
    async with ServerMonitor(
        paths=paths, settings=lambda: spread, sink=clock, workers=pool
    ) as monitor:
        await monitor.start()
        launched = [line for line in monitor.logs(200) if "launching:" in line][-1]
        assert ",".join(workers.addresses) in launched, launched
        over_workers = await measure_answers(monitor)
        deaths = await measure_death(monitor, clock, workers)
    return {
        "all_local": all_local,
        "two_loopback_workers": over_workers,
        "worker_death_to_ready_s_median": round(statistics.median(deaths), 3),
        "worker_death_to_ready_s": [round(value, 3) for value in deaths],
        "goal_relaunch_s": GOAL_RELAUNCH_S,
        "meets_goal": statistics.median(deaths) <= GOAL_RELAUNCH_S,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    os.environ.setdefault("LLAMA_ARG_THREADS", "1")
    binary, model = smol_engine()
    worker = locate_worker(binary.path)
    if worker is None:
        sys.exit(f"no ggml-rpc-server beside {binary.path}; run `python -m backend engine --build`")
    engine = EngineSettings(
        server_binary=binary.path, model=model, context_size=1024, parallel_slots=1
    )
    with scratch_home() as home:
        workers = Workers(worker, home / "rpc-cache")
        try:
            workers.start(0)
            workers.start(1)
            results = anyio.run(run, AppPaths.from_env(), engine, workers)
        finally:
            workers.stop_all()
    results.update(cpus=os.cpu_count(), engine=binary.version, model=model.name, tokens=TOKENS)
    report(results, args.json)
    return 0 if results["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
