"""``python -m backend engine --info``: which llama-server is used, its version and CPU code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..child_env import child_environ
from ._build import engine_key
from ._locate import EngineBinary, locate_worker
from ._pins import ENGINE_SOURCE
from ._portable import portable_key

__all__ = ["cpu_variant", "format_engine_info", "rpc_compiled_in"]

_CPU_LIBRARY = "libggml-cpu-*.so"
_LOADED = re.compile(r"loaded CPU backend from \S*libggml-cpu-([\w.]+)\.so")
_TIMEOUT_S = 15.0
_NO_RPC = "RPC not supported in this build"
# A port nothing listens on: asking for it fails fast where RPC is compiled in, and names the
# missing support where it is not.
_PROBE_RPC = "127.0.0.1:1"


def cpu_variant(binary: Path) -> str | None:
    """The CPU variant a portable llama-server loads on this machine, e.g. ``haswell``.

    None for a build with one CPU code path (the native build) or when it cannot tell. The
    portable build's loader logs which ``libggml-cpu-<variant>.so`` it picked when it lists its
    devices verbosely, so that is asked.
    """
    if not any(binary.resolve().parent.glob(_CPU_LIBRARY)):
        return None
    try:
        listed = subprocess.run(
            [str(binary), "--verbose", "--list-devices"],
            env=child_environ(),
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _LOADED.search(listed.stderr + listed.stdout)
    return match.group(1) if match else None


def rpc_compiled_in(binary: Path) -> bool | None:
    """Whether ``binary`` has ggml's RPC backend (``--rpc`` works); None when it cannot tell."""
    try:
        listed = subprocess.run(
            [str(binary), "--rpc", _PROBE_RPC, "--list-devices"],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            env={**child_environ(), "GGML_NO_BACKTRACE": "1"},  # its abort need not start gdb
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return _NO_RPC not in listed.stderr + listed.stdout


def _rpc_lines(binary: EngineBinary) -> list[str]:
    compiled = rpc_compiled_in(binary.path)
    rpc = {True: "compiled in", False: "not compiled in", None: "unknown"}[compiled]
    worker = locate_worker(binary.path)
    return [f"rpc:     {rpc}", f"worker:  {worker if worker else 'none (no ggml-rpc-server)'}"]


def _cpu_line(binary: EngineBinary) -> str:
    shipped = sorted(p.name for p in binary.path.resolve().parent.glob(_CPU_LIBRARY))
    if not shipped:
        return "one code path (built for the CPU of the machine that built it)"
    variant = cpu_variant(binary.path) or "none loaded"
    names = ", ".join(name.removeprefix("libggml-cpu-").removesuffix(".so") for name in shipped)
    return f"{variant} (picked at run time from {names})"


def format_engine_info(binary: EngineBinary) -> str:
    """Describe the binary in use, one fact per line."""
    portable = any(binary.path.resolve().parent.glob(_CPU_LIBRARY))
    key = portable_key() if portable else engine_key()
    return "\n".join(
        [
            f"binary:  {binary.path}",
            f"source:  {binary.source}",
            f"version: {binary.version}",
            f"cpu:     {_cpu_line(binary)}",
            *_rpc_lines(binary),
            f"pinned:  {ENGINE_SOURCE.requirement} (cache key {key})",
        ]
    )
