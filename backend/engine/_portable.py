"""A llama-server that runs on any x86-64 CPU: the engine the package ships.

The native build (``_build``) is tuned for the CPU it was built on and may fault on another one.
This one is built the way llama.cpp's own release builds are: ``GGML_BACKEND_DL=ON``,
``GGML_NATIVE=OFF``, ``GGML_CPU_ALL_VARIANTS=ON`` and shared libraries, so ggml's CPU code is one
library per x86 level (``libggml-cpu-haswell.so``, ...) and the loader picks the best one this CPU
supports at run time. ``GGML_RPC=ON`` adds ggml's RPC backend (``libggml-rpc.so``), and the
worker ``ggml-rpc-server`` is built and shipped beside the server. Only the four x86-64 levels are
kept in the pinned source's variant list before configuring; the AMX one (``sapphirerapids``) is
not among them, for the reason the native build leaves AMX out. OpenMP and OpenSSL are off (ggml's
own thread pool; the app talks plain HTTP on localhost), so the folder needs nothing from the system
beyond libc and libstdc++. The binary and its libraries live in one folder with an ``$ORIGIN`` run
path, so the folder can be copied anywhere. Each CPU variant is built as its own target and timed
in the build log. The cache key is the engine version, the machine and the recipe (flags and
variants), never this CPU.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import resource
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import EngineError
from ._build import ENGINE_TARGETS
from ._cmake import BINARY_NAME, BuildRun, cached_build
from ._pins import ENGINE_SOURCE

__all__ = ["PORTABLE_VARIANTS", "build_portable_engine", "portable_binary", "portable_key"]

# One library per x86-64 level: v1 (x64), v2 (sse42), v3 (haswell: AVX2, FMA), v4 (skylakex:
# AVX-512). llama.cpp's release adds ten finer ones (VNNI, BF16, ...): each costs about as much
# build time as the server itself here, for a few percent on the CPUs that have them.
PORTABLE_VARIANTS = ("x64", "sse42", "haswell", "skylakex")
_CMAKE_FLAGS = (
    "-DBUILD_SHARED_LIBS=ON",
    "-DGGML_BACKEND_DL=ON",
    "-DGGML_NATIVE=OFF",
    "-DGGML_CPU_ALL_VARIANTS=ON",
    "-DGGML_OPENMP=OFF",
    "-DGGML_RPC=ON",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_CURL=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DCMAKE_BUILD_TYPE=Release",
    "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON",
    "-DCMAKE_INSTALL_RPATH=$ORIGIN",
)
_VARIANT_LINE = re.compile(r"^\s*ggml_add_cpu_backend_variant\((\w+)\b.*\n", re.MULTILINE)


def portable_key() -> str:
    """The cache key: engine version, machine and the recipe (flags and CPU variants)."""
    recipe = " ".join([*_CMAKE_FLAGS, "|", *PORTABLE_VARIANTS, "|", *ENGINE_TARGETS])
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:8]
    return f"{ENGINE_SOURCE.version}-{platform.machine()}-portable-{digest}"


def portable_binary(engine_cache: Path) -> Path:
    """Where the portable llama-server lives in the cache (it may not exist yet)."""
    return engine_cache / portable_key() / BINARY_NAME


def _keep_variants(source: Path) -> None:
    """Keep only our CPU variants in ggml's list (AMX is not one); fail if the list changed."""
    if platform.machine() not in ("x86_64", "AMD64"):
        raise EngineError(
            f"The portable llama-server is built for x86-64 only, not {platform.machine()}.",
            detail="Use the native build (`python -m backend engine --build`) on this machine.",
        )
    cmake = source / "ggml" / "src" / "CMakeLists.txt"
    text = cmake.read_text()
    found = {match.group(1) for match in _VARIANT_LINE.finditer(text)}
    missing = set(PORTABLE_VARIANTS) - found
    if missing:
        raise EngineError(
            "The pinned llama.cpp source lacks CPU variants this build expects.",
            detail=f"missing: {', '.join(sorted(missing))} in {cmake}",
        )
    kept = _VARIANT_LINE.sub(lambda m: m.group(0) if m.group(1) in PORTABLE_VARIANTS else "", text)
    cmake.write_text(kept)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _build_targets(build_dir: Path, run: BuildRun) -> None:
    """Each CPU variant as its own timed target, then the server, the worker and the libraries."""
    jobs = str(os.cpu_count() or 2)
    targets = [f"ggml-cpu-{tag}" for tag in PORTABLE_VARIANTS] + list(ENGINE_TARGETS)
    for target in targets:
        begun, cpu = time.monotonic(), _children_cpu_s()
        run.run(["cmake", "--build", str(build_dir), "--target", target, "-j", jobs])
        seconds, cpu_s = time.monotonic() - begun, _children_cpu_s() - cpu
        line = f"built {target} in {seconds:.0f} s ({cpu_s:.0f} CPU-seconds)"
        with run.log.open("a") as log_file:
            log_file.write(f"[llamadesk] {line}\n")
        run.progress(line)


def _make(run: BuildRun) -> list[Path]:
    source = run.source()
    _keep_variants(source)
    build_dir = run.work / "build"
    run.run(["cmake", "-S", str(source), "-B", str(build_dir), *_CMAKE_FLAGS])
    _build_targets(build_dir, run)
    bin_dir = build_dir / "bin"
    return [bin_dir / name for name in ENGINE_TARGETS] + sorted(bin_dir.glob("*.so*"))


def build_portable_engine(engine_cache: Path, progress: Callable[[str], None]) -> Path:
    """Return the cached portable llama-server (its worker beside it), building it if needed."""
    return cached_build(engine_cache, portable_key(), "the portable llama-server", _make, progress)
