"""How much of the model's speed the app's UI takes: the same answer through four paths.

The same greedy 300-token answer from SmolLM2 (system prompt "You are a helpful assistant.",
the app's default context and slots) is produced by:

1. llama-server alone, over HTTP (the app's own command line for the same settings);
2. ``floor``: a plain page in the same headless Chromium asking llama-server alone and showing
   the text at the app's update rate (``_floor_page``): what any page showing the stream costs;
3. the backend's API: browser mode, commands over HTTP and events over SSE, no page open;
4. the page in headless Chromium (browser mode), the prompt typed into the chat form, no
   driver attached while the answer streams (``_chromium``);
5. the app's window: the real Qt WebEngine window under Xvfb (``--self-test``).

Each path answers ``RUNS`` times; the rounds interleave the paths (the order rotates), so load
from elsewhere on the machine hits them alike. Reported per path: the median of llama-server's
own generation speed (``timings.predicted_per_second``) and its ratio to the alone median
(goal: >= 0.95 for the page and the window), the page's update rate (stream chunks per second
of generation) and, for the page, the renders of the log it caused; the 1-minute load average
of each answer.

Idle (nothing streaming, after an answer): CPU (% of one core) and PSS of the app's Python
process and every QtWebEngine process (llama-server left out), of browser mode's backend with
no page and with the page open (then Chromium's processes too), and of the same headless
Chromium on about:blank (how much of the open page's share is the browser's own), and once of
browser mode with no page after ``SETTLE_S`` without a request (the app idle for a while, its
health checks slowed down). Goal: ~0% CPU.

Each answer also carries the CPU budget of its streaming phase: every process's and its busiest
threads' % of one core from /proc (``_cpu_budget``), which does not change with the load; the
table prints that of each path's median answer.

    python bench/bench_inference_share.py [--threads N] [--runs N] [--paths alone,page]
                                          [--json OUT]

``--threads`` sets ``engine.threads`` for every path (0, the default: llama-server decides, as
the app does); ``--runs`` and ``--paths`` make a shorter run while working on one path (the
ratios need ``alone`` among the paths).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _benchkit import report, smol_engine
from _share_apps import (
    AloneServer,
    Answer,
    BrowserApp,
    blank_chromium_idle,
    scratch,
    window_answer,
)
from bench_package import xvfb

from backend.app import stream_flush_ms
from backend.config import Settings

RUNS = 3
SETTLE_S = 12.0
GOAL_RATIO = 0.95
PATHS = ("alone", "floor", "api", "page", "window")


def summary(answers: list[Answer], alone: float) -> dict[str, Any]:
    """Median speed, its ratio to llama-server alone, update rate, every answer."""
    median = statistics.median(a.tokens_per_s for a in answers)
    rates = [r for a in answers if (r := a.updates_per_s) is not None]
    middle = sorted(answers, key=lambda a: a.tokens_per_s)[len(answers) // 2]
    return {
        "tokens_per_s": round(median, 1),
        "ratio": round(median / alone, 3),
        "updates_per_s": round(statistics.median(rates), 1) if rates else None,
        "cpu_while_streaming": middle.cpu,
        "answers": [a.__dict__ | {"updates_per_s": a.updates_per_s} for a in answers],
    }


def run(
    threads: int, window_env: dict[str, str], runs: int = RUNS, paths: tuple[str, ...] = PATHS
) -> dict[str, Any]:
    binary, model = smol_engine()
    answers: dict[str, list[Answer]] = {path: [] for path in paths}
    idle: dict[str, list[dict[str, float]]] = {
        "window": [],
        "browser_no_page": [],
        "page": [],
        "chromium_blank": [],
        "browser_no_page_settled": [],
    }
    load_start = round(os.getloadavg()[0], 1)
    with scratch("llamadesk-bench-share-") as work, xvfb() as display:
        alone = AloneServer(binary.path, model, work, threads)
        browser = BrowserApp(work / "browser-home", threads)
        floor = alone.floor(
            stream_flush_ms(Settings.model_validate({"engine": {"threads": threads}}))
        )
        try:
            alone.answer()  # warm-up: the first compute of a fresh server
            browser.api_answer()
            for round_ in range(runs):
                shift = round_ % len(paths)
                for path in paths[shift:] + paths[:shift]:
                    if path == "alone":
                        answers[path].append(alone.answer())
                    elif path == "floor":
                        answers[path].append(alone.floor_answer(floor))
                    elif path == "api":
                        answers[path].append(browser.api_answer())
                        idle["browser_no_page"].append(browser.idle())
                    elif path == "page":
                        answer, page_idle = browser.page_answer(idle=True)
                        answers[path].append(answer)
                        idle["page"].append(page_idle or {})
                        idle["chromium_blank"].append(blank_chromium_idle())
                    else:
                        answer, window_idle = window_answer(display, threads, window_env)
                        answers[path].append(answer)
                        idle["window"].append(window_idle)
            # After SETTLE_S without a request the backend's health checks slow down as an
            # idle app's do (the supervisor's idle_after_s, 10 s): measure that idle too.
            time.sleep(SETTLE_S)
            idle["browser_no_page_settled"].append(browser.idle())
        finally:
            floor.stop()
            browser.stop()
            alone.stop()
    base = statistics.median(a.tokens_per_s for a in answers["alone"])
    rows = {path: summary(answers[path], base) for path in paths}
    met = all(rows[path]["ratio"] >= GOAL_RATIO for path in ("page", "window") if path in rows)
    return {
        "rows": rows,
        "idle": {name: _median_idle(values) for name, values in idle.items()},
        "goal": f"page and window ratio >= {GOAL_RATIO}",
        "met": met,
        "threads": threads or "llama-server's choice",
        "load_average_1m": {"start": load_start, "end": round(os.getloadavg()[0], 1)},
    }


def _median_idle(values: list[dict[str, float]]) -> dict[str, float]:
    keys = values[0].keys() if values else ()
    return {key: round(statistics.median(v[key] for v in values), 2) for key in keys}


def _paths(text: str) -> tuple[str, ...]:
    chosen = tuple(text.split(","))
    if "alone" not in chosen or not set(chosen) <= set(PATHS):
        raise argparse.ArgumentTypeError(f"paths from {', '.join(PATHS)}, alone among them")
    return chosen


def print_table(result: dict[str, Any]) -> None:
    print(f"{'path':<8}{'tokens/s':>10}{'ratio':>8}{'updates/s':>11}  load (1 min) per answer")
    for path, row in result["rows"].items():
        loads = ", ".join(str(a["load_1m"]) for a in row["answers"])
        updates = row["updates_per_s"] if row["updates_per_s"] is not None else "-"
        print(f"{path:<8}{row['tokens_per_s']:>10}{row['ratio']:>8}{updates!s:>11}  {loads}")
    for path, row in result["rows"].items():
        for process, threads in row["cpu_while_streaming"].items():
            print(f"cpu {path} {process}: {threads}")
    for name, usage in result["idle"].items():
        print(f"idle {name}: {usage}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=0, help="engine.threads for every path")
    parser.add_argument("--runs", type=int, default=RUNS, help="rounds (median of this many)")
    parser.add_argument("--paths", type=_paths, default=PATHS, help="comma-separated paths")
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args()
    result = run(args.threads, {"QT_QPA_PLATFORM": "xcb"}, args.runs, args.paths)
    print_table(result)
    report(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
