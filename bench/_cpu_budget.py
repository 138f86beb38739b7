"""Where the CPU goes while an answer streams: each process's and thread's share, from /proc.

A snapshot reads ``utime + stime`` of every thread of the given process trees
(``/proc/PID/task/TID/stat``); two snapshots and the seconds between them give each thread's
CPU as a percentage of one core. That figure does not change with the machine's load (a thread
that waits for a core is not charged for it), so it finds causes where the tokens/s ratio only
shows their sum. ``bench_inference_share`` reports it for each path's streaming phase.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = ["Snapshot", "budget", "snapshot"]

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")
_TOP_THREADS = 4


@dataclass(frozen=True)
class _Thread:
    process: str
    thread: str
    cpu_s: float


Snapshot = dict[tuple[int, int], _Thread]
"""(pid, tid) → what that thread had used by then."""


def _tree(pid: int) -> list[int]:
    try:
        parent = psutil.Process(pid)
        return [pid, *(child.pid for child in parent.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def _stat(path: Path) -> tuple[str, float] | None:
    try:
        text = path.read_text()
    except OSError:  # the thread ended meanwhile
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, (int(fields[11]) + int(fields[12])) * _TICK_S


def _label(pid: int, name: str) -> str:
    """The process's name, with Chromium's ``--type`` (renderer, gpu-process, ...) if it has one."""
    try:
        # Chromium rewrites its command line as one string: split on spaces too
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
    except OSError:
        return name
    kinds = [a.removeprefix(b"--type=").decode() for a in arguments if a.startswith(b"--type=")]
    return f"{name} ({kinds[0]})" if kinds else name


def snapshot(roots: list[int]) -> Snapshot:
    """Every thread's CPU seconds so far, in the trees under ``roots``."""
    taken: Snapshot = {}
    for pid in {p for root in roots for p in _tree(root)}:
        process = _stat(Path(f"/proc/{pid}/stat"))
        if process is None:
            continue
        label = _label(pid, process[0])
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            thread = _stat(task / "stat")
            if thread is not None:
                taken[(pid, int(task.name))] = _Thread(label, thread[0], thread[1])
    return taken


def budget(before: Snapshot, after: Snapshot, seconds: float) -> dict[str, dict[str, float]]:
    """% of one core per process label (summed over its processes), with its busiest threads.

    Each entry is ``{"total": %, "<thread name>": %, ...}``; threads started after ``before``
    count from zero.
    """
    per_process: dict[str, dict[str, float]] = {}
    for key, now in after.items():
        used = now.cpu_s - (before[key].cpu_s if key in before else 0.0)
        threads = per_process.setdefault(now.process, {})
        threads[now.thread] = threads.get(now.thread, 0.0) + used / seconds * 100
    rows = {}
    for process, threads in sorted(per_process.items(), key=lambda kv: -sum(kv[1].values())):
        busiest = sorted(threads.items(), key=lambda kv: -kv[1])[:_TOP_THREADS]
        rows[process] = {"total": round(sum(threads.values()), 1)} | {
            name: round(value, 1) for name, value in busiest if value >= 0.1
        }
    return rows
