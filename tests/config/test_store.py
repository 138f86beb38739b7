"""The settings file: recovery from bad files, atomic writes under a kill, inter-process locking."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import pytest

from backend.config import ConfigService, Settings
from backend.errors import ConfigError
from backend.paths import AppPaths

ServiceFactory = Callable[..., ConfigService]
FileWriter = Callable[[object], Path]
REPO = Path(__file__).resolve().parents[2]


def _set_aside(paths: AppPaths) -> list[Path]:
    return sorted(paths.config_dir.glob("settings.json.bad-*"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"engine": {"port": 80', "it is not valid JSON (Expecting ',' delimiter at line 1)"),
        ("", "it is empty"),
        ("\n  \n", "it is empty"),
        (b"\xff\xfe{}", "it is not UTF-8 text"),
        ([1, 2], "it is not a JSON object"),
        (
            {"schema_version": 1, "engine": {"port": 99999}},
            "some values are invalid (engine.port: Input should be less than or equal to 65535)",
        ),
        (
            {"schema_version": 1, "engine": {"prot": 1}, "plugins": {}},
            "some values are invalid (engine.prot: unknown setting; plugins: unknown setting)",
        ),
        (
            {"schema_version": 2, "engine": {"port": 80}},
            "schema_version 2 was written by a newer LlamaDesk (this one knows up to 1)",
        ),
        ({"schema_version": "1"}, "schema_version '1' is not a version number"),
    ],
)
def test_bad_file_is_set_aside_and_the_app_starts_on_defaults(
    make_service: ServiceFactory, paths: AppPaths, content: object, reason: str
) -> None:
    paths.config_dir.mkdir(parents=True)
    if isinstance(content, bytes):
        original = content
    else:
        original = (content if isinstance(content, str) else json.dumps(content)).encode()
    paths.settings_file.write_bytes(original)

    service = make_service()

    assert service.settings == Settings()
    [aside] = _set_aside(paths)
    assert aside.read_bytes() == original
    assert not paths.settings_file.exists()
    assert service.warnings == [
        f"Settings file {paths.settings_file} was not used: {reason}. It was moved to {aside};"
        " LlamaDesk started on the defaults."
    ]
    service.save({"generation": {"seed": 3}})
    assert make_service().settings.generation.seed == 3
    assert make_service().warnings == []


def test_bad_file_falls_back_to_the_last_good_backup(
    make_service: ServiceFactory, paths: AppPaths
) -> None:
    service = make_service()
    service.save({"generation": {"seed": 1}})
    service.save({"generation": {"seed": 2}})
    paths.settings_file.write_text("{broken")

    recovered = make_service()

    assert recovered.settings.generation.seed == 1
    assert recovered.view().sources["generation.seed"] == "file"
    assert "LlamaDesk started on the last good backup (settings.json.bak)." in recovered.warnings[0]
    assert json.loads(paths.settings_file.read_text())["generation"] == {"seed": 1}
    assert len(_set_aside(paths)) == 1


def test_bad_file_and_bad_backup_start_on_defaults(
    make_service: ServiceFactory, paths: AppPaths, write_settings: FileWriter
) -> None:
    write_settings("{broken")
    paths.settings_file.with_name("settings.json.bak").write_text("[]")
    service = make_service()
    assert service.settings == Settings()
    assert service.warnings[0].endswith("LlamaDesk started on the defaults.")


def test_warnings_from_a_save_are_kept(
    make_service: ServiceFactory, write_settings: FileWriter
) -> None:
    service = make_service()
    write_settings("not json")
    service.save({"generation": {"seed": 5}})
    assert len(service.warnings) == 1
    assert "it is not valid JSON" in service.warnings[0]
    assert make_service().settings.generation.seed == 5


_KILL_BEFORE_RENAME = """
import os, signal, sys
from pathlib import Path
from backend.config import ConfigService
from backend.paths import AppPaths

