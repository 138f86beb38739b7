"""The one cached build both engine recipes share: the lock, the atomic install, the checks."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from backend.engine import BINARY_NAME, WORKER_NAME, cached_build
from backend.engine._cmake import BuildRun
from backend.errors import EngineError

_SERVER = '#!/bin/sh\necho "version: 1 (build 1, commit abc)"\n'
_WORKER = '#!/bin/sh\necho "Usage: $0 [options]" >&2\n'


def _script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


class _FakeMake:
    """Stands in for cmake: writes two scripts into the work folder, counts its runs."""

    def __init__(self, worker: str = _WORKER) -> None:
        self.runs = 0
        self.worker = worker
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, run: BuildRun) -> list[Path]:
        self.runs += 1
        self.entered.set()
        assert self.release.wait(30), "the test never released the build"
        bin_dir = run.work / "build" / "bin"
        return [
            _script(bin_dir / BINARY_NAME, _SERVER),
            _script(bin_dir / WORKER_NAME, self.worker),
        ]


def test_a_second_build_at_the_same_time_waits_and_reuses_the_first(tmp_path: Path) -> None:
    make = _FakeMake()
    results: list[Path] = []

    def build() -> None:
        results.append(cached_build(tmp_path, "k1", "llama-server", make, lambda _line: None))

    first = threading.Thread(target=build)
    first.start()
    assert make.entered.wait(30)
    second = threading.Thread(target=build)
    second.start()
    second.join(0.5)
    assert second.is_alive()  # blocked on the lock while the first one builds
    make.release.set()
    first.join(30)
    second.join(30)
    assert make.runs == 1
    assert results == [tmp_path / "k1" / BINARY_NAME] * 2
    assert sorted(p.name for p in (tmp_path / "k1").iterdir()) == [WORKER_NAME, BINARY_NAME]
    assert not (tmp_path / "work-k1").exists()
    assert not (tmp_path / "k1.staging").exists()


def test_a_worker_that_does_not_run_installs_nothing(tmp_path: Path) -> None:
    make = _FakeMake(worker="#!/bin/sh\necho broken >&2\nexit 3\n")
    make.release.set()
    with pytest.raises(EngineError, match=f"freshly built {WORKER_NAME} does not run") as caught:
        cached_build(tmp_path, "k2", "llama-server", make, lambda _line: None)
    assert "broken" in (caught.value.detail or "")
    assert not (tmp_path / "k2").exists()
    assert not (tmp_path / "k2.staging").exists()
    make.worker = _WORKER
    cached_build(tmp_path, "k2", "llama-server", make, lambda _line: None)  # a retry builds again
    assert make.runs == 2
    assert (tmp_path / "k2" / WORKER_NAME).exists()
