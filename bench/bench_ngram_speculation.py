"""N-gram speculation on a repetitive answer: SmolLM2's tokens/s with ``--spec-type ngram-simple``
vs without, and how many drafted tokens the model accepted.

Two llama-servers (one plain, one started with ``--spec-type ngram-simple``, which drafts from
n-grams already in the context and needs no second model) answer in alternating order the same
request: repeat a 40-line code block with one name changed, greedy, so most of the answer is a
copy of the prompt. Reported: the median ``predicted_per_second`` of each, the median of the
per-round ratios (with / without), and the acceptance rate from the timings
(``draft_n_accepted / draft_n``).

    python bench/bench_ngram_speculation.py --json OUT

The issue sets no goal for the ratio; the run exits 1 when the server drafted nothing, which
means speculation was not on.
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

ROUNDS = 5
CODE = "\n".join(
    f"def step_{n}(values):\n    total = sum(values) + {n}\n    return total * {n % 7 + 1}\n"
    for n in range(14)
)[: 40 * 40]
PROMPT = (
    "Repeat this code block exactly, but rename every `values` to `items`:\n\n"
    f"```python\n{CODE}\n```"
)


def answer(server: Server) -> dict[str, Any]:
    """llama-server's timings for one answer."""
    response = httpx.post(
        f"http://127.0.0.1:{server.port}/v1/chat/completions",
        json={
            "messages": [{"role": "user", "content": PROMPT}],
            "temperature": 0,
            "max_tokens": 400,
            "cache_prompt": False,
        },
        headers={"Authorization": f"Bearer {server.api_key}"},
        timeout=900,
    )
    response.raise_for_status()
    timings: dict[str, Any] = response.json()["timings"]
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    binary, model = engine_paths()
    common = ("--parallel", "1", "-c", "4096")
    with tempfile.TemporaryDirectory() as tmp:
        dirs = [Path(tmp) / name for name in ("plain", "ngram")]
        for folder in dirs:
            (folder / "slots").mkdir(parents=True)
        plain = Server(binary, model, dirs[0] / "slots", *common)
        ngram = Server(binary, model, dirs[1] / "slots", *common, "--spec-type", "ngram-simple")
        try:
            answer(plain), answer(ngram)  # warm-up
            speeds: dict[str, list[float]] = {"plain": [], "ngram": []}
            ratios, drafted, accepted = [], 0, 0
            started = time.monotonic()
            for n in range(ROUNDS):
                order = [("plain", plain), ("ngram", ngram)]
                timings = {name: answer(server) for name, server in order[:: 1 if n % 2 else -1]}
                for name, values in speeds.items():
                    values.append(float(timings[name]["predicted_per_second"]))
                ratios.append(speeds["ngram"][-1] / speeds["plain"][-1])
                drafted += int(timings["ngram"].get("draft_n", 0))
                accepted += int(timings["ngram"].get("draft_n_accepted", 0))
        finally:
            plain.stop()
            ngram.stop()
    report(
        {
            "tokens_per_s_without": round(statistics.median(speeds["plain"]), 1),
            "tokens_per_s_ngram_simple": round(statistics.median(speeds["ngram"]), 1),
            "ratio": round(statistics.median(ratios), 3),
            "drafted": drafted,
            "accepted": accepted,
            "acceptance_rate": round(accepted / drafted, 3) if drafted else None,
            "rounds": ROUNDS,
            "seconds": round(time.monotonic() - started, 1),
        },
        args.json,
    )
    return 0 if drafted else 1


if __name__ == "__main__":
    sys.exit(main())
