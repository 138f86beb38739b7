"""What token probabilities cost: SmolLM2's tokens/s with ``n_probs`` on vs off.

One llama-server answers the same question (greedy, 200 tokens) in rounds that alternate the
order of the two requests: plain, and with ``n_probs: 5`` as a conversation with token
probabilities on asks. Reported: the median of llama-server's own ``predicted_per_second`` for
each, and the median of the per-round ratios (with / without; the goal is >= 0.9).

    python bench/bench_token_probs.py --json OUT

Exits 1 when the ratio misses the goal.
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

ROUNDS = 7
GOAL = 0.9
QUESTION = "Write a long story about a lighthouse keeper and a storm."


def answer(server: Server, n_probs: int) -> float:
    """llama-server's generation speed for one answer (tokens/s)."""
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": QUESTION}],
        "temperature": 0,
        "max_tokens": 200,
        "ignore_eos": True,
        "cache_prompt": False,
    }
    if n_probs:
        body["n_probs"] = n_probs
    response = httpx.post(
        f"http://127.0.0.1:{server.port}/v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {server.api_key}"},
        timeout=600,
    )
    response.raise_for_status()
    data = response.json()
    if n_probs and not data["choices"][0].get("logprobs"):
        sys.exit("llama-server sent no logprobs for n_probs")
    return float(data["timings"]["predicted_per_second"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    binary, model = engine_paths()
    with tempfile.TemporaryDirectory() as tmp:
        slots = Path(tmp) / "slots"
        slots.mkdir()
        server = Server(binary, model, slots, "--parallel", "1", "-c", "2048")
        try:
            answer(server, 0)  # warm-up
            plain, probs, ratios = [], [], []
            started = time.monotonic()
            for n in range(ROUNDS):
                order = (0, 5) if n % 2 == 0 else (5, 0)
                speeds = {k: answer(server, k) for k in order}
                plain.append(speeds[0])
                probs.append(speeds[5])
                ratios.append(speeds[5] / speeds[0])
        finally:
            server.stop()
    ratio = statistics.median(ratios)
    report(
        {
            "tokens_per_s_without": round(statistics.median(plain), 1),
            "tokens_per_s_with_n_probs_5": round(statistics.median(probs), 1),
            "ratio": round(ratio, 3),
            "goal": GOAL,
            "met": ratio >= GOAL,
            "rounds": ROUNDS,
            "seconds": round(time.monotonic() - started, 1),
        },
        args.json,
    )
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
