"""Find the llama-server binary to run, and prove it is one.

The RPC worker, ``ggml-rpc-server``, is the one beside the llama-server in use (so both come from
the same source and speak the same protocol), else the one on PATH.

Order: the path in the settings, ``$LLAMADESK_SERVER_BIN``, the portable binary inside the packaged
app, ``llama-server`` on PATH, then the binary this app built into the cache. Whatever is found must
exist, be executable and answer ``--version`` like llama-server does, so a wrong setting fails with
a clear message before launch. A binary proven once is not run again while its file is the same
(same inode, size and modification time): a relaunch after a crash spawns only the server, not
a ``--version`` probe first (10-40 ms on 2 loaded cores); a replaced binary is probed again.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ..child_env import child_environ
from ..errors import EngineError
from ._build import cached_binary
from ._bundle import BUNDLE_ENGINE_DIR, bundled_file
from ._cmake import BINARY_NAME, WORKER_NAME

__all__ = ["EngineBinary", "EngineSource", "locate_engine", "locate_worker", "verify_engine"]

EngineSource = Literal["settings", "env", "bundled", "path", "cache"]
_VERSION = re.compile(r"version:\s*\S+\s*\(")
_VERSION_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class EngineBinary:
    """A verified llama-server binary, where it came from and what ``--version`` said."""

    path: Path
    source: EngineSource
    version: str


def verify_engine(path: Path, source: EngineSource) -> EngineBinary:
    """Check that ``path`` is an executable llama-server; raise EngineError saying what is wrong."""
    where = f"(from {source})"
    if not path.exists():
        raise EngineError(
            f"llama-server not found at {path} {where}.",
            detail="Check the path in Settings → Engine.",
        )
    if not path.is_file() or not os.access(path, os.X_OK):
        raise EngineError(
            f"{path} {where} is not an executable file.",
            detail=f"Make it executable (chmod +x {path}) or choose another binary.",
        )
    info = path.stat()
    identity = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    version = _probe_version(str(path), where, identity)
    return EngineBinary(path=path, source=source, version=version)


@lru_cache(maxsize=16)
def _probe_version(path: str, where: str, identity: tuple[int, int, int, int]) -> str:
    """The ``--version`` line of the binary at ``path``, cached by the file's ``identity``.

    ``identity`` (device, inode, size, modification time) is only the cache key: any change to
    the file makes a new key, so a replaced binary is run again. A failure is not cached.
    """
    try:
        result = subprocess.run(
            [path, "--version"],
            env=child_environ(),
            capture_output=True,
            text=True,
            timeout=_VERSION_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(
            f"{path} {where} could not be run; is it built for this machine?", detail=str(exc)
        ) from exc
    output = (result.stdout + result.stderr).strip()
    match = next((line for line in output.splitlines() if _VERSION.search(line)), None)
    if result.returncode != 0 or match is None:
        raise EngineError(
            f"{path} {where} does not look like llama-server.",
            detail=f"`--version` exited {result.returncode} and printed: {output[-500:]!r}",
        )
    return match.strip()


def locate_engine(
    configured: Path | None,
    engine_cache: Path,
    environ: Mapping[str, str] | None = None,
    bundle: Path | None = None,
) -> EngineBinary:
    """Return the first llama-server in the documented order, verified.

    A binary named explicitly (settings or env) that fails verification is an error, never
    silently skipped: the user asked for it. ``bundle`` stands in for the packaged app's bundle
    folder (tests); by default it is ``backend.paths.bundle_dir()``.
    """
    env = os.environ if environ is None else environ
    if configured is not None:
        return verify_engine(configured.expanduser(), "settings")
    from_env = env.get("LLAMADESK_SERVER_BIN")
    if from_env:
        return verify_engine(Path(from_env).expanduser(), "env")
    bundled = bundled_file(BUNDLE_ENGINE_DIR, BINARY_NAME, bundle)
    if bundled is not None:
        return verify_engine(bundled, "bundled")
    on_path = shutil.which(BINARY_NAME, path=env.get("PATH"))
    if on_path:
        return verify_engine(Path(on_path), "path")
    cached = cached_binary(engine_cache)
    if cached.exists():
        return verify_engine(cached, "cache")
    raise EngineError(
        "No llama-server binary yet.",
        detail="Run `python -m backend engine --build` (about 6 minutes on 2 cores), "
        "or set Settings → Engine → server binary / LLAMADESK_SERVER_BIN to your own llama-server.",
    )


def locate_worker(engine: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """The ``ggml-rpc-server`` beside ``engine`` (symlinks followed), else on PATH, else None."""
    beside = engine.resolve().parent / WORKER_NAME
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    env = os.environ if environ is None else environ
    on_path = shutil.which(WORKER_NAME, path=env.get("PATH"))
    return Path(on_path) if on_path else None
