"""Fixtures of the assembled app: the local API switched on, and the official OpenAI client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.conftest import free_port
from tests.waiting import wait_until

_CLI = {"generation.max_tokens": 8, "generation.temperature": 0}


@dataclass
class LocalApiApp:
    """A running app (real llama-server with SmolLM2, real SQLite) and its local API."""

    runtime: AppRuntime
    port: int
    clients: list[openai.OpenAI] = field(default_factory=list)

    def call(self, command: str, **params: Any) -> Any:
        """A bridge command's result (fails the test on an error envelope)."""
        answer = getattr(self.runtime.api, command)(params)
        assert answer["ok"], answer
        return answer["result"]

    def status(self) -> dict[str, Any]:
        """``get_local_api_status``."""
        result: dict[str, Any] = self.call("get_local_api_status")
        return result

    def switch(self, *, enabled: bool, port: int | None = None) -> None:
        """Save the switch (and port) as the settings page does."""
        wanted: dict[str, Any] = {"enabled": enabled}
        if port is not None:
            wanted["port"] = port
            self.port = port
        self.call("save_config", config={"local_api": wanted})

    def wait_state(self, state: str, timeout_s: float = 15.0) -> dict[str, Any]:
        """The status once it is ``state``."""
        return wait_until(
            lambda: (s := self.status())["state"] == state and s,
            timeout_s=timeout_s,
            interval_s=0.02,
            message=self.status,
        )

    def client(self, key: str | None = None, **options: Any) -> openai.OpenAI:
        """The official client pointed at the local API (the app's key unless ``key``);
        closed when the test ends."""
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{self.port}/v1",
            api_key=key if key is not None else self.status()["api_key"],
            max_retries=0,
            **options,
        )
        self.clients.append(client)
        return client

    def close(self) -> None:
        """Close every client made."""
        for client in self.clients:
            client.close()

    def model(self) -> str:
        """The model id the local API serves."""
        model = self.status()["model"]
        assert isinstance(model, str)
        return model


def _wait_server_ready(runtime: AppRuntime) -> None:
    wait_until(
        lambda: runtime.api.get_server_status({})["result"]["state"] == "ready",
        timeout_s=60,
        interval_s=0.05,
        message=lambda: runtime.api.get_server_status({}),
    )


@contextmanager
def running_local_api(app_paths: AppPaths, cli: dict[str, Any]) -> Iterator[LocalApiApp]:
    """The app (settings ``cli`` over the test defaults) with llama-server ready and the local
    API switched on at a free port."""
    config = ConfigService(app_paths, environ={}, cli={**_CLI, **cli})
    with AppRuntime(app_paths, config) as runtime:
        app = LocalApiApp(runtime, free_port())
        _wait_server_ready(runtime)
        app.switch(enabled=True, port=app.port)
        app.wait_state("running")
        try:
            yield app
        finally:
            app.close()


@pytest.fixture
def local_api(
    app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> Iterator[LocalApiApp]:
    """The app with llama-server ready and the local API switched on at a free port."""
    with running_local_api(app_paths, {}) as app:
        yield app
