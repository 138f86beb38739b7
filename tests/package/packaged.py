"""Running the desktop package the way a user runs it: a clean environment, a fresh home.

``packaging/build_package.py`` builds the tarball and the .deb (with this machine's native engine,
which the issue allows for tests; ``python build.py package --portable`` is the release build).
The tarball is unpacked into a fresh, world-readable folder and started with a clean environment:
``env -i`` with only ``HOME``, ``DISPLAY`` and ``PATH=/usr/bin:/bin``, so no venv, node or cmake is
reachable, and a fresh ``HOME`` whose cache has no engine and no model: the app must use what it
carries.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "What is the capital of France?"
TEST_USER = "llamadesk-test"
TEST_XZ_LEVEL = 1  # a quarter of the release level's (6) CPU time; the .deb is ~10% larger
RELEASE_XZ_LEVEL = 6
ANSWER_FLAGS = ("--set", "generation.temperature=0", "--set", "generation.max_tokens=48")


@dataclass(frozen=True)
class Package:
    """What build_package.py made (package-info.json)."""

    tarball: Path
    deb: Path
    info: dict[str, object]


def world_readable_dir(prefix: str) -> Path:
    """A fresh folder another user can read (pytest's tmp folders are private to root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def clean_env(home: Path, display: str | None) -> dict[str, str]:
    """What ``env -i HOME=... DISPLAY=... PATH=/usr/bin:/bin`` leaves."""
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    if display is not None:
        env["DISPLAY"] = display
    return env


def run_clean(
    executable: Path,
    args: Sequence[str],
    home: Path,
    display: str | None = None,
    *,
    cwd: Path | None = None,
    user: str | None = None,
    timeout: float = 240,
) -> subprocess.CompletedProcess[str]:
    """Run the packaged app through ``env -i`` (as ``user`` when given)."""
    env = [f"{key}={value}" for key, value in clean_env(home, display).items()]
    command = ["env", "-i", *env, str(executable), *args]
    return subprocess.run(
        command,
        cwd=cwd or home,
        user=user,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def self_test_report(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The ``SELFTEST {json}`` line, checked: a complete answer that names Paris."""
    lines = [line for line in result.stdout.splitlines() if line.startswith("SELFTEST ")]
    assert lines, f"no self-test report; exit {result.returncode}\n{result.stderr[-4000:]}"
    report: dict[str, object] = json.loads(lines[-1].removeprefix("SELFTEST "))
    assert report["ok"], report
    assert "paris" in str(report["answer"]).lower(), report
    assert result.returncode == 0, result.stderr[-4000:]
    return report


class Homes:
    """Makes empty home folders, inside one world-readable folder that ``close`` removes whole
    (the apps' data and logs, and anything a test writes beside a home)."""

    def __init__(self) -> None:
        self.root = world_readable_dir("llamadesk-homes-")

    def __call__(self, owner: str | None = None) -> Path:
        """An empty home folder (owned by ``owner`` when given)."""
        home = Path(tempfile.mkdtemp(prefix="home-", dir=self.root))
        home.chmod(0o755)
        if owner is not None:
            account = pwd.getpwnam(owner)
            os.chown(home, account.pw_uid, account.pw_gid)
            home.chmod(0o700)
        return home

    def close(self) -> None:
        """Remove every home made, and the folder they are in."""
        shutil.rmtree(self.root)
