"""Many conversations: the backend's list and search, and the page's boot and search, at 10,000.

A scratch home gets 10,000 conversations of 4 messages (50 words each, drawn Zipf-like from a
5,000-word vocabulary, so common words match many messages and rare ones few). Measured:

* in process, on the real store: a page of the list (the sidebar's first 200) and a search for a
  common word plus a prefix and for a rare word (median of 20 each);
* browser mode on that home, in Chromium (``frontend/scripts/bench-many-conversations.js``):
  page load → the first conversation in the sidebar, and typing a query → the first highlighted
  result (median of 5 fresh pages).

Goals: list and search ≤ 10 ms in the backend, boot ≤ 500 ms and search ≤ 50 ms in the page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import string
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _benchkit import report, scratch_home

from backend.chat import ConversationStore, import_json
from backend.paths import AppPaths

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = 10_000
PAGE = 200
GOAL_BACKEND_MS = 10.0
GOAL_BOOT_MS = 500.0
GOAL_SEARCH_MS = 50.0
AT = "2026-01-02T03:04:05.678Z"
URL_LINE = re.compile(r"running at (http://\S+)")


def vocabulary() -> tuple[list[str], list[float]]:
    rng = random.Random(0)
    words = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))
        for _ in range(5000)
    ]
    return words, [1 / (rank + 1) for rank in range(len(words))]


def document(count: int, words: list[str], weights: list[float]) -> dict[str, Any]:
    rng = random.Random(1)
    conversations = []
    for n in range(count):
        messages, parent = [], None
        for k in range(4):
            mid = f"m{n}x{k}"
            text = " ".join(rng.choices(words, weights, k=50))
            role = "user" if k % 2 == 0 else "assistant"
            messages.append(
                {"id": mid, "parent_id": parent, "role": role, "content": text, "created_at": AT}
            )
            parent = mid
        updated = f"2026-01-{1 + n % 28:02d}T03:04:{n % 60:02d}.000Z"
        conversations.append(
            {
                "id": f"c{n}",
                "title": f"Chat {n} about {rng.choice(words[:500])}",
                "created_at": AT,
                "updated_at": updated,
                "pinned": n % 1000 == 0,
                "messages": messages,
            }
        )
    return {"format": "llamadesk.conversations", "version": 1, "conversations": conversations}


def median_ms(call: Callable[[], object], runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def backend_figures(store: ConversationStore, words: list[str]) -> dict[str, float]:
    return {
        "list_page_ms_median": median_ms(lambda: store.list_conversations(0, PAGE)),
        "search_common_ms_median": median_ms(lambda: store.search(f"{words[40]} {words[300][:3]}")),
        "search_rare_ms_median": median_ms(lambda: store.search(words[2000])),
        "list_all_ms_median": median_ms(store.list_conversations, runs=3),
    }


def page_figures(home: Path, query: str) -> dict[str, Any]:
    """Browser mode on ``home``, measured by the Node script in Chromium."""
    app = subprocess.Popen(
        [sys.executable, "-m", "backend", "--browser", "--port", "0"],
        cwd=ROOT,
        env={**os.environ, "LLAMADESK_HOME": str(home)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None
        url = None
        for line in app.stdout:
            if match := URL_LINE.search(line):
                url = match.group(1)
                break
        if url is None:
            raise RuntimeError("browser mode printed no URL")
        script = ROOT / "frontend" / "scripts" / "bench-many-conversations.js"
        out = subprocess.run(
            ["node", str(script), "--url", url, "--query", query],
            cwd=ROOT / "frontend",
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(out.stdout))
    finally:
        app.terminate()
        app.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    words, weights = vocabulary()
    with scratch_home() as home:
        paths = AppPaths.from_env()
        started = time.perf_counter()
        with ConversationStore(paths.database) as store:
            import_json(store, document(CONVERSATIONS, words, weights))
            imported_s = time.perf_counter() - started
            results: dict[str, Any] = backend_figures(store, words)
        results.update(page_figures(home, words[2000]))
    backend_ok = max(
        results["list_page_ms_median"],
        results["search_common_ms_median"],
        results["search_rare_ms_median"],
    )
    results.update(
        conversations=CONVERSATIONS,
        import_s=round(imported_s, 1),
        load_average=os.getloadavg(),
        goal=f"backend <= {GOAL_BACKEND_MS:g} ms, boot <= {GOAL_BOOT_MS:g} ms, "
        f"search <= {GOAL_SEARCH_MS:g} ms",
        meets_goal=backend_ok <= GOAL_BACKEND_MS
        and results["boot_ms_median"] <= GOAL_BOOT_MS
        and results["search_ms_median"] <= GOAL_SEARCH_MS,
    )
    report(results, args.json)
    return 0 if results["meets_goal"] else 1


if __name__ == "__main__":
    sys.exit(main())
