"""Verifying a llama-server binary: ``--version`` is asked once per file, again when it changes."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from backend.engine import verify_engine
from backend.errors import EngineError

SCRIPT = """\
#!{python}
import pathlib, sys
log = pathlib.Path({log!r})
log.write_text(log.read_text() + "run\\n" if log.exists() else "run\\n")
if pathlib.Path({refuse!r}).exists():
    sys.exit(7)
print("version: {version} (build 1, commit test)")
"""


def _binary(tmp_path: Path, version: str) -> Path:
    """A script answering ``--version`` like llama-server and noting each run in ``runs.log``."""
    path = tmp_path / "llama-server"
    text = SCRIPT.format(
        python=sys.executable,
        log=str(tmp_path / "runs.log"),
        refuse=str(tmp_path / "refuse"),
        version=version,
    )
    replacement = tmp_path / "llama-server.new"
    replacement.write_text(text)
    replacement.chmod(replacement.stat().st_mode | stat.S_IXUSR)
    replacement.replace(path)  # a new file, as an update or a rebuild makes
    return path


def _runs(tmp_path: Path) -> int:
    log = tmp_path / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_an_unchanged_binary_is_asked_its_version_once(tmp_path: Path) -> None:
    path = _binary(tmp_path, "1.0")
    first = verify_engine(path, "settings")
    second = verify_engine(path, "settings")
    assert first.version == second.version == "version: 1.0 (build 1, commit test)"
    assert _runs(tmp_path) == 1


def test_a_replaced_binary_is_asked_again(tmp_path: Path) -> None:
    path = _binary(tmp_path, "1.0")
    verify_engine(path, "settings")
    _binary(tmp_path, "2.0")
    assert verify_engine(path, "settings").version == "version: 2.0 (build 1, commit test)"
    assert _runs(tmp_path) == 2


def test_a_failed_check_is_not_remembered(tmp_path: Path) -> None:
    path = _binary(tmp_path, "1.0")
    (tmp_path / "refuse").touch()
    with pytest.raises(EngineError, match="does not look like llama-server"):
        verify_engine(path, "settings")
    (tmp_path / "refuse").unlink()  # the same file answers now: it is asked again
    assert verify_engine(path, "settings").version.startswith("version: 1.0")
    assert _runs(tmp_path) == 2
