"""The programs ``bench_inference_share`` compares, each started the way a user would run it.

* :class:`AloneServer`: llama-server with the app's own command line for the default engine
  settings (``build_argv``/``server_environ``), asked over plain HTTP, or by the plain page of
  ``_floor_page`` (:meth:`AloneServer.floor_answer`).
* :class:`BrowserApp`: ``python -m backend --browser``, commands over HTTP, events over SSE;
  :meth:`BrowserApp.page_answer` opens the page in headless Chromium (``_chromium``) and
  types the prompt there (``frontend/scripts/share-page.js``, detached while the answer streams).
* :func:`window_answer`: ``python -m backend --self-test`` in the real Qt window under Xvfb,
  idle for a few seconds before and after the answer, measured from outside meanwhile.

Every answer's speed is llama-server's own ``timings.predicted_per_second`` (the app stores it
with the message), so each row measures the engine, which is what the UI takes cores from.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from _chromium import HeadlessChromium
from _cpu_budget import budget, snapshot
from _floor_page import FloorPage

from backend.chat import ConversationStore
from backend.config import EngineSettings
from backend.paths import AppPaths
from backend.server import build_argv, choose_port, server_environ

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PROMPT = "You are a helpful assistant."
PROMPT = "Write a long story about a dragon who learns to bake bread, with many details."
MAX_TOKENS = 300
IDLE_S = 5.0
"""How long each idle phase lasts (the window before and after its answer, the page after)."""
REQUEST: dict[str, Any] = {
    "messages": [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": PROMPT},
    ],
    "stream": True,
    "cache_prompt": True,
    "temperature": 0,
    "max_tokens": MAX_TOKENS,
}
"""llama-server alone's request: what the orchestrator sends for the same answer."""


def app_flags(threads: int) -> list[str]:
    """The settings every app row runs with: greedy, 300 tokens, the default system prompt."""
    flags = ["--set", "generation.temperature=0", "--set", f"generation.max_tokens={MAX_TOKENS}"]
    return flags + (["--set", f"engine.threads={threads}"] if threads else [])


@dataclass
class Answer:
    """One answer: the engine's tokens/s and what the page received meanwhile."""

    tokens_per_s: float
    tokens: int
    chunks: int | None = None
    renders: int | None = None
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    """Each process's (and its busiest threads') % of one core while the answer streamed."""
    load_1m: float = field(default_factory=lambda: round(os.getloadavg()[0], 1))

    @classmethod
    def from_timings(
        cls, timings: Any, chunks: int | None = None, renders: int | None = None
    ) -> Answer:
        """From llama-server's ``timings`` (a dict or the app's ``Timings`` model)."""
        values = timings if isinstance(timings, dict) else timings.model_dump()
        speed = round(values["predicted_per_second"], 1)
        return cls(speed, values["predicted_n"], chunks=chunks, renders=renders)

    @property
    def updates_per_s(self) -> float | None:
        """Stream chunks the page got per second of generation (its update rate)."""
        if self.chunks is None:
            return None
        return round(self.chunks / (self.tokens / self.tokens_per_s), 1)


class AloneServer:
    """llama-server by itself, launched with the app's command line for the same settings."""

    def __init__(self, binary: Path, model: Path, work: Path, threads: int) -> None:
        engine = EngineSettings(threads=threads)
        port = choose_port("127.0.0.1", 0)
        assert isinstance(port, int), port
        self.port = port
        self.key = secrets.token_urlsafe(16)
        argv = build_argv(
            engine, binary=binary, model=model, port=self.port, slot_dir=work / "alone-slots"
        )
        (work / "alone-slots").mkdir()
        self.process = subprocess.Popen(
            argv,
            env=server_environ(os.environ, self.key),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _healthy(self.port), 120, "llama-server did not become healthy")

    @property
    def url(self) -> str:
        """Its chat completions endpoint."""
        return f"http://127.0.0.1:{self.port}/v1/chat/completions"

    def answer(self) -> Answer:
        """One greedy streamed answer, as the orchestrator asks for it."""
        headers = {"Authorization": f"Bearer {self.key}"}
        timings: dict[str, Any] = {}
        with httpx.stream("POST", self.url, json=REQUEST, headers=headers, timeout=900) as response:
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    timings = json.loads(line.removeprefix("data: ")).get("timings") or timings
        return Answer.from_timings(timings)

    def floor(self, flush_ms: int) -> FloorPage:
        """The plain page that shows this server's answer at ``flush_ms`` (``_floor_page``)."""
        return FloorPage(self.url, self.key, REQUEST, flush_ms)

    def floor_answer(self, floor: FloorPage) -> Answer:
        """One answer shown by the plain page, with its browser's CPU while it streamed."""
        meter = _Meter([floor.browser.pid])
        result = floor.answer()
        cpu = meter.stop()
        answer = Answer.from_timings(result["timings"], chunks=result["updates"])
        answer.cpu = cpu
        return answer

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)


