"""Pid files: written per launch, swept at start-up, never touching a live owner's server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from backend.server import PidRecord, remove_record, sweep, write_record


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _record(
    server: int, owner: int, server_started: float, owner_started: float = 1.0
) -> PidRecord:
    return PidRecord(server, server_started, owner, owner_started, port=1234)


def test_a_record_names_this_process_as_owner(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    record = PidRecord.for_server(sleeper.pid, 1234)
    assert record.owner_pid == psutil.Process().pid
    assert record.server_started == psutil.Process(sleeper.pid).create_time()
    path = write_record(tmp_path, record)
    assert path.name == f"llama-server-{sleeper.pid}.json"
    assert sweep(tmp_path) == []
    assert path.exists()
    remove_record(tmp_path, sleeper.pid)
    assert not path.exists()


def test_a_server_whose_owner_died_is_killed_and_reported(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    started = psutil.Process(sleeper.pid).create_time()
    write_record(tmp_path, _record(sleeper.pid, _dead_pid(), started))
    notes = sweep(tmp_path)
    assert notes == [
        f"Stopped an orphaned llama-server (pid {sleeper.pid}, port 1234) left running by "
        f"LlamaDesk pid {notes[0].split('LlamaDesk pid ')[1].split(',')[0]}, which is gone."
    ]
    assert sleeper.poll() is not None
    assert not list(tmp_path.iterdir())


def test_a_live_owner_protects_its_server(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    me = psutil.Process()
    started = psutil.Process(sleeper.pid).create_time()
    write_record(tmp_path, _record(sleeper.pid, me.pid, started, me.create_time()))
    assert sweep(tmp_path) == []
    assert sleeper.poll() is None


def test_a_reused_owner_pid_does_not_protect_the_server(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    started = psutil.Process(sleeper.pid).create_time()
    write_record(tmp_path, _record(sleeper.pid, psutil.Process().pid, started, owner_started=1.0))
    assert "Stopped an orphaned llama-server" in sweep(tmp_path)[0]
    assert sleeper.wait(2) is not None


def test_a_reused_server_pid_is_never_killed(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    write_record(tmp_path, _record(sleeper.pid, _dead_pid(), server_started=1.0))
    assert sweep(tmp_path) == [f"Removed the stale pid file of llama-server pid {sleeper.pid}."]
    assert sleeper.poll() is None
    assert not list(tmp_path.iterdir())


def test_garbage_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / "llama-server-1.json").write_text("{not json")
    (tmp_path / "llama-server-2.json").write_text('{"server_pid": 2}')
    (tmp_path / "other.json").write_text("kept")
    assert sweep(tmp_path) == [
        "Removed unreadable pid file llama-server-1.json.",
        "Removed unreadable pid file llama-server-2.json.",
    ]
    assert [path.name for path in tmp_path.iterdir()] == ["other.json"]


def test_a_missing_run_dir_is_fine(tmp_path: Path) -> None:
    assert sweep(tmp_path / "absent") == []


def test_a_record_is_fsynced_with_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    path = write_record(tmp_path, _record(4242, 4343, 1.0))
    assert len(synced) == 2  # the file before the rename, the folder after
    assert json.loads(path.read_text())["server_pid"] == 4242
    assert [child.name for child in tmp_path.iterdir()] == ["llama-server-4242.json"]
