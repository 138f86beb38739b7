"""The desktop package: its sizes, and how soon it paints and answers, against the source tree.

The packages are the ones ``python build.py package`` left in ``dist/`` (built here first, with
the native engine, when there are none). The tarball is unpacked into a fresh folder and started
under Xvfb with a clean environment (``env -i`` with ``HOME``, ``DISPLAY`` and
``PATH=/usr/bin:/bin``) and a fresh ``HOME``; the source tree is started as
``.venv/bin/python -m backend`` with a fresh ``LLAMADESK_HOME``. Each start runs ``--self-test``:
it types a question as soon as the server is ready and reports, in the page's own clock, when the
window first painted and when the first answer token arrived. Measured from the launch (wall
clock, taken just before the process starts), median of ``RUNS`` starts after one warm-up start:

* first paint: the page's ``first-contentful-paint``;
* first token: the first ``stream_chunk`` event the page received.

Goals on the 2-core machine: packaged first paint ≤ 1.5 s, first token ≤ 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _benchkit import report

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
RUNS = 3
GOAL_FIRST_PAINT_S = 1.5
GOAL_FIRST_TOKEN_S = 3.0
PROMPT = "What is the capital of France?"
FLAGS = ["--set", "generation.temperature=0", "--set", "generation.max_tokens=16"]


def package_info() -> dict[str, Any]:
    """dist/package-info.json, building the packages first when there are none."""
    info_file = DIST / "package-info.json"
    if not info_file.exists():
        build = [sys.executable, str(ROOT / "packaging" / "build_package.py"), "--dist", str(DIST)]
        subprocess.run(build, cwd=ROOT, check=True)
    info: dict[str, Any] = json.loads(info_file.read_text())
    return info


@contextmanager
def xvfb() -> Iterator[str]:
    """A virtual display for the window; yields ``:N``."""
    read_fd, write_fd = os.pipe()
    command = ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x860x24", "-nolisten"]
    process = subprocess.Popen([*command, "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    try:
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(10)


def one_start(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Launch, let the self-test answer, and return the seconds to first paint and token."""
    with tempfile.TemporaryDirectory(prefix="llamadesk-bench-shots-") as shots:
        args = [*FLAGS, "--self-test", PROMPT, "--self-test-dir", shots]
        launched = time.time()
        result = subprocess.run(
            [*command, *args],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    lines = [line for line in result.stdout.splitlines() if line.startswith("SELFTEST ")]
    if not lines:
        tail = result.stderr[-3000:]
        raise SystemExit(f"no self-test report (exit {result.returncode}):\n{tail}")
    self_test = json.loads(lines[-1].removeprefix("SELFTEST "))
    if not self_test["ok"] or not self_test["first_paint_at"] or not self_test["first_token_at"]:
        raise SystemExit(f"the self-test failed: {self_test}")
    return {
        "first_paint_s": round(self_test["first_paint_at"] - launched, 3),
        "first_token_s": round(self_test["first_token_at"] - launched, 3),
    }


def measure(command: list[str], env_for_run: Any, cwd: Path) -> dict[str, Any]:
    """One warm-up start (page cache), then RUNS measured starts, each with a fresh home."""
    starts = []
    for run in range(RUNS + 1):
        with tempfile.TemporaryDirectory(prefix="llamadesk-bench-home-") as home:
            start = one_start(command, env_for_run(Path(home)), cwd)
        if run:
            starts.append(start)
    return {
        "first_paint_s": statistics.median(s["first_paint_s"] for s in starts),
        "first_token_s": statistics.median(s["first_token_s"] for s in starts),
        "runs": starts,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    info = package_info()
    unpacked_root = Path(tempfile.mkdtemp(prefix="llamadesk-bench-unpacked-"))
    try:
        with tarfile.open(info["tarball"]) as tar:
            tar.extractall(unpacked_root, filter="tar")
        app = next(unpacked_root.iterdir()) / "llamadesk"
        with xvfb() as display:

            def packaged_env(home: Path) -> dict[str, str]:
                return {"HOME": str(home), "DISPLAY": display, "PATH": "/usr/bin:/bin"}

            def source_env(home: Path) -> dict[str, str]:
                return {**os.environ, "DISPLAY": display, "LLAMADESK_HOME": str(home)}

            packaged = measure([str(app)], packaged_env, unpacked_root)
            source = measure([sys.executable, "-m", "backend"], source_env, ROOT)
    finally:
        shutil.rmtree(unpacked_root, ignore_errors=True)
    results = {
        "engine": info["engine"],
        "tarball_mb": info["tarball_mb"],
        "deb_mb": info["deb_mb"],
        "deb_xz_level": info["xz_level"],
        "unpacked_mb": info["folder_mb"],
        "packaged": packaged,
        "source_tree": source,
        "load_average_1m": round(os.getloadavg()[0], 1),
        "goals": {"first_paint_s": GOAL_FIRST_PAINT_S, "first_token_s": GOAL_FIRST_TOKEN_S},
        "met": packaged["first_paint_s"] <= GOAL_FIRST_PAINT_S
        and packaged["first_token_s"] <= GOAL_FIRST_TOKEN_S,
    }
    report(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