class BrowserApp:
    """Browser mode: the backend serving the page, with no page open until asked."""

    def __init__(self, home: Path, threads: int) -> None:
        command = [sys.executable, "-m", "backend", "--browser", "--port", "0", *app_flags(threads)]
        env = {**os.environ, "LLAMADESK_HOME": str(home)}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
        if match is None:
            raise SystemExit("browser mode printed no URL")
        self.base, self.token = match.group(1), match.group(2)
        _wait_for(
            lambda: self.call("get_server_status")["state"] == "ready",
            120,
            "browser mode's server did not become ready",
        )

    @property
    def url(self) -> str:
        return f"{self.base}/?token={self.token}"

    def call(self, name: str, **params: object) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = httpx.post(f"{self.base}/api/{name}", json=params, headers=headers, timeout=60)
        response.raise_for_status()
        return response.json()["result"]

    def api_answer(self) -> Answer:
        """Send the prompt over HTTP and wait for its ``stream_end`` on the event stream."""
        conversation = self.call("create_conversation")["id"]
        url = f"{self.base}/api/events?token={self.token}"
        with httpx.stream("GET", url, timeout=900) as events:
            lines = events.iter_lines()
            next(lines)  # ": connected"
            meter = _Meter([self.process.pid])
            started = self.call(
                "send_chat_message_stream", conversation_id=conversation, content=PROMPT
            )
            for line in lines:
                event = json.loads(line.removeprefix("data: ")) if line[:6] == "data: " else {}
                if event.get("stream_id") == started["stream_id"] and event["type"] in {
                    "stream_end",
                    "stream_error",
                }:
                    answer = Answer.from_timings(event["message"]["timings"])
                    answer.cpu = meter.stop()
                    return answer
        raise SystemExit("the event stream ended before the answer")

    def page_answer(self, *, idle: bool = False) -> tuple[Answer, dict[str, float] | None]:
        """Type the prompt into the page in headless Chromium; with ``idle``, also measure the
        idle page (Chromium and the backend) after the answer.

        Nothing drives the page while the answer streams (``_chromium``): the end is seen on the
        backend's event stream, then ``share-page.js`` reads what the page counted."""
        browser = HeadlessChromium(self.url, debugging=True)
        assert browser.cdp_url is not None
        try:
            url = f"{self.base}/api/events?token={self.token}"
            with httpx.stream("GET", url, timeout=900) as events:
                lines = events.iter_lines()
                next(lines)  # ": connected"
                _share_page("send", browser.cdp_url, PROMPT)
                meter = _Meter([self.process.pid, browser.pid])
                for line in lines:
                    event = json.loads(line.removeprefix("data: ")) if line[:6] == "data: " else {}
                    if event.get("type") in {"stream_end", "stream_error"}:
                        break
                cpu = meter.stop()
            result = json.loads(_share_page("read", browser.cdp_url)[-1])
            ui = [browser.pid, *_children(browser.pid)]
            usage = idle_usage([self.process.pid], ui) if idle else None
        finally:
            browser.stop()
        newest = self.call("list_conversations", limit=1)[0]["id"]
        message = self.call("get_conversation", conversation_id=newest)["messages"][-1]
        answer = Answer.from_timings(
            message["timings"], chunks=result["chunks"], renders=result["renders"]
        )
        answer.cpu = cpu
        return answer, usage

    def idle(self) -> dict[str, float]:
        """The backend's CPU and memory with no page open and nothing streaming."""
        return idle_usage([self.process.pid], [])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def window_answer(
    display: str, threads: int, extra_env: dict[str, str]
) -> tuple[Answer, dict[str, float]]:
    """The app's window under Xvfb answers once; returns the answer and the idle window's use."""
    with (
        tempfile.TemporaryDirectory(prefix="llamadesk-bench-home-") as home,
        tempfile.TemporaryDirectory(prefix="llamadesk-bench-shots-") as shots,
    ):
        env = {**os.environ, **extra_env, "DISPLAY": display, "LLAMADESK_HOME": home}
        command = [sys.executable, "-m", "backend", *app_flags(threads), "--self-test", PROMPT]
        command += ["--self-test-dir", shots, "--self-test-idle", str(IDLE_S)]
        command += ["--self-test-timeout", "900"]
        app = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert app.stdout is not None
        idle: dict[str, float] = {}
        report: dict[str, Any] = {}
        meter = _Meter([app.pid])
        cpu: dict[str, dict[str, float]] = {}
        for line in app.stdout:
            if line.startswith("SELFTEST_SENT"):
                meter = _Meter([app.pid])
            elif line.startswith("SELFTEST_IDLE after"):
                cpu = meter.stop()
                idle = idle_usage(*_window_processes(app.pid))
            elif line.startswith("SELFTEST "):
                report = json.loads(line.removeprefix("SELFTEST "))
        app.wait(60)
        if not report.get("ok"):
            raise SystemExit(f"the window's self-test failed: {report}")
        with ConversationStore(AppPaths.from_env({"LLAMADESK_HOME": home}).database) as store:
            newest = store.list_conversations(limit=1)[0]
            message = store.messages(newest.id)[-1]
        answer = Answer.from_timings(message.timings, chunks=report["chunks"])
        answer.cpu = cpu
        return answer, idle


