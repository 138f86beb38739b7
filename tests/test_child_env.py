"""backend.child_env: a child never gets the packaged app's loader variables (PyInstaller's)."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from backend.child_env import child_environ
from backend.server import server_environ

ROOT = Path(__file__).resolve().parents[1]

# What a frozen LlamaDesk's os.environ holds when the user started it with LD_LIBRARY_PATH=/opt/lib
# (read off a real one in /proc/PID/environ).
FROZEN = {
    "HOME": "/home/u",
    "PATH": "/usr/bin:/bin",
    "LD_LIBRARY_PATH": "/opt/llamadesk/_internal:/opt/lib",
    "LD_LIBRARY_PATH_ORIG": "/opt/lib",
    "_PYI_ARCHIVE_FILE": "/opt/llamadesk/llamadesk",
    "_PYI_PARENT_PROCESS_LEVEL": "-1",
    "_PYI_LINUX_PROCESS_NAME": "llamadesk",
}
RESTORED = {"HOME": "/home/u", "PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": "/opt/lib"}


def test_the_packaged_app_gives_children_the_users_library_path_back() -> None:
    assert child_environ(FROZEN, frozen=True) == RESTORED


def test_with_no_library_path_of_the_users_the_child_gets_none() -> None:
    started = {k: v for k, v in FROZEN.items() if k != "LD_LIBRARY_PATH_ORIG"}
    started["LD_LIBRARY_PATH"] = "/opt/llamadesk/_internal"
    assert child_environ(started, frozen=True) == {"HOME": "/home/u", "PATH": "/usr/bin:/bin"}


def test_from_source_the_environment_passes_unchanged() -> None:
    assert child_environ(FROZEN, frozen=False) == FROZEN


def test_it_asks_whether_this_process_is_frozen_and_copies_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in FROZEN.items():
        monkeypatch.setenv(key, value)
    assert child_environ()["LD_LIBRARY_PATH"] == FROZEN["LD_LIBRARY_PATH"]  # from source
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    env = child_environ()
    assert env["LD_LIBRARY_PATH"] == "/opt/lib"
    assert not [key for key in env if key.startswith("_PYI_") or key.endswith("_ORIG")]
    assert os.environ["LD_LIBRARY_PATH"] == FROZEN["LD_LIBRARY_PATH"], "ours stays as it is"


def test_llama_server_gets_the_restored_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    env = server_environ(FROZEN, "key")
    assert env == {
        **RESTORED,
        "LLAMA_ARG_FIT": "off",
        "LLAMA_API_KEY": "key",
        "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1",
    }


def _spawns_without_env(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "subprocess"
            and node.func.attr in {"run", "Popen", "call", "check_call", "check_output"}
            and not any(keyword.arg == "env" for keyword in node.keywords)
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_child_the_backend_starts_is_given_an_environment() -> None:
    # Without env= a child inherits os.environ, the bootloader's variables included.
    found = [
        where for path in (ROOT / "backend").rglob("*.py") for where in _spawns_without_env(path)
    ]
    assert found == [], "pass env=child_environ() (backend.child_env)"
