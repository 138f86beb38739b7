"""backend.files: atomic replacement (fsync before and after the rename) and setting files aside."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import backend.files
from backend.files import remove_temp_files, rename_durably, set_aside, write_atomic

REPO = Path(__file__).resolve().parents[1]


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_write_atomic_creates_and_replaces_leaving_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    write_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert _names(tmp_path) == ["doc.json"]


def test_write_atomic_fsyncs_the_file_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        is_folder = stat.S_ISDIR(os.fstat(descriptor).st_mode)
        steps.append("fsync folder" if is_folder else "fsync file")
        real_fsync(descriptor)

    def replace(source: str | Path, target: str | Path) -> None:
        steps.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomic(tmp_path / "doc.json", b"data")
    assert steps == ["fsync file", "rename", "fsync folder"]


def test_rename_durably_fsyncs_the_target_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[bool] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(descriptor).st_mode))
        real_fsync(descriptor)

    (tmp_path / "model.gguf.part").write_bytes(b"weights")
    monkeypatch.setattr(os, "fsync", fsync)
    rename_durably(tmp_path / "model.gguf.part", tmp_path / "model.gguf")
    assert synced == [True]
    assert _names(tmp_path) == ["model.gguf"]
    assert (tmp_path / "model.gguf").read_bytes() == b"weights"


def test_a_failed_write_keeps_the_old_file_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "doc.json"
    target.write_bytes(b"old")

    def no_space(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["doc.json"]


def test_a_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "absent" / "doc.json", b"data")


_KILL_BEFORE_RENAME = """
import os, signal, sys
from pathlib import Path
from backend.files import write_atomic

target = Path(sys.argv[1])

def kill_before_rename(event: str, args: tuple[object, ...]) -> None:
    if event == "os.rename" and str(args[1]) == str(target):
        os.kill(os.getpid(), signal.SIGKILL)

sys.addaudithook(kill_before_rename)
write_atomic(target, b"new")
"""


def test_a_crash_before_the_rename_leaves_the_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    target.write_bytes(b"old")
    process = subprocess.run(
        [sys.executable, "-c", _KILL_BEFORE_RENAME, str(target)],
        cwd=REPO,
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    assert target.read_bytes() == b"old"
    [temp] = tmp_path.glob(".doc.json.*.tmp")
    assert temp.read_bytes() == b"new"

    remove_temp_files(target)
    assert _names(tmp_path) == ["doc.json"]


def test_remove_temp_files_touches_only_that_files_temp_files(tmp_path: Path) -> None:
    for name in (".doc.json.abc.tmp", ".doc.json.def.tmp", ".other.json.abc.tmp", "doc.json"):
        (tmp_path / name).write_text("x")
    remove_temp_files(tmp_path / "doc.json")
    assert _names(tmp_path) == [".other.json.abc.tmp", "doc.json"]


def test_set_aside_moves_the_file_to_a_timestamped_name(tmp_path: Path) -> None:
    broken = tmp_path / "settings.json"
    broken.write_bytes(b"{not json")
    before = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = set_aside(broken)
    after = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    assert not broken.exists()
    assert aside.parent == tmp_path
    assert aside.read_bytes() == b"{not json"
    prefix = "settings.json.bad-"
    assert aside.name.startswith(prefix)
    assert before <= aside.name.removeprefix(prefix) <= after


class _FrozenClock:
    @staticmethod
    def now(tz: object) -> datetime:
        return datetime(2025, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)


def test_set_aside_never_overwrites_an_earlier_set_aside_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend.files, "datetime", _FrozenClock)
    broken = tmp_path / "models.json"
    for content in (b"one", b"two", b"three"):
        broken.write_bytes(content)
        set_aside(broken)
    stamp = "models.json.bad-20250102T030405.678901Z"
    assert _names(tmp_path) == [stamp, f"{stamp}-1", f"{stamp}-2"]
    assert [(tmp_path / name).read_bytes() for name in _names(tmp_path)] == [
        b"one",
        b"two",
        b"three",
    ]


def test_set_aside_of_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        set_aside(tmp_path / "absent.json")
