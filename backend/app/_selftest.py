"""``--self-test PROMPT``: drive the real window like a person, report one JSON line, exit.

Used by the GUI smoke test and by anyone checking an install: once the page has loaded and the
server is ready, type the prompt into the chat form, press Enter, wait until the streamed answer
is complete in the page, count the stream chunks the page received, take a screenshot of the
screen, and print ``SELFTEST {json}``. The form is ``#chat-input``; answers carry ``data-role``.
The report also holds, in the page's wall clock, when the page first painted and when the first
answer token arrived: ``bench/bench_package.py`` measures start-up with them. With ``idle_s`` the
window stays idle that long before typing and again after the answer, each time after printing
``SELFTEST_IDLE before`` / ``SELFTEST_IDLE after``: ``bench/bench_inference_share.py`` measures
the idle app's CPU and memory then, and streams the answer into a window that has settled.
``SELFTEST_SENT`` is printed once the prompt is sent: from then until ``SELFTEST_IDLE after`` the
answer streams, and the benchmark measures each process's CPU over that time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..child_env import child_environ

__all__ = ["SelfTest", "SelfTestOptions", "SelfTestReport"]

_ANSWER_POLL_S = 0.5
"""How often the streaming answer is read: each read is an ``evaluate_js`` on Qt's GUI thread,
and at 10 a second the self-test would add as many round trips as the stream's own updates to
what the benchmark measures."""

_INSTALL_PROBE = """(() => {
  const input = document.getElementById('chat-input');
  if (!input || input.disabled || !window.llamadesk) return false;
  if (!window.__selftest) {
    window.__selftest = { chunks: 0, firstChunkAt: null };
    const emit = window.llamadesk.emit.bind(window.llamadesk);
    window.llamadesk.emit = (event) => {
      if (event.type === 'stream_chunk') {
        window.__selftest.chunks += 1;
        window.__selftest.firstChunkAt ??= Date.now();
      }
      emit(event);
    };
  }
  return true;
})()"""

_TYPE_AND_SEND = """((text) => {
  const input = document.getElementById('chat-input');
  const send = document.querySelector('button[type="submit"][aria-label="Send message"]');
  if (input.value !== text) {
    const proto = HTMLTextAreaElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(input, text);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }
  // Enter only once the form can send: the button is disabled while the page is busy (a
  // conversation loading), and an Enter then is ignored, as it is for a user.
  if (!send || send.disabled) return false;
  const enter = { key: 'Enter', bubbles: true, cancelable: true };
  input.dispatchEvent(new KeyboardEvent('keydown', enter));
  return true;
})(%s)"""

_READ_ANSWER = """(() => {
  const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
  const last = answers[answers.length - 1];
  if (!last) return null;
  // The answer's own text, not the timings under it; textContent needs no layout (the list
  // skips rendering what is off screen).
  const body = last.querySelector('.markdown') ?? last.querySelector('p');
  const text = body ? body.textContent : '';
  const { chunks, firstChunkAt } = window.__selftest;
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const firstPaintAt = paint ? performance.timeOrigin + paint.startTime : null;
  return { status: last.dataset.status || '', text, chunks, firstChunkAt,
           firstPaintAt };
})()"""


class _Window(Protocol):
    def evaluate_js(self, script: str) -> Any: ...
    def destroy(self) -> None: ...


@dataclass
class SelfTestReport:
    """What the self-test saw."""

    ok: bool
    answer: str = ""
    chunks: int = 0
    seconds: float = 0.0
    screenshot: str | None = None
    error: str | None = None
    first_paint_at: float | None = None
    first_token_at: float | None = None

    def line(self) -> str:
        """The one line the GUI test parses."""
        return "SELFTEST " + json.dumps(self.__dict__)


def _epoch_s(page_ms: float | None) -> float | None:
    """A time from the page's clock (ms since the epoch) in seconds, like ``time.time()``."""
    return None if page_ms is None else round(page_ms / 1000, 3)


@dataclass(frozen=True)
class SelfTestOptions:
    """What ``--self-test`` was asked: the prompt, where the screenshot goes, the limits."""

    prompt: str
    out_dir: Path = Path()
    timeout_s: float = 120.0
    idle_s: float = 0.0


class SelfTest:
    """Types a prompt into the real page and waits for the streamed answer."""

    def __init__(self, options: SelfTestOptions, ready: Callable[[], bool]) -> None:
        self._prompt = options.prompt
        self._idle_s = options.idle_s
        self._ready = ready
        self._out_dir = options.out_dir
        self._timeout_s = options.timeout_s

    def run(self, window: _Window) -> SelfTestReport:
        """Drive the window, then close it; never raises."""
        started = time.monotonic()
        try:
            report = self._drive(window, started)
        except Exception as exc:
            report = SelfTestReport(ok=False, error=f"{type(exc).__name__}: {exc}")
        report.seconds = round(time.monotonic() - started, 2)
        print(report.line(), flush=True)
        window.destroy()
        return report

    def _wait(self, window: _Window, script: str, started: float) -> Any:
        while time.monotonic() - started < self._timeout_s:
            value = window.evaluate_js(script)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"no result within {self._timeout_s:.0f} s for: {script[:60]}")

    def _drive(self, window: _Window, started: float) -> SelfTestReport:
        while not self._ready():
            if time.monotonic() - started > self._timeout_s:
                raise TimeoutError("the server did not become ready")
            time.sleep(0.1)
        self._wait(window, _INSTALL_PROBE, started)
        self._stay_idle("before")
        self._wait(window, _TYPE_AND_SEND % json.dumps(self._prompt), started)
        print("SELFTEST_SENT", flush=True)
        while True:
            answer = self._wait(window, _READ_ANSWER, started)
            # a complete answer's markdown may be rendered a moment after its status changes
            if answer["status"] in {"error", "cancelled"} or (
                answer["status"] == "complete" and answer["text"].strip()
            ):
                break
            if time.monotonic() - started > self._timeout_s:
                break
            time.sleep(_ANSWER_POLL_S)
        self._stay_idle("after")
        shot = self._screenshot()
        ok = answer["status"] == "complete" and bool(answer["text"].strip())
        return SelfTestReport(
            ok=ok,
            answer=answer["text"],
            chunks=int(answer["chunks"]),
            screenshot=shot,
            first_paint_at=_epoch_s(answer["firstPaintAt"]),
            first_token_at=_epoch_s(answer["firstChunkAt"]),
        )

    def _stay_idle(self, when: str) -> None:
        """Leave the window alone for ``idle_s`` (announced on stdout), if asked to."""
        if self._idle_s > 0:
            print(f"SELFTEST_IDLE {when}", flush=True)
            time.sleep(self._idle_s)

    def _screenshot(self) -> str | None:
        tool = shutil.which("import")
        if tool is None:
            return None
        self._out_dir.mkdir(parents=True, exist_ok=True)
        path = self._out_dir / "selftest.png"
        command = [tool, "-window", "root", str(path)]
        subprocess.run(command, env=child_environ(), check=False, timeout=30)
        return str(path) if path.exists() else None
