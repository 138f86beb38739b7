"""One cached cmake build of the pinned llama.cpp source, shared by the native and portable recipes.

A recipe names its cache key and a ``make`` function (configure and build in a work folder,
return the files to install); ``cached_build`` does the rest the same way for both. The folder
``<engine cache>/<key>/`` holds ``llama-server`` and the RPC worker ``ggml-rpc-server`` (plus any
libraries). It is installed atomically: the files are copied into a staging folder, each binary is
run once (``--version``, ``--help``), and the folder is renamed into place, so a half-built engine
is never found. An exclusive file lock per key (``<key>.lock``) makes a second build started at the
same time, in this process or another, wait and then reuse the first one's result instead of
building into the same folders.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..child_env import child_environ
from ..errors import EngineError
from ._bundle import refuse_when_frozen
from ._fetch import fetch_pinned
from ._pins import ENGINE_SOURCE

__all__ = [
    "BINARY_NAME",
    "BuildRun",
    "Make",
    "WORKER_NAME",
    "cached_build",
    "pinned_source",
    "run_logged",
]

BINARY_NAME = "llama-server"
WORKER_NAME = "ggml-rpc-server"
# How each installed binary is proven to run: llama-server prints its version, the worker its usage.
_CHECKS = {BINARY_NAME: "--version", WORKER_NAME: "--help"}
_PERCENT = re.compile(r"^\[\s*(\d+)%\]")
_PROGRESS_EVERY_S = 5.0


@dataclass(frozen=True)
class BuildRun:
    """One build in progress: where it works and logs, when it began, whom it tells."""

    engine_cache: Path
    work: Path
    log: Path
    started: float
    progress: Callable[[str], None]

    def run(self, command: list[str]) -> None:
        """Run one build step, logged (see ``run_logged``)."""
        run_logged(command, self.log, self.progress, self.started)

    def source(self) -> Path:
        """The pinned llama.cpp source tree, fetched and extracted into ``work`` if needed."""
        return pinned_source(self.engine_cache, self.work)


Make = Callable[[BuildRun], list[Path]]
"""``make(run)``: configure and build in ``run.work``, return the files to install."""


def _require_tools() -> None:
    missing = [tool for tool in ("cmake", "make") if shutil.which(tool) is None]
    if not any(shutil.which(cxx) for cxx in ("c++", "g++", "clang++")):
        missing.append("a C++ compiler (g++)")
    if missing:
        raise EngineError(
            f"Building llama-server needs {', '.join(missing)}.",
            detail="Install them with: sudo apt-get install -y cmake make g++",
        )


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_logged(
    command: list[str], log: Path, progress: Callable[[str], None], started: float
) -> None:
    """Run ``command``, appending its output to ``log`` and its percentage to ``progress``."""
    last_report = 0.0
    with log.open("a") as log_file:
        log_file.write(f"$ {' '.join(command)}\n")
        log_file.flush()
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=child_environ(),
        )
        assert process.stdout is not None
        for line in process.stdout:
            log_file.write(line)
            match = _PERCENT.match(line)
            now = time.monotonic()
            if match and now - last_report >= _PROGRESS_EVERY_S:
                last_report = now
                progress(f"building llama-server: {match.group(1)}% ({now - started:.0f} s)")
        returncode = process.wait()
    if returncode != 0:
        raise EngineError(
            f"Building llama-server failed (exit code {returncode}).",
            detail=f"The full build log is at {log}",
        )


def pinned_source(engine_cache: Path, work: Path) -> Path:
    """The pinned llama.cpp source tree, fetched and extracted into ``work`` if not there yet."""
    archive = fetch_pinned(ENGINE_SOURCE, engine_cache / "downloads")
    source = work / f"llama_cpp_python-{ENGINE_SOURCE.version}" / "vendor" / "llama.cpp"
    if not (source / "CMakeLists.txt").exists():
        work.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
    return source


def _check_runs(binary: Path) -> None:
    check = subprocess.run(
        [str(binary), _CHECKS[binary.name]],
        env=child_environ(),
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        raise EngineError(
            f"The freshly built {binary.name} does not run.", detail=check.stderr[-2000:]
        )


def _install(built: list[Path], folder: Path) -> None:
    """Copy ``built`` (binaries and libraries, symlinks kept) into ``folder``, atomically."""
    staging = folder.with_name(f"{folder.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for path in built:
        shutil.copy2(path, staging / path.name, follow_symlinks=False)
    try:
        for name in _CHECKS:
            _check_runs(staging / name)
    except EngineError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def cached_build(
    engine_cache: Path, key: str, label: str, make: Make, progress: Callable[[str], None]
) -> Path:
    """Return ``<engine cache>/<key>/llama-server``, running ``make`` first if it is not built.

    ``label`` names the build in progress lines (``llama-server``, ``the portable
    llama-server``).
    """
    target = engine_cache / key / BINARY_NAME
    if target.exists():
        return target
    refuse_when_frozen("build llama-server")
    _require_tools()
    with _exclusive(engine_cache / f"{key}.lock"):
        if target.exists():
            return target
        started = time.monotonic()
        log = engine_cache / f"build-{key}.log"
        log.write_text("")
        progress(f"building {label} {ENGINE_SOURCE.version} (log: {log})")
        run = BuildRun(engine_cache, engine_cache / f"work-{key}", log, started, progress)
        _install(make(run), target.parent)
        shutil.rmtree(run.work, ignore_errors=True)
        progress(f"{label} built in {time.monotonic() - started:.0f} s: {target.parent}")
    return target
