"""The switch for this machine's worker, live on the running app: saved on, it runs; saved off, it
stops. Nothing polls the settings, so only the save's wake-up can do this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.app.conftest import LocalApiApp
from tests.conftest import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.real_server


def _local(app: LocalApiApp) -> dict[str, Any]:
    local: dict[str, Any] = app.call("get_rpc_status")["local"]
    return local


def test_saving_the_switch_starts_and_stops_the_local_worker(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    port = free_port()
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli={})) as runtime:
        app = LocalApiApp(runtime, free_port())
        assert _local(app)["state"] == "off"
        rpc = {"local_worker": True, "local_host": "127.0.0.1", "local_port": port}
        app.call("save_config", config={"rpc": rpc})
        running = wait_until(
            lambda: (s := _local(app))["state"] == "running" and s,
            timeout_s=30,
            interval_s=0.05,
            message=lambda: _local(app),
        )
        assert running["address"] == f"127.0.0.1:{port}"
        app.call("save_config", config={"rpc": {"local_worker": False}})
        wait_until(
            lambda: _local(app)["state"] == "off",
            timeout_s=15,
            interval_s=0.05,
            message=lambda: _local(app),
        )
