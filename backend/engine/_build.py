"""Build llama-server and its RPC worker from the pinned llama.cpp source, once per user and recipe.

The build runs cmake for the ``llama-server`` and ``ggml-rpc-server`` targets only, as static
binaries tuned for this CPU (``-march=native``) but without Intel AMX: some virtual machines report
AMX and then fault on its first instruction (SIGILL at model load), and AMX only speeds up prompt
processing on server Xeons. ``GGML_RPC=ON`` compiles in ggml's RPC backend, so the server can
spread a model over ``ggml-rpc-server`` workers (``--rpc``) and the worker can be one. Progress
lines (cmake's percentage and the elapsed time) go to a callback; the full log goes to a file
beside the cache. Installing, the lock against a second build and the cache layout are
``_cmake.cached_build``'s.
"""

from __future__ import annotations

import hashlib
import os
import platform
from collections.abc import Callable
from pathlib import Path

from ._cmake import BINARY_NAME, WORKER_NAME, BuildRun, cached_build
from ._pins import ENGINE_SOURCE

__all__ = [
    "BINARY_NAME",
    "ENGINE_TARGETS",
    "WORKER_NAME",
    "build_engine",
    "cached_binary",
    "compiler_flags",
    "engine_key",
]

ENGINE_TARGETS = (BINARY_NAME, WORKER_NAME)
_CMAKE_FLAGS = (
    "-DBUILD_SHARED_LIBS=OFF",
    "-DGGML_RPC=ON",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_CURL=OFF",
    "-DCMAKE_BUILD_TYPE=Release",
)
_NO_AMX = ("-mno-amx-tile", "-mno-amx-int8", "-mno-amx-bf16")


def compiler_flags() -> tuple[str, ...]:
    """Flags added to ggml's ``-march=native``: AMX off on x86 (explicit ``-mno-`` flags win)."""
    return _NO_AMX if platform.machine() in ("x86_64", "AMD64") else ()


def _cmake_flags() -> tuple[str, ...]:
    extra = " ".join(compiler_flags())
    if not extra:
        return _CMAKE_FLAGS
    return (*_CMAKE_FLAGS, f"-DCMAKE_C_FLAGS={extra}", f"-DCMAKE_CXX_FLAGS={extra}")


def _build_hash() -> str:
    """CPU features and the build recipe: an engine is only reused by the same CPU and recipe."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    flag_lines = (line for line in cpuinfo.splitlines() if line.startswith("flags"))
    cpu_flags = next((line.split(":", 1)[1].split() for line in flag_lines), ["generic"])
    recipe = " ".join([*sorted(cpu_flags), "|", *_cmake_flags(), "|", *ENGINE_TARGETS])
    return hashlib.sha256(recipe.encode()).hexdigest()[:8]


def engine_key() -> str:
    """The cache key: engine version, machine, CPU features and the recipe (flags, targets)."""
    return f"{ENGINE_SOURCE.version}-{platform.machine()}-{_build_hash()}"


def cached_binary(engine_cache: Path) -> Path:
    """Where the built llama-server for this machine lives (it may not exist yet)."""
    return engine_cache / engine_key() / BINARY_NAME


def _make(run: BuildRun) -> list[Path]:
    build_dir = run.work / "build"
    run.run(["cmake", "-S", str(run.source()), "-B", str(build_dir), *_cmake_flags()])
    jobs = str(os.cpu_count() or 2)
    run.run(["cmake", "--build", str(build_dir), "--target", *ENGINE_TARGETS, "-j", jobs])
    return [build_dir / "bin" / name for name in ENGINE_TARGETS]


def build_engine(engine_cache: Path, progress: Callable[[str], None]) -> Path:
    """Return the cached llama-server binary (its worker beside it), building both if needed."""
    return cached_build(engine_cache, engine_key(), "llama-server", _make, progress)
