"""The switch for this machine's worker, live on the running app: saved on, it runs; saved off, it
stops. Nothing polls the settings, so only the save's wake-up can do this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.conftest import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server


def _local(runtime: AppRuntime) -> dict[str, Any]:
    answer = runtime.api.get_rpc_status({})
    assert answer["ok"], answer
    local: dict[str, Any] = answer["result"]["local"]
    return local


def _save(runtime: AppRuntime, rpc: dict[str, Any]) -> None:
    answer = runtime.api.save_config({"config": {"rpc": rpc}})
    assert answer["ok"], answer


def test_saving_the_switch_starts_and_stops_the_local_worker(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    port = free_port()
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli={})) as runtime:
        assert _local(runtime)["state"] == "off"
        _save(runtime, {"local_worker": True, "local_host": "127.0.0.1", "local_port": port})
        running = wait_until(
            lambda: (s := _local(runtime))["state"] == "running" and s,
            timeout_s=30,
            interval_s=0.05,
            message=lambda: _local(runtime),
        )
        assert running["address"] == f"127.0.0.1:{port}"
        _save(runtime, {"local_worker": False})
        wait_until(
            lambda: _local(runtime)["state"] == "off",
            timeout_s=15,
            interval_s=0.05,
            message=lambda: _local(runtime),
        )