target = sys.argv[1]

def kill_before_rename(event: str, args: tuple[object, ...]) -> None:
    if event == "os.rename" and str(args[1]) == target:
        os.kill(os.getpid(), signal.SIGKILL)

root = Path(sys.argv[2])
service = ConfigService(
    AppPaths(root / "config", root / "data", root / "logs", root / "cache"), environ={}, cwd=root
)
sys.addaudithook(kill_before_rename)
service.save({"generation": {"seed": 2}})
"""


def test_kill_between_write_and_rename_leaves_the_old_file(
    make_service: ServiceFactory, paths: AppPaths, tmp_path: Path
) -> None:
    make_service().save({"generation": {"seed": 1}})
    old = paths.settings_file.read_bytes()

    process = subprocess.run(
        [sys.executable, "-c", _KILL_BEFORE_RENAME, str(paths.settings_file), str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        check=False,
        timeout=30,
    )

    assert process.returncode == -signal.SIGKILL, process.stderr.decode()
    assert paths.settings_file.read_bytes() == old
    [temp] = paths.config_dir.glob(".settings.json.*.tmp")
    assert json.loads(temp.read_text())["generation"] == {"seed": 2}
    service = make_service()
    assert service.settings.generation.seed == 1
    assert service.warnings == []
    assert not temp.exists()


def _save_many(root: str, field: str, count: int, start: EventType) -> None:
    base = Path(root)
    paths = AppPaths(base / "config", base / "data", base / "logs", base / "cache")
    service = ConfigService(paths, environ={}, cwd=base)
    start.wait(30)
    for value in range(1, count + 1):
        service.save({"engine": {field: value}})
        json.loads(paths.settings_file.read_text())


def test_concurrent_saves_from_two_processes_keep_both_changes(
    make_service: ServiceFactory, paths: AppPaths, tmp_path: Path
) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=_save_many, args=(str(tmp_path), field, 25, start))
        for field in ("threads", "gpu_layers")
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0]

    assert json.loads(paths.settings_file.read_text())["engine"] == {
        "threads": 25,
        "gpu_layers": 25,
    }
    engine = make_service().settings.engine
    assert (engine.threads, engine.gpu_layers) == (25, 25)


def test_unreadable_settings_path_is_a_config_error(
    make_service: ServiceFactory, paths: AppPaths
) -> None:
    paths.settings_file.mkdir(parents=True)
    with pytest.raises(ConfigError, match="Cannot read"):
        make_service()


def test_unwritable_backup_is_a_config_error_and_keeps_the_file(
    make_service: ServiceFactory, paths: AppPaths
) -> None:
    service = make_service()
    service.save({"generation": {"seed": 1}})
    before = paths.settings_file.read_bytes()
    paths.settings_file.with_name("settings.json.bak").mkdir()
    with pytest.raises(ConfigError, match="Cannot write"):
        service.save({"generation": {"seed": 2}})
    assert paths.settings_file.read_bytes() == before
    assert not list(paths.config_dir.glob(".settings.json*.tmp"))


def test_config_dir_that_is_a_file_is_a_config_error(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "config").write_text("")
    paths = AppPaths(tmp_path / "config", tmp_path / "d", tmp_path / "l", tmp_path / "c")
    with pytest.raises(ConfigError, match="Cannot open"):
        ConfigService(paths, environ={}, cwd=workdir)


def test_save_waits_for_a_held_settings_lock(make_service: ServiceFactory, paths: AppPaths) -> None:
    service = make_service()
    saved = threading.Event()

    def save_then_signal() -> None:
        service.save({"generation": {"seed": 1}})
        saved.set()

    worker = threading.Thread(target=save_then_signal)
    with paths.settings_file.with_name("settings.json.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        worker.start()
        assert not saved.wait(0.3)
        assert not paths.settings_file.exists()
    worker.join(10)
    assert saved.is_set()
    assert make_service().settings.generation.seed == 1
