"""Switching models: a restart of llama-server vs the router switching to a loaded model.

Two names for the real SmolLM2 file (hard links) stand for two models. Measured with the real
``ServerMonitor``, 10 switches back and forth each, from the switch to the first answer:

* single-model mode: the model setting changes and the server restarts on it (what
  ``select_model`` does without router mode);
* router mode (``--models-max 2``), both models loaded: ``select()`` switches the model new
  requests name, with no restart.

The first answer is asked through the app's own ``LlamaCppAdapter``, as a chat is: it names the
router's model and retries once when the router drops a kept-alive connection (about one
request in 150), which a bare HTTP client here would report as a failed benchmark.

SmolLM2-135M loads in a fraction of a second; a real 7B model takes seconds to load, so the
router's advantage only grows. Goal: the router switches at least 5 times faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
from _benchkit import report, scratch_home, smol_engine

from backend.config import EngineSettings, Settings
from backend.contract import BridgeEvent
from backend.llama import LlamaCppAdapter
from backend.paths import AppPaths
from backend.server import RouterModel, RouterPlan, ServerMonitor

SWITCHES = 10
GOAL_SPEEDUP = 5.0


def ignore(_event: BridgeEvent) -> None:
    """Status events are not needed here."""


async def first_answer(adapter: LlamaCppAdapter) -> None:
    await adapter.chat([{"role": "user", "content": "Hi"}], params={"max_tokens": 1})


async def single_mode(engine: EngineSettings, models: list[Path], paths: AppPaths) -> list[float]:
    settings = [Settings(engine=engine.model_copy(update={"model": models[0]}))]
    times = []
    async with (
        ServerMonitor(paths=paths, settings=lambda: settings[0], sink=ignore) as monitor,
        LlamaCppAdapter(monitor, timeout=60) as adapter,
    ):
        await monitor.start()
        for switch in range(SWITCHES):
            target = models[(switch + 1) % 2]
            started = time.monotonic()
            settings[0] = Settings(engine=engine.model_copy(update={"model": target}))
            await monitor.restart()
            await first_answer(adapter)
            times.append(time.monotonic() - started)
    return times


async def router_mode(engine: EngineSettings, models: list[Path], paths: AppPaths) -> list[float]:
    routed = engine.model_copy(update={"router_mode": True, "models_max": 2})
    offered = tuple(RouterModel(p.stem, p.stem, p, routed) for p in models)
    settings = Settings(engine=routed)
    times = []
    async with (
        ServerMonitor(
            paths=paths,
            settings=lambda: settings,
            sink=ignore,
            router_plan=lambda: RouterPlan(offered, offered[0].name),
        ) as monitor,
        LlamaCppAdapter(monitor, timeout=60) as adapter,
    ):
        await monitor.start()
        for model in offered:  # both in memory before measuring
            await monitor.select(model.id)
            await first_answer(adapter)
        for switch in range(SWITCHES):
            target = offered[switch % 2]
            started = time.monotonic()
            await monitor.select(target.id)
            await first_answer(adapter)
            times.append(time.monotonic() - started)
    return times


async def measure(engine: EngineSettings, source: Path, folder: Path) -> dict[str, Any]:
    models = []
    for name in ("first", "second"):
        link = folder / f"{name}.gguf"
        os.link(source, link)
        models.append(link)
    paths = AppPaths.from_env()
    restart = await single_mode(engine, models, paths)
    switch = await router_mode(engine, models, paths)
    speedup = statistics.median(restart) / statistics.median(switch)
    return {
        "restart_switch_s_median": round(statistics.median(restart), 4),
        "restart_switch_s": [round(value, 4) for value in restart],
        "router_switch_s_median": round(statistics.median(switch), 4),
        "router_switch_s": [round(value, 4) for value in switch],
        "speedup": round(speedup, 1),
        "goal_speedup": GOAL_SPEEDUP,
        "meets_goal": speedup >= GOAL_SPEEDUP,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    binary, model = smol_engine()
    engine = EngineSettings(server_binary=binary.path, context_size=1024, parallel_slots=1)
    with scratch_home() as home:
        results = anyio.run(measure, engine, model, home)
    results.update(cpus=os.cpu_count(), engine=binary.version, model=model.name)
    report(results, args.json)
    return 0 if results["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
