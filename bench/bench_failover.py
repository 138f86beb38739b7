"""Failover: the local server's death mid-answer → the first token from the fallback (real servers).

The real ``ServerMonitor`` supervises SmolLM2 past whose crash-loop guard one kill -9 goes
(``restart_max`` 1, so it ends ``failed``: failover must not wait for a recovery); a second real
llama-server with an API key on another loopback port is the remote provider, behind the local one
in an automatic failover rule. Each round streams an answer through ``ProviderRouter.stream``,
kills the local server after 8 tokens, and times kill → the first token the remote sends
(median of 10); the local server is started again between rounds.

Goal on 2 cores: ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import secrets
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

from backend.config import EngineSettings, Settings
from backend.contract import FailoverRule, FailoverTarget, ProviderConfig
from backend.llama import ChatDelta, LlamaCppAdapter
from backend.paths import AppPaths
from backend.providers import Answering, ManagedServer, ProviderService, ProviderStore
from backend.secrets import SecretStore
from backend.server import ServerMonitor

ROUNDS = 10
GOAL_S = 1.0
TOKENS_BEFORE_KILL = 8
PROMPT = [{"role": "user", "content": "Write a long story about a dragon who bakes bread."}]


def _remote(binary: Path, model: Path, key: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port), "-c", "2048"]
    process = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "LLAMA_API_KEY": key},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the remote llama-server did not start")


async def _round(service: ProviderService, monitor: ServerMonitor) -> float:
    await monitor.start()
    # The local server is healthy again: end the last round's fall-back, as the health watch does.
    for fallback in service.router.fallbacks():
        service.router.primary_healthy(fallback.provider_id)
    params = {"max_tokens": 200, "temperature": 0}
    killed_at: float | None = None
    seen = 0
    async with service.router.stream("local", None, PROMPT, params) as items:
        async for item in items:
            if isinstance(item, Answering) or not isinstance(item, ChatDelta) or not item.content:
                continue
            if killed_at is not None:
                return time.monotonic() - killed_at
            seen += 1
            if seen == TOKENS_BEFORE_KILL:
                pid = monitor.status().pid
                assert pid is not None
                killed_at = time.monotonic()
                os.kill(pid, signal.SIGKILL)
    raise RuntimeError("the answer ended before the fallback sent a token")


async def measure(binary: Path, model: Path, paths: AppPaths) -> dict[str, Any]:
    key = secrets.token_urlsafe(16)
    remote, url = _remote(binary, model, key)
    engine = EngineSettings(server_binary=binary, model=model, restart_max=1, context_size=2048)
    settings = Settings(engine=engine)
    times: list[float] = []
    try:
        async with (
            ServerMonitor(paths=paths, settings=lambda: settings, sink=lambda _: None) as monitor,
            LlamaCppAdapter(monitor) as adapter,
        ):
            keys = SecretStore(paths.config_dir / "secrets.json", "bench", use_keyring=False)
            store = ProviderStore(paths.config_dir / "providers.json", keys)
            local = ManagedServer(adapter, lambda: settings.engine, monitor.status)
            service = ProviderService(store, local, lambda _: None)
            info = await service.add(ProviderConfig(name="Desktop", base_url=f"{url}/v1"), key)
            model_id = (await service.check(info.id)).models[0]
            target = FailoverTarget(provider_id=info.id, model=model_id)
            service.set_failover(FailoverRule(provider_id="local", model="*", targets=[target]))
            for _ in range(ROUNDS):
                times.append(await _round(service, monitor))
            await service.aclose()
    finally:
        remote.kill()
        remote.wait()
    median = statistics.median(times)
    return {
        "kill_to_fallback_token_s_median": round(median, 3),
        "kill_to_fallback_token_s": [round(t, 3) for t in times],
        "goal_s": GOAL_S,
        "meets_goal": median <= GOAL_S,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    binary, model = smol_engine()
    with scratch_home():
        results = anyio.run(measure, binary.path, model, AppPaths.from_env())
    results.update(cpus=os.cpu_count(), engine=binary.version, model=model.name)
    report(results, args.json)
    return 0 if results["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
