"""Fetch a pinned file from PyPI with pip and verify its SHA-256."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from ..child_env import child_environ
from ..errors import EngineError
from ._bundle import refuse_when_frozen
from ._pins import PinnedPackage

__all__ = ["fetch_pinned", "sha256_of"]


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_pinned(package: PinnedPackage, downloads: Path) -> Path:
    """Return the verified file for ``package``, downloading it into ``downloads`` if needed.

    A file whose hash does not match is deleted and reported; it is never used. The packaged
    app never runs pip (``sys.executable`` is the app itself there): it refuses instead.
    """
    target = downloads / package.filename
    if target.exists() and sha256_of(target) == package.sha256:
        return target
    refuse_when_frozen(f"download {package.requirement}")
    downloads.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    kind = ["--no-binary", ":all:"] if package.source_distribution else ["--only-binary", ":all:"]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", *kind]
    command += ["--dest", str(downloads), package.requirement]
    result = subprocess.run(
        command, env=child_environ(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0 or not target.exists():
        raise EngineError(
            f"Could not download {package.requirement} from PyPI.",
            detail=(result.stderr or result.stdout)[-2000:],
        )
    actual = sha256_of(target)
    if actual != package.sha256:
        target.unlink()
        raise EngineError(
            f"{package.filename} failed its integrity check; it was deleted.",
            detail=f"expected sha256 {package.sha256}, got {actual}",
        )
    return target
