"""Bridge throughput: 2,000 tokens/s from a fake source through the event pump into a real page.

A thread emits stream chunks at 2,000 tokens/s, each token carrying its send time. The real
``EventPump`` coalesces them and delivers through ``WindowTarget`` (``run_js``) into a real
pywebview Qt window (offscreen) whose ``window.llamadesk.emit`` records arrival times. Reported:
whether every token arrived in order, run_js calls per second, and the p50/p99 delay from a token
leaving the source to it being in the page. Goal: <= 60 calls/s and p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import webview

from backend.app import prepare_qt_environment
from backend.bridge import EventPump, WindowTarget
from backend.config import BehaviourSettings
from backend.contract import StreamChunkEvent

TOKENS_PER_S = 2000
SECONDS = 5.0
FLUSH_MS = BehaviourSettings().stream_flush_ms

PAGE = """<!doctype html><html><body><pre id=out></pre><script>
window.received = []; window.delays = []; window.calls = 0;
window.llamadesk = { emit(e) {
  if (e.type !== 'stream_chunk') return;
  const now = Date.now();
  for (const tok of e.content.split(';')) {
    if (!tok) continue;
    const [seq, sent] = tok.split(':');
    window.received.push(Number(seq));
    window.delays.push(now - Number(sent));
  }
  document.getElementById('out').textContent = String(window.received.length);
}};
</script></body></html>"""


class CountingTarget:
    def __init__(self, inner: WindowTarget) -> None:
        self.inner = inner
        self.calls = 0

    def deliver(self, events: Any) -> None:
        self.calls += 1
        self.inner.deliver(events)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def drive(window: Any, out: Path) -> None:
    time.sleep(1.0)
    target = CountingTarget(WindowTarget(window))
    pump = EventPump(target, flush_ms=FLUSH_MS)
    total = int(TOKENS_PER_S * SECONDS)
    started = time.monotonic()
    for seq in range(total):
        due = started + seq / TOKENS_PER_S
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        content = f"{seq}:{time.time() * 1000:.1f};"
        pump.emit(
            StreamChunkEvent(stream_id="s", conversation_id="c", message_id="m", content=content)
        )
    elapsed = time.monotonic() - started
    time.sleep(0.3)
    pump.close()
    received = window.evaluate_js("window.received")
    delays = window.evaluate_js("window.delays")
    result = {
        "tokens": total,
        "tokens_per_s": round(total / elapsed),
        "all_in_order": received == list(range(total)),
        "run_js_calls": target.calls,
        "calls_per_s": round(target.calls / elapsed, 1),
        "p50_delay_ms": percentile(delays, 50),
        "p99_delay_ms": percentile(delays, 99),
        "goal": "calls_per_s <= 60 and p99_delay_ms <= 50",
    }
    result["goal_met"] = result["calls_per_s"] <= 60 and result["p99_delay_ms"] <= 50
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))
    window.destroy()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    prepare_qt_environment(os.environ, is_root=os.geteuid() == 0)
    window = webview.create_window("bench", html=PAGE)
    webview.start(
        lambda: threading.Thread(target=drive, args=(window, args.json)).start(), gui="qt"
    )


if __name__ == "__main__":
    main()
