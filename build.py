#!/usr/bin/env python3
"""LlamaDesk's one entry point for set-up, running, testing and benchmarking.

    python build.py run      set everything up, then open the app window
    python build.py test     set everything up, then run every check and test
    python build.py dev      the window on the Vite dev server (hot reload), real backend
    python build.py bench    the benchmarks under bench/ (or those named): a table and JSON
    python build.py types    regenerate the bridge contract (JSON schema + TypeScript)
    python build.py package  the desktop packages: dist/*.tar.gz and dist/*.deb (--portable)

Set-up is idempotent and cached by content hashes: a virtualenv in .venv with the pinned Python
requirements, node_modules from package-lock.json, the built frontend, the llama-server binary
(built once per user from the pinned llama.cpp source) and the default model. Only the standard
library is used here, because this script runs before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
FRONTEND = ROOT / "frontend"
ARTIFACTS = ROOT / "build-artifacts"
SCHEMA_FILE = FRONTEND / "contract" / "bridge.schema.json"
TYPES_FILE = FRONTEND / "src" / "lib" / "types" / "bridge.ts"
SETTINGS_FIXTURE = FRONTEND / "src" / "lib" / "services" / "mock" / "settings-fixture.json"

# Debian packages the app and its tests need beyond a stock Python/Node machine.
APT_BUILD = ["cmake", "make", "g++"]
APT_GUI = [
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxkbcommon-x11-0",
    "libnss3",
    "libegl1",
    "libgl1",
    "libxcomposite1",
    "libxdamage1",
    "libxrandr2",
    "libxtst6",
    "libasound2",
    "libfontconfig1",
    "libdbus-1-3",
]
APT_TEST = ["xvfb", "xauth", "chromium", "imagemagick"]


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def fail(message: str, code: int = 1) -> None:
    print(f"[build] error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def run(
    command: Sequence[str | Path], *, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> None:
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        fail(f"`{' '.join(str(c) for c in command)}` exited with {result.returncode}")


def _digest(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _fresh(stamp: Path, digest: str) -> bool:
    return stamp.exists() and stamp.read_text() == digest


# --------------------------------------------------------------------------- system packages
def _missing_debs(packages: Sequence[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return []
    missing = []
    for package in packages:
        query = ["dpkg-query", "-W", "-f=${Status}", package]
        result = subprocess.run(query, capture_output=True, text=True, check=False)
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def ensure_system_packages(packages: Sequence[str]) -> None:
    missing = _missing_debs(packages)
    if not missing:
        return
    line = f"apt-get install -y {' '.join(missing)}"
    if os.geteuid() != 0:
        fail(f"missing system packages; install them with: sudo {line}")
    log(f"installing system packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


# --------------------------------------------------------------------------- python
def ensure_venv() -> None:
    if not VENV_PY.exists():
        log("creating .venv")
        run([sys.executable, "-m", "venv", VENV])
    lock = ROOT / "requirements.lock"
    stamp = VENV / ".llamadesk-installed"
    digest = _digest([lock, ROOT / "pyproject.toml"])
    if _fresh(stamp, digest):
        return
    log("installing Python requirements (requirements.lock)")
    run([VENV_PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", lock])
    run([VENV_PY, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", ROOT])
    stamp.write_text(digest)


def backend(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(VENV_PY), "-m", "backend", *args], cwd=ROOT, env=env, check=False)


def ensure_engine() -> None:
    if backend("engine", "--prepare").returncode != 0:
        fail("could not prepare llama-server and the default model (see above)")


# --------------------------------------------------------------------------- node
def ensure_node_modules() -> None:
    if shutil.which("npm") is None:
        fail("npm is missing; install Node.js 20 (e.g. apt-get install -y nodejs npm)")
    stamp = ROOT / "node_modules" / ".llamadesk-installed"
    digest = _digest([ROOT / "package-lock.json"])
    if _fresh(stamp, digest):
        return
    log("installing node modules (npm ci)")
    run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"])
    stamp.write_text(digest)


def _frontend_inputs() -> list[Path]:
    skip = {"node_modules", "build", ".svelte-kit", "test-results", "playwright-report"}
    files = [
        p
        for p in FRONTEND.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(FRONTEND).parts)
    ]
    return [*files, ROOT / "package-lock.json"]


def ensure_frontend_build() -> None:
    stamp = FRONTEND / "build" / ".llamadesk-built"
    digest = _digest(_frontend_inputs())
    if _fresh(stamp, digest) and (FRONTEND / "build" / "index.html").exists():
        return
    log("building the frontend")
    run(["npm", "-w", "frontend", "run", "build", "--silent"])
    stamp.write_text(digest)


def setup(*, system: Sequence[str]) -> None:
    started = time.monotonic()
    ensure_system_packages(system)
    ensure_venv()
    ensure_node_modules()
    ensure_frontend_build()
    ensure_engine()
    log(f"set-up done in {time.monotonic() - started:.1f} s")


# --------------------------------------------------------------------------- contract
def export_schema(schema_out: Path) -> None:
    with schema_out.open("wb") as out:
        result = subprocess.run(
            [str(VENV_PY), "-m", "backend", "contract"], stdout=out, check=False
        )
    if result.returncode != 0:
        fail("could not export the bridge contract schema")


# --------------------------------------------------------------------------- test
@dataclass
class StepResult:
    name: str
    passed: int
    failed: int
    seconds: float
    note: str = ""


@dataclass
class Step:
    name: str
    command: list[str]
    junit: Path | None = None
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)


def _junit_counts(path: Path) -> tuple[int, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    if skipped:
        failed += skipped  # a skipped test is a test that did not prove anything
    return total - failed, failed


def run_step(step: Step) -> StepResult:
    log(f"── {step.name}")
    started = time.monotonic()
    if step.junit:
        step.junit.unlink(missing_ok=True)
    env = {**os.environ, **step.env}
    code = subprocess.run(step.command, cwd=step.cwd, env=env, check=False).returncode
    seconds = time.monotonic() - started
    if step.junit is None:
        return StepResult(step.name, int(code == 0), int(code != 0), seconds)
    if not step.junit.exists():
        return StepResult(step.name, 0, 1, seconds, f"no report (exit {code})")
    passed, failed = _junit_counts(step.junit)
    if code != 0 and failed == 0:
        failed = 1
    if passed + failed == 0:
        return StepResult(step.name, 0, 1, seconds, "ran no test")
    return StepResult(step.name, passed, failed, seconds)


def check_contract_step() -> StepResult:
    """The checked-in schema must match the pydantic models (vitest checks bridge.ts against it)."""
    log("── contract schema up to date")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "schema.json"
        export_schema(fresh)
        stale = not SCHEMA_FILE.exists() or SCHEMA_FILE.read_bytes() != fresh.read_bytes()
    note = f"stale: {SCHEMA_FILE.relative_to(ROOT)}; run `python build.py types`" if stale else ""
    if note:
        log(note)
    return StepResult(
        "contract schema", int(not stale), int(stale), time.monotonic() - started, note
    )


def test_steps() -> list[Step]:
    py = str(VENV_PY)
    ARTIFACTS.mkdir(exist_ok=True)
    npm = ["npm", "-w", "frontend", "run", "--silent"]
    return [
        Step("ruff check", [py, "-m", "ruff", "check", "."]),
        Step("ruff format", [py, "-m", "ruff", "format", "--check", "."]),
        Step("mypy --strict", [py, "-m", "mypy"]),
        Step(
            "pytest",
            [
                py,
                "-m",
                "pytest",
                f"--junitxml={ARTIFACTS / 'pytest.xml'}",
                "-p",
                "no:cacheprovider",
            ],
            junit=ARTIFACTS / "pytest.xml",
        ),
        Step("svelte-check", [*npm, "check"]),
        Step("eslint + prettier", [*npm, "lint"]),
        Step(
            "vitest",
            [
                *npm,
                "test:unit",
                "--",
                "--reporter=default",
                "--reporter=junit",
                f"--outputFile.junit={ARTIFACTS / 'vitest.xml'}",
            ],
            junit=ARTIFACTS / "vitest.xml",
        ),
        Step(
            "playwright",
            [*npm, "test:e2e", "--", "--reporter=list,junit"],
            junit=ARTIFACTS / "playwright.xml",
            env={"PLAYWRIGHT_JUNIT_OUTPUT_NAME": str(ARTIFACTS / "playwright.xml")},
        ),
    ]


def command_test(args: argparse.Namespace) -> int:
    setup(system=APT_BUILD + APT_GUI + APT_TEST)
    started = time.monotonic()
    results: list[StepResult] = []
    for step in test_steps():
        results.append(run_step(step))
        if step.name == "mypy --strict":
            results.append(check_contract_step())
    print("\nstep                  passed  failed  seconds  note")
    for r in results:
        print(f"{r.name:<21} {r.passed:>6}  {r.failed:>6}  {r.seconds:>7.1f}  {r.note}")
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    print(f"(tests and checks, {time.monotonic() - started:.0f} s; artifacts in {ARTIFACTS.name}/)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


# --------------------------------------------------------------------------- run / dev / bench
def command_run(args: argparse.Namespace) -> int:
    setup(system=APT_BUILD + APT_GUI)
    return backend(*args.app_args).returncode


def _wait_for_url(url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def command_dev(args: argparse.Namespace) -> int:
    setup(system=APT_BUILD + APT_GUI)
    url = "http://localhost:5173"
    vite = subprocess.Popen(
        ["npm", "-w", "frontend", "run", "dev", "--", "--port", "5173", "--strictPort"]
    )
    try:
        if not _wait_for_url(url, 60):
            fail("the Vite dev server did not answer on port 5173 within 60 s")
        return backend("--dev", url, *args.app_args).returncode
    finally:
        vite.terminate()
        vite.wait()


FRONTEND_BENCHMARKS = [
    ("bench_frontend_stream", "bench"),
    ("bench_frontend_stream_probs", "bench:probs"),
    ("bench_long_conversation", "bench:long"),
]
"""Benchmarks of the page alone (name, npm script in frontend/), after those under bench/."""


def _chosen_benchmarks(names: Sequence[str], scripts: Sequence[str]) -> set[str]:
    """The benchmarks ``python build.py bench [NAME ...]`` runs: all, or those named (with or
    without the ``bench_`` prefix); an unknown name stops with the list of known ones."""
    known = [*scripts, *(name for name, _ in FRONTEND_BENCHMARKS)]
    if not names:
        return set(known)
    chosen = {name if name.startswith("bench_") else f"bench_{name}" for name in names}
    if unknown := sorted(chosen - set(known)):
        fail(f"no benchmark {', '.join(unknown)}; known: {', '.join(known)}")
    return chosen


def command_bench(args: argparse.Namespace) -> int:
    setup(system=APT_BUILD + APT_GUI + APT_TEST)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    chosen = _chosen_benchmarks(args.app_args, [s.stem for s in scripts])
    summary: dict[str, object] = {}
    for script in (s for s in scripts if s.stem in chosen):
        out = out_dir / f"{script.stem}.json"
        log(f"── {script.stem}")
        code = subprocess.run(
            [str(VENV_PY), str(script), "--json", str(out)], cwd=ROOT, check=False
        ).returncode
        summary[script.stem] = (
            json.loads(out.read_text()) if code == 0 and out.exists() else {"error": code}
        )
    for name, npm_script in FRONTEND_BENCHMARKS:
        if name not in chosen:
            continue
        front = out_dir / f"{name}.json"
        log(f"── {name}")
        code = subprocess.run(
            ["npm", "-w", "frontend", "run", "--silent", npm_script, "--", "--json", str(front)],
            check=False,
        ).returncode
        summary[name] = (
            json.loads(front.read_text()) if code == 0 and front.exists() else {"error": code}
        )
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print("\nbenchmark                      result")
    for name, result in summary.items():
        print(f"{name:<30} {json.dumps(result)}")
    return 0 if all("error" not in r for r in summary.values() if isinstance(r, dict)) else 1


def command_package(args: argparse.Namespace) -> int:
    setup(system=APT_BUILD + APT_GUI)
    script = [str(VENV_PY), str(ROOT / "packaging" / "build_package.py")]
    return subprocess.run([*script, *args.app_args], cwd=ROOT, check=False).returncode


def export_settings_fixture() -> None:
    """The mock backend's settings form: the backend's schema and defaults, Prettier-formatted."""
    with SETTINGS_FIXTURE.open("wb") as out:
        result = subprocess.run(
            [str(VENV_PY), "-m", "backend", "config", "--defaults"], stdout=out, check=False
        )
    if result.returncode != 0:
        fail("could not export the settings schema")
    run(["npm", "-w", "frontend", "exec", "--", "prettier", "--write", str(SETTINGS_FIXTURE)])


def command_types(args: argparse.Namespace) -> int:
    ensure_venv()
    ensure_node_modules()
    export_schema(SCHEMA_FILE)
    run(["npm", "-w", "frontend", "run", "--silent", "gen:types"])
    export_settings_fixture()
    written = (SCHEMA_FILE, TYPES_FILE, SETTINGS_FIXTURE)
    log("wrote " + ", ".join(str(path.relative_to(ROOT)) for path in written))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python build.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
        "run": (command_run, "set up, then open the app window (other options go to the app)"),
        "test": (
            command_test,
            "set up, then run every check and test; ends with 'N passed, M failed'",
        ),
        "dev": (command_dev, "the window on the Vite dev server with hot reload"),
        "bench": (
            command_bench,
            "run the benchmarks under bench/ (or those named) and write JSON to bench/results/",
        ),
        "package": (
            command_package,
            "build dist/llamadesk-*.tar.gz and .deb (--portable: the engine for any x86-64 CPU)",
        ),
        "types": (
            command_types,
            "regenerate the bridge contract schema, its TypeScript types and the mock's settings",
        ),
    }
    for name, (_, help_text) in commands.items():
        sub.add_parser(name, help=help_text)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in {"run", "dev", "package", "bench"}:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.app_args = [arg for arg in extra if arg != "--"]
    return commands[args.command][0](args)


if __name__ == "__main__":
    sys.exit(main())