class _Meter:
    """Each thread's CPU in the process trees under ``roots`` from now until :meth:`stop`."""

    def __init__(self, roots: list[int]) -> None:
        self._roots = roots
        self._started = time.monotonic()
        self._before = snapshot(roots)

    def stop(self) -> dict[str, dict[str, float]]:
        seconds = time.monotonic() - self._started
        return budget(self._before, snapshot(self._roots), seconds)


def blank_chromium_idle() -> dict[str, float]:
    """Headless Chromium on about:blank, idle: how much of the idle page's CPU is the browser's
    own (``_chromium``, the same flags as the page's)."""
    browser = HeadlessChromium("about:blank")
    try:
        time.sleep(2.0)  # let it start
        return idle_usage([], [browser.pid, *_children(browser.pid)])
    finally:
        browser.stop()


def _share_page(*arguments: str) -> list[str]:
    """Run ``frontend/scripts/share-page.js`` with ``arguments``; its printed lines."""
    script = ROOT / "frontend" / "scripts" / "share-page.js"
    done = subprocess.run(
        ["node", str(script), *arguments],
        cwd=ROOT / "frontend",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"share-page.js {arguments[0]} failed: {done.stderr.strip()}")
    return done.stdout.splitlines()


def _children(pid: int) -> list[int]:
    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def _window_processes(pid: int) -> tuple[list[int], list[int]]:
    """The app (Python) and its QtWebEngine processes; llama-server is left out."""
    children = psutil.Process(pid).children(recursive=True)
    return [pid], [c.pid for c in children if c.name().startswith("QtWebEngine")]


def idle_usage(app: list[int], ui: list[int]) -> dict[str, float]:
    """CPU (% of one core over ``IDLE_S`` s) and PSS (MB) of the given processes, idle.

    A process that ends meanwhile (one of Chromium's helpers) is left out.
    """
    time.sleep(1.0)  # let the last answer's work end
    before = _cpu_s(app + ui)
    time.sleep(IDLE_S - 1.0)
    after = _cpu_s(app + ui)
    cpu = sum(after[pid] - before[pid] for pid in after.keys() & before.keys())
    pss = _pss_mb(app + ui)
    return {
        "cpu_percent": round(cpu / (IDLE_S - 1.0) * 100, 2),
        "pss_mb": round(sum(pss.values()), 1),
        "pss_app_mb": round(sum(pss.get(pid, 0.0) for pid in app), 1),
        "pss_ui_mb": round(sum(pss.get(pid, 0.0) for pid in ui), 1),
        "processes": len(pss),
    }


def _cpu_s(pids: list[int]) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[pid] = float(times.user + times.system)
    return seconds


def _pss_mb(pids: list[int]) -> dict[int, float]:
    sizes = {}
    for pid in pids:
        try:
            sizes[pid] = psutil.Process(pid).memory_full_info().pss / 2**20
        except psutil.NoSuchProcess:
            continue
    return sizes


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _wait_for(condition: Any, timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(message)
        time.sleep(0.1)


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Path(folder)
