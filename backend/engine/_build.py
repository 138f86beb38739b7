"""Build llama-server from the pinned llama.cpp source, once per user and engine version.

The build runs cmake for the ``llama-server`` target only, as one static binary tuned for this CPU
(``-march=native``) but without Intel AMX: some virtual machines report AMX and then fault on its
first instruction (SIGILL at model load), and AMX only speeds up prompt processing on server Xeons.
Progress lines (cmake's percentage and the elapsed time) go to a callback; the full log goes to a
file beside the cache. The finished binary is installed atomically: it is copied into a temporary
folder, checked with ``--version``, and the folder is renamed into place, so a half-built binary is
never found. A file lock keeps two processes from building at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import EngineError
from ._bundle import refuse_when_frozen
from ._fetch import fetch_pinned
from ._pins import ENGINE_SOURCE

__all__ = ["BINARY_NAME", "build_engine", "cached_binary", "compiler_flags", "engine_key"]

BINARY_NAME = "llama-server"
_CMAKE_FLAGS = (
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_CURL=OFF",
    "-DCMAKE_BUILD_TYPE=Release",
)
_NO_AMX = ("-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16")
_PERCENT = re.compile(r"^\[\s*(\d+)%\]")
_PROGRESS_EVERY_S = 5.0


def compiler_flags() -> tuple[str, ...]:
    """Flags added to ggml's ``-march=native``: AMX off on x86 (explicit ``-mno-`` flags win)."""
    return _NO_AMX if platform.machine() in ("x86_64", "AMD64") else ()


def _cmake_flags() -> tuple[str, ...]:
    extra = " ".join(compiler_flags())
    if not extra:
        return _CMAKE_FLAGS
    return (*_CMAKE_FLAGS, f"-DCMAKE_C_FLAGS={extra}", f"-DCMAKE_CXX_FLAGS={extra}")


def _build_hash() -> str:
    """CPU features and the build recipe: a binary is only reused by the same CPU and flags."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    flag_lines = (line for line in cpuinfo.splitlines() if line.startswith("flags"))
    cpu_flags = next((line.split(":", 1)[1].split() for line in flag_lines), ["generic"])
    recipe = " ".join([*sorted(cpu_flags), "|", *_cmake_flags()])
    return hashlib.sha256(recipe.encode()).hexdigest()[:8]


def engine_key() -> str:
    """The cache key: engine version, machine, CPU features and build flags."""
    return f"{ENGINE_SOURCE.version}-{platform.machine()}-{_build_hash()}"


def cached_binary(engine_cache: Path) -> Path:
    """Where the built binary for this machine lives (it may not exist yet)."""
    return engine_cache / engine_key() / BINARY_NAME


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


def _run_logged(
    command: list[str], log: Path, progress: Callable[[str], None], started: float
) -> None:
    last_report = 0.0
    with log.open("a") as log_file:
        log_file.write(f"$ {' '.join(command)}\n")
        log_file.flush()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
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


def _extract(archive: Path, work: Path) -> Path:
    source = work / f"llama_cpp_python-{ENGINE_SOURCE.version}" / "vendor" / "llama.cpp"
    if not (source / "CMakeLists.txt").exists():
        work.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
    return source


def _install(built: list[Path], target: Path) -> None:
    """Copy ``built`` (the binary and any libraries, symlinks kept) into ``target``'s folder."""
    staging = target.parent.with_name(f"{target.parent.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for path in built:
        shutil.copy2(path, staging / path.name, follow_symlinks=False)
    check = subprocess.run(
        [str(staging / BINARY_NAME), "--version"], capture_output=True, text=True, check=False
    )
    if check.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise EngineError(
            "The freshly built llama-server does not run.", detail=check.stderr[-2000:]
        )
    shutil.rmtree(target.parent, ignore_errors=True)
    staging.rename(target.parent)


def build_engine(engine_cache: Path, progress: Callable[[str], None]) -> Path:
    """Return the cached llama-server binary, building it first if this machine has none."""
    target = cached_binary(engine_cache)
    if target.exists():
        return target
    refuse_when_frozen("build llama-server")
    _require_tools()
    key = engine_key()
    with _exclusive(engine_cache / f"{key}.lock"):
        if target.exists():
            return target
        started = time.monotonic()
        log = engine_cache / f"build-{key}.log"
        log.write_text("")
        progress(f"llama-server {ENGINE_SOURCE.version} is not built yet; building (log: {log})")
        archive = fetch_pinned(ENGINE_SOURCE, engine_cache / "downloads")
        work = engine_cache / f"work-{key}"
        source = _extract(archive, work)
        build_dir = work / "build"
        configure = ["cmake", "-S", str(source), "-B", str(build_dir), *_cmake_flags()]
        _run_logged(configure, log, progress, started)
        jobs = str(os.cpu_count() or 2)
        build = ["cmake", "--build", str(build_dir), "--target", BINARY_NAME, "-j", jobs]
        _run_logged(build, log, progress, started)
        _install([build_dir / "bin" / BINARY_NAME], target)
        shutil.rmtree(work, ignore_errors=True)
        progress(f"llama-server built in {time.monotonic() - started:.0f} s: {target}")
    return target
