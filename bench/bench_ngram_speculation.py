"""N-gram speculation: SmolLM2's tokens/s with and without it, on an answer that repeats its
prompt and on one that does not, for what the app recommends and the other methods tried.

Why the first version of this benchmark measured a slow-down (0.30x): its prompt asked SmolLM2
to repeat a generated block (``step_0`` ... ``step_13``) with a name renamed, and SmolLM2-135M
does not copy that: it writes its own ``step_N`` pattern with changing numbers, so a draft
taken from earlier text was wrong within a few tokens, and each refused 48-token draft cost a
48-token batch (on a CPU a batch's cost grows with its length). llama-server searches the whole
context (``slot.prompt.tokens``: the prompt and the answer so far), so a real file the model
copies is drafted from the prompt.

Here the edit task is a real 40-line Python file with "repeat it, renaming one name" (SmolLM2
copies about 57% of its answer from the file), the other task a short story (little to copy).
Each variant is one llama-server; all answer every task greedy (300 tokens) in rotating order,
``ROUNDS`` rounds. Reported per task and variant: the median ``predicted_per_second``, the
median of the per-round ratios to the plain server, and the acceptance rate
(``draft_n_accepted / draft_n`` over all rounds). The app's variants take their command line from
``speculation_argv`` (LlamaDesk's sizes); ``server_default`` is ngram-simple with
llama-server's own sizes (12-token lookup, 48-token drafts), the app's old behaviour. Batched
verification changes the float rounding, so a speculating server's greedy text may differ a
little from the plain one's: the ratios compare the same task and length, not the same text.

    python bench/bench_ngram_speculation.py [--rounds N] --json OUT

Exits 1 when the recommended configuration drafts nothing on the edit task or is slower there
than without speculation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _benchkit import report
from bench_slot_cache import Server, engine_paths

from backend.config import EngineSettings
from backend.contract import RECOMMENDED_NGRAM
from backend.server import speculation_argv

CODE = """import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Item:
    name: str
    price: float
    quantity: int

    def total(self) -> float:
        return self.price * self.quantity


def read_items(path: Path) -> list[Item]:
    items = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            items.append(Item(row["name"], float(row["price"]), int(row["quantity"])))
    return items


def cheapest(items: list[Item]) -> Item:
    return min(items, key=lambda item: item.price)


def inventory_value(items: list[Item]) -> float:
    return sum(item.total() for item in items)


def report(items: list[Item]) -> str:
    lines = [f"{item.name}: {item.quantity} x {item.price:.2f}" for item in items]
    lines.append(f"Total: {inventory_value(items):.2f}")
    return "\\n".join(lines)


if __name__ == "__main__":
    stock = read_items(Path("stock.csv"))
    print(report(stock))
"""
TASKS = {
    "edit": f"Repeat this code exactly, but rename `stock` to `inventory`:\n\n```python\n{CODE}```",
    "other": "Write a short story about a lighthouse keeper who finds a message in a bottle.",
}
"""An answer that repeats its prompt, and one that does not."""

ROUNDS = 5


def _app(method: str) -> tuple[str, ...]:
    return tuple(speculation_argv(EngineSettings(speculation=method)))


METHODS = ("ngram-mod", "ngram-map-k", "ngram-simple", "ngram-cache")
"""The n-gram methods as the app launches them (the recommended one among them); ngram-map-k4v
takes ngram-map-k's sizes and, with one hit needed, drafted exactly what ngram-map-k did while
exploring, so it is left out."""

VARIANTS: dict[str, tuple[str, ...]] = {
    "plain": (),
    "server_default": ("--spec-type", "ngram-simple"),
    **{method: _app(method) for method in METHODS},
}
"""Without speculation; ngram-simple with llama-server's sizes; each method of ``METHODS``."""


def answer(server: Server, prompt: str) -> dict[str, Any]:
    """llama-server's timings for one greedy answer."""
    response = httpx.post(
        f"http://127.0.0.1:{server.port}/v1/chat/completions",
        json={
            "messages": [{"role": "user", "content": prompt}],
            "temperature": 0,
            "max_tokens": 300,
            "cache_prompt": False,
        },
        headers={"Authorization": f"Bearer {server.api_key}"},
        timeout=900,
    )
    response.raise_for_status()
    timings: dict[str, Any] = response.json()["timings"]
    return timings


def rounds(servers: dict[str, Server], count: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per task, each server's timings for ``count`` answers, the order rotated every round."""
    names = list(servers)
    seen: dict[str, dict[str, list[dict[str, Any]]]] = {
        task: {name: [] for name in names} for task in TASKS
    }
    for n in range(count):
        for task, prompt in TASKS.items():
            for name in names[n % len(names) :] + names[: n % len(names)]:
                seen[task][name].append(answer(servers[name], prompt))
    return seen


def summary(seen: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One task: median tokens/s without, and per variant its median, its median ratio to the
    plain answer of the same round, and its acceptance over all rounds."""
    speed = {name: [float(t["predicted_per_second"]) for t in runs] for name, runs in seen.items()}
    results: dict[str, Any] = {"tokens_per_s_without": round(statistics.median(speed["plain"]), 1)}
    for name in list(seen)[1:]:
        drafted = sum(int(t.get("draft_n", 0)) for t in seen[name])
        accepted = sum(int(t.get("draft_n_accepted", 0)) for t in seen[name])
        ratios = [mine / plain for mine, plain in zip(speed[name], speed["plain"], strict=True)]
        results[name] = {
            "tokens_per_s": round(statistics.median(speed[name]), 1),
            "ratio": round(statistics.median(ratios), 3),
            "drafted": drafted,
            "accepted": accepted,
            "acceptance_rate": round(accepted / drafted, 3) if drafted else None,
        }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    binary, model = engine_paths()
    common = ("--parallel", "1", "-c", "4096")
    servers: dict[str, Server] = {}
    load = Path("/proc/loadavg").read_text().split()[0]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for name, flags in VARIANTS.items():
                slots = Path(tmp) / name / "slots"
                slots.mkdir(parents=True)
                servers[name] = Server(binary, model, slots, *common, *flags)
                answer(servers[name], TASKS["other"])  # warm-up
            started = time.monotonic()
            seen = rounds(servers, args.rounds)
        finally:
            for server in servers.values():
                server.stop()
    results: dict[str, Any] = {"recommended": RECOMMENDED_NGRAM}
    results |= {task: summary(runs) for task, runs in seen.items()}
    results |= {
        "rounds": args.rounds,
        "seconds": round(time.monotonic() - started, 1),
        "load_at_start": float(load),
    }
    report(results, args.json)
    chosen = results["edit"][RECOMMENDED_NGRAM]
    return 0 if chosen["drafted"] and chosen["ratio"] >= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
