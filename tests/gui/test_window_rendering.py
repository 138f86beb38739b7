"""The window draws in software where the GPU would only be emulated, and stays idle when idle.

The real app in a subprocess under Xvfb answers with the real llama-server (``--self-test``,
with ``--self-test-idle`` so the window can be looked at before and after its answer). On a
machine with no GPU, Mesa's llvmpipe emulates OpenGL on the CPU; software rendering must leave
its threads without work while an answer streams, pass Chromium ``--disable-gpu`` and make
every QtWebEngine process use Qt Quick's software renderer. With the setting on ``gpu`` the
same window does spend CPU in llvmpipe here, which shows the check can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.gui, pytest.mark.real_server]


@dataclass
class WindowRun:
    """What was seen of one self-test run."""

    llvmpipe_cpu_s: dict[str, float] = field(default_factory=dict)
    quick_backends: set[str | None] = field(default_factory=set)
    idle_cpu_s: float = 0.0
    report: dict[str, object] = field(default_factory=dict)
    stderr: str = ""


def _thread_cpu(pid: int, prefix: str) -> float:
    """CPU seconds of the threads of ``pid`` whose name starts with ``prefix``."""
    total = 0.0
    for thread in psutil.Process(pid).threads():
        comm = Path(f"/proc/{pid}/task/{thread.id}/comm")
        try:
            if comm.read_text().startswith(prefix):
                total += thread.user_time + thread.system_time
        except OSError:
            continue
    return total


def _ui_cpu(pid: int) -> float:
    """CPU seconds of the app and its QtWebEngine processes (not llama-server)."""
    processes = [psutil.Process(pid)]
    processes += [c for c in processes[0].children(recursive=True) if "QtWebEngine" in c.name()]
    return sum(p.cpu_times().user + p.cpu_times().system for p in processes)


def _run_window(display: str, home: Path, shots: Path, rendering: str) -> WindowRun:
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "LLAMADESK_HOME": str(home),
        "QT_LOGGING_RULES": "qt.webenginecontext.debug=true",
    }
    env.pop("QT_QUICK_BACKEND", None)
    env.pop("QTWEBENGINE_CHROMIUM_FLAGS", None)
    command = [
        sys.executable,
        "-m",
        "backend",
        "--set",
        "generation.temperature=0",
        "--set",
        "generation.max_tokens=40",
        "--set",
        f"appearance.window_rendering={rendering}",
        "--self-test",
        "Tell me about the sea.",
        "--self-test-dir",
        str(shots),
        "--self-test-idle",
        "3",
        "--self-test-timeout",
        "240",
    ]
    errors = shots / "stderr.txt"
    with errors.open("w") as stderr:
        app = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    assert app.stdout is not None
    run = WindowRun()
    for line in app.stdout:
        if line.startswith("SELFTEST_IDLE"):
            when = line.split()[1]
            run.llvmpipe_cpu_s[when] = _thread_cpu(app.pid, "llvmpipe")
            children = psutil.Process(app.pid).children(recursive=True)
            run.quick_backends |= {
                c.environ().get("QT_QUICK_BACKEND") for c in children if "QtWebEngine" in c.name()
            }
            if when == "after":
                # idle: nothing streams, nothing polls (the self-test's thread only sleeps)
                time.sleep(0.5)
                before = _ui_cpu(app.pid)
                time.sleep(2.0)
                run.idle_cpu_s = _ui_cpu(app.pid) - before
        elif line.startswith("SELFTEST "):
            run.report = json.loads(line.removeprefix("SELFTEST "))
    code = app.wait(60)
    app.stdout.close()
    run.stderr = errors.read_text()
    assert code == 0, run.stderr[-3000:]
    return run


def test_software_rendering_leaves_the_emulated_gpu_idle_while_an_answer_streams(
    x_display: str, engine_binary: Path, default_model: Path, tmp_path: Path, llamadesk_home: Path
) -> None:
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    run = _run_window(x_display, llamadesk_home, tmp_path, "software")
    assert run.report["ok"], run.report
    assert int(str(run.report["chunks"])) > 1
    assert " *  disable-gpu" in run.stderr
    assert run.quick_backends == {"software"}
    spent = run.llvmpipe_cpu_s.get("after", 0.0) - run.llvmpipe_cpu_s.get("before", 0.0)
    assert spent < 0.05, run.llvmpipe_cpu_s
    # idle after the answer: a window with nothing to draw takes next to no CPU
    assert run.idle_cpu_s < 0.2, run.idle_cpu_s


def test_gpu_rendering_under_xvfb_runs_the_emulated_gpu(
    x_display: str, engine_binary: Path, default_model: Path, tmp_path: Path, llamadesk_home: Path
) -> None:
    # Under Xvfb OpenGL is always Mesa's llvmpipe, GPU or not.
    run = _run_window(x_display, llamadesk_home, tmp_path, "gpu")
    assert run.report["ok"], run.report
    assert run.quick_backends == {None}
    spent = run.llvmpipe_cpu_s.get("after", 0.0) - run.llvmpipe_cpu_s.get("before", 0.0)
    assert spent > 0.05, run.llvmpipe_cpu_s
