"""Pid files: which llama-server this home launched, for whom, so none outlives its app.

PR_SET_PDEATHSIG kills the server when the app dies on Linux, but not on every platform and not
if the app was killed in the instant between fork and prctl. So each launch also writes
``run/llama-server-<pid>.json`` with the server's pid and start time and the owning app's pid
and start time (a pid alone can be reused by an unrelated process; the pair cannot). At
start-up :func:`sweep` reads them all: a server whose owner is gone is killed, a file whose
server is gone is removed, and a server whose owner is still alive is never touched, so two
app instances sharing one home do not kill each other's servers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from backend.files import write_atomic

__all__ = ["PidRecord", "remove_record", "sweep", "write_record"]

_SAME_START_S = 0.5
_KILL_WAIT_S = 3.0


@dataclass(frozen=True)
class PidRecord:
    """One launched server and the app process that owns it."""

    server_pid: int
    server_started: float
    owner_pid: int
    owner_started: float
    port: int

    @classmethod
    def for_server(cls, server_pid: int, port: int) -> PidRecord:
        """A record for ``server_pid``, owned by this process."""
        owner = psutil.Process()
        return cls(
            server_pid=server_pid,
            server_started=psutil.Process(server_pid).create_time(),
            owner_pid=owner.pid,
            owner_started=owner.create_time(),
            port=port,
        )


def _path(run_dir: Path, server_pid: int) -> Path:
    return run_dir / f"llama-server-{server_pid}.json"


def write_record(run_dir: Path, record: PidRecord) -> Path:
    """Write the record atomically (:func:`backend.files.write_atomic`) and return its path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    target = _path(run_dir, record.server_pid)
    write_atomic(target, json.dumps(asdict(record)).encode())
    return target


def remove_record(run_dir: Path, server_pid: int) -> None:
    """Forget a server that was stopped and reaped."""
    _path(run_dir, server_pid).unlink(missing_ok=True)


def _alive(pid: int, started: float) -> psutil.Process | None:
    """The process ``pid`` if it is still the one that started at ``started``."""
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - started) > _SAME_START_S:
            return None
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
    except psutil.Error:
        return None
    return process


def _read(path: Path) -> PidRecord | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PidRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def sweep(run_dir: Path) -> list[str]:
    """Kill servers whose owner is gone, drop stale files; return a note for each action."""
    notes: list[str] = []
    if not run_dir.is_dir():
        return notes
    for path in sorted(run_dir.glob("llama-server-*.json")):
        record = _read(path)
        if record is None:
            path.unlink(missing_ok=True)
            notes.append(f"Removed unreadable pid file {path.name}.")
            continue
        if _alive(record.owner_pid, record.owner_started) is not None:
            continue
        server = _alive(record.server_pid, record.server_started)
        if server is not None:
            try:
                server.kill()
                server.wait(_KILL_WAIT_S)
            except psutil.NoSuchProcess:
                pass
            except psutil.Error as exc:
                notes.append(f"Could not stop orphaned llama-server pid {record.server_pid}: {exc}")
                continue
            notes.append(
                f"Stopped an orphaned llama-server (pid {record.server_pid}, port {record.port}) "
                f"left running by LlamaDesk pid {record.owner_pid}, which is gone."
            )
        else:
            notes.append(f"Removed the stale pid file of llama-server pid {record.server_pid}.")
        path.unlink(missing_ok=True)
    return notes
