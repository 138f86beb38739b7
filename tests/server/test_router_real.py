"""Router mode with the real llama-server: several SmolLM2 copies, loading, eviction, idling.

The models are hard links to the one SmolLM2 file under other names (the router tells models
apart by name, and the catalogue by path), plus a file that is not a model at all.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from backend.config import EngineSettings
from backend.errors import Conflict, ModelError
from backend.llama import Endpoint, LlamaCppAdapter
from backend.server import RouterModel, RouterPlan
from tests.server.conftest import FAST
from tests.waiting import wait_until_async

pytestmark = [pytest.mark.anyio, pytest.mark.real_server]


class Plans:
    """A router plan the test can change while the router runs (a model added, a setting).

    Each model's catalogue id and router name are the same here.
    """

    def __init__(self, folder: Path, default_model: Path) -> None:
        self.folder = folder
        self.source = default_model
        self.engine = EngineSettings(**{**FAST, "context_size": 512})
        self.models = [self.copy("a"), self.copy("b")]
        broken = folder / "broken.gguf"
        broken.write_bytes(b"GGUF" + b"\0" * 64)
        self.models.append(RouterModel("broken", "broken", broken, self.engine))
        self.selected = "a"

    def copy(self, name: str, **settings: Any) -> RouterModel:
        path = self.folder / f"smol-{name}.gguf"
        if not path.exists():
            os.link(self.source, path)
        return RouterModel(name, name, path, self.engine.model_copy(update=settings))

    def __call__(self) -> RouterPlan:
        return RouterPlan(tuple(self.models), self.selected)


@pytest.fixture
def plans(tmp_path: Path, default_model: Path) -> Plans:
    """Models ``a`` and ``b`` (SmolLM2) and ``broken``; ``a`` selected."""
    return Plans(tmp_path, default_model)


def _router(real_engine: dict[str, Any], plans: Plans, **engine: Any) -> dict[str, Any]:
    return {
        "server_binary": real_engine["server_binary"],
        "router_mode": True,
        "router_plan": plans,
        "context_size": 512,
        **engine,
    }


async def _ask(endpoint: Endpoint) -> str:
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(
            endpoint.url("/v1/chat/completions"),
            headers={"Authorization": f"Bearer {endpoint.api_key}"},
            json={
                "model": endpoint.model,
                "messages": [{"role": "user", "content": "Say hi."}],
                "max_tokens": 4,
            },
            timeout=60,
        )
    response.raise_for_status()
    model: str = response.json()["model"]
    return model


def _model_servers(router_pid: int) -> list[psutil.Process]:
    """The router's live model servers (an exited one may linger as a zombie for a moment)."""
    servers = []
    for child in psutil.Process(router_pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "--alias" in child.cmdline():
                servers.append(child)
        except psutil.Error:
            continue
    return servers


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


async def test_the_router_loads_models_on_demand_and_evicts_past_the_limit(
    make_monitor: Any, real_engine: dict[str, Any], plans: Plans
) -> None:
    changes: list[dict[str, str]] = []
    started: list[Any] = []

    def record() -> None:
        changes.append(dict(started[0].model_states()))

    engine = _router(real_engine, plans, models_max=1)
    async with make_monitor(on_models=record, **engine) as (monitor, _rec):
        started.append(monitor)
        status = await monitor.start()
        assert monitor.is_router
        assert status.model == "smol-a.gguf"
        assert "--models-preset" in psutil.Process(status.pid).cmdline()
        endpoint = await monitor.endpoint()
        assert endpoint.model == "a"
        assert await _ask(endpoint) == "a"  # loaded on demand by the router
        await wait_until_async(lambda: monitor.model_states()["a"] == "loaded", timeout_s=10)

        selected = await monitor.select("b")
        assert selected.model == "smol-b.gguf"
        assert selected.pid == status.pid  # no restart: the router loaded b itself
        endpoint = await monitor.endpoint()
        assert endpoint.model == "b"
        assert await _ask(endpoint) == "b"
        await wait_until_async(lambda: monitor.model_states()["a"] == "unloaded", timeout_s=10)
        assert monitor.model_states()["b"] == "loaded"
        assert len(_model_servers(status.pid)) == 1
    assert any(states.get("b") == "loading" for states in changes)
    assert changes[-1]["b"] == "loaded"


async def test_two_models_stay_loaded_and_the_adapter_names_the_selected_one(
    make_monitor: Any, real_engine: dict[str, Any], plans: Plans
) -> None:
    plans.models[1] = plans.copy("b", context_size=768)
    engine = _router(real_engine, plans, models_max=2, health_interval_s=1.0)
    async with make_monitor(**engine) as (monitor, _rec):
        status = await monitor.start()
        await monitor.select("a")
        await monitor.select("b")
        assert monitor.model_states() == {"a": "loaded", "b": "loaded", "broken": "unloaded"}
        assert len(_model_servers(status.pid)) == 2
        async with LlamaCppAdapter(monitor) as adapter:
            props = await adapter.props()  # a GET: ?model=b
            assert props["model_path"].endswith("smol-b.gguf")
            assert props["default_generation_settings"]["n_ctx"] == 768  # b's own setting
            answer = await adapter.chat(
                [{"role": "user", "content": "Hi"}], params={"n_predict": 3}
            )
            assert answer.model == "b"
            assert await adapter.tokenize("hello")  # a POST: model in the body
            await monitor.select("a")
            assert (await adapter.props())["default_generation_settings"]["n_ctx"] == 512
        assert monitor.model_states()["b"] == "loaded"  # still there for a quick switch back


async def test_a_model_that_fails_to_load_says_why_and_the_selection_stays(
    make_monitor: Any, real_engine: dict[str, Any], plans: Plans
) -> None:
    async with make_monitor(**_router(real_engine, plans)) as (monitor, _rec):
        await monitor.start()
        await monitor.select("a")
        with pytest.raises(ModelError) as caught:
            await monitor.select("broken")
        assert "could not load broken.gguf" in caught.value.message
        assert "failed to load model" in (caught.value.detail or "")
        assert monitor.model_states()["broken"] == "failed"
        assert (await monitor.endpoint()).model == "a"
        assert monitor.model_states()["a"] == "loaded"
        assert monitor.status().state == "ready"
        with pytest.raises(ModelError, match="does not offer"):
            await monitor.select("nope")


async def test_a_new_model_relaunches_the_router_with_new_presets(
    make_monitor: Any, real_engine: dict[str, Any], plans: Plans, app_paths: Any
) -> None:
    async with make_monitor(**_router(real_engine, plans)) as (monitor, _rec):
        first = await monitor.start()
        plans.models.append(plans.copy("c", context_size=640))
        await monitor.select("c")
        status = monitor.status()
        assert status.pid != first.pid
        assert (await monitor.endpoint()).generation == 2
        assert monitor.model_states()["c"] == "loaded"
        preset = (app_paths.run_dir / "router-models.ini").read_text()
        assert "[c]" in preset
        assert "ctx-size = 640" in preset
        await monitor.select("a")  # unchanged presets: no relaunch
        assert monitor.status().pid == status.pid


async def test_idle_models_unload_one_by_one_and_come_back_on_demand(
    make_monitor: Any, real_engine: dict[str, Any], plans: Plans
) -> None:
    engine = _router(real_engine, plans, idle_unload_minutes=0.01)  # 0.6 s
    async with make_monitor(**engine) as (monitor, _rec):
        status = await monitor.start()
        await monitor.select("a")
        await wait_until_async(lambda: monitor.model_states()["a"] == "unloaded", timeout_s=15)
        assert monitor.status().state == "ready"  # the router stays; only the model went
        assert monitor.status().pid == status.pid
        assert any("unloading a: idle" in line for line in monitor.logs(100))
        assert await _ask(await monitor.endpoint()) == "a"


async def test_unload_frees_a_model_and_is_refused_without_a_router(
    make_monitor: Any, real_engine: dict[str, Any], plans: Plans
) -> None:
    async with make_monitor(**_router(real_engine, plans, models_max=2)) as (monitor, _rec):
        status = await monitor.start()
        await monitor.select("b")
        await monitor.unload("b")
        assert monitor.model_states()["b"] == "unloaded"
        await wait_until_async(lambda: not _model_servers(status.pid), timeout_s=10)
    async with make_monitor(**real_engine) as (monitor, _rec):
        await monitor.start()
        assert not monitor.is_router
        assert monitor.model_states() == {}
        with pytest.raises(Conflict, match="not running in router mode"):
            await monitor.unload("a")


async def test_no_model_server_outlives_its_router(
    make_monitor: Any, real_engine: dict[str, Any], plans: Plans
) -> None:
    async with make_monitor(**_router(real_engine, plans, models_max=2)) as (monitor, rec):
        first = await monitor.start()
        await monitor.select("a")
        plans.selected = "b"  # as the app saves the choice before selecting
        await monitor.select("b")
        children = _model_servers(first.pid)
        assert len(children) == 2
        os.kill(first.pid, signal.SIGKILL)
        await wait_until_async(lambda: not any(_running(p) for p in children), timeout_s=10)
        await rec.wait_for("restarting", timeout_s=10)
        endpoint = await monitor.endpoint()  # the router comes back by itself
        assert endpoint.model == "b"
        assert await _ask(endpoint) == "b"
        second = monitor.status()
        assert second.restarts == 1
        survivors = _model_servers(second.pid)
        assert survivors
    assert second.pid is not None
    await wait_until_async(lambda: not any(_running(p) for p in survivors), timeout_s=5)
    assert not psutil.pid_exists(second.pid)
