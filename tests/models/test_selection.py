"""Model selection without a server process: load states, launch settings, refusals, removal.

What needs a running llama-server (a switch, a failed load and its rollback, unloading) is
tested through the app in ``tests/app/test_models.py`` and ``tests/app/test_router_mode.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from backend.config import ConfigService
from backend.contract import BridgeEvent, ModelInfo, ModelsChangedEvent, ServerState
from backend.errors import Conflict, ModelError
from backend.models import ModelService, plan_router, with_load_states
from backend.paths import AppPaths

from .conftest import CatalogueFactory, GGUFFactory


def _info(ident: str, *, selected: bool = False) -> ModelInfo:
    return ModelInfo(
        id=ident,
        name=ident,
        path=f"/models/{ident}.gguf",
        size_bytes=1,
        is_default=False,
        selected=selected,
        source="folder",
    )


def test_without_a_router_only_the_selected_model_follows_the_server() -> None:
    infos = [_info("a"), _info("b", selected=True)]
    expected: dict[ServerState, str] = {
        "starting": "loading",
        "restarting": "loading",
        "crashed": "loading",
        "ready": "loaded",
        "unhealthy": "loaded",
        "failed": "failed",
        "stopped": "unloaded",
    }
    assert set(expected) == set(get_args(ServerState)), "every server state has a load state"
    for state, load_state in expected.items():
        a, b = with_load_states(infos, state)
        assert (a.load_state, b.load_state) == (infos[0].load_state, load_state), state


def test_a_router_gives_every_model_its_own_state() -> None:
    infos = [_info("a"), _info("b", selected=True), _info("c")]
    states = with_load_states(infos, "ready", {"a": "loaded", "c": "failed"})
    assert [info.load_state for info in states] == ["loaded", "unloaded", "failed"]


class Events(list[BridgeEvent]):
    """A sink keeping every event."""

    def __call__(self, event: BridgeEvent) -> None:
        self.append(event)


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def config(app_paths: AppPaths) -> ConfigService:
    return ConfigService(app_paths, environ={}, cli={})


def test_a_launch_uses_the_selected_models_settings_and_the_router_its_plan(
    app_paths: AppPaths,
    config: ConfigService,
    make_catalogue: CatalogueFactory,
    make_gguf: GGUFFactory,
    tmp_path: Path,
    events: Events,
) -> None:
    path = make_gguf(tmp_path / "models" / "mine.gguf")
    catalogue = make_catalogue([tmp_path / "models"])
    mine = next(model for model in catalogue.models() if model.path == path)
    catalogue.save_settings(mine.id, {"context_size": 1536, "threads": 3})
    config.save({"engine": {"model": str(path), "context_size": 4096}})
    service = ModelService(app_paths, config, catalogue, events)

    launch = service.launch_settings().engine

    assert (launch.model, launch.context_size, launch.threads) == (path, 1536, 3)
    assert config.settings.engine.context_size == 4096, "the saved settings stay as they are"
    assert service.router_plan() == plan_router(catalogue, config.settings)
    assert service.router_plan().selected == "mine"


def test_the_list_shows_the_stopped_server_and_changes_reach_the_sink(
    app_paths: AppPaths, config: ConfigService, make_catalogue: CatalogueFactory, events: Events
) -> None:
    catalogue = make_catalogue(available_memory=lambda: 8_000_000_000)  # the same fit each time
    service = ModelService(app_paths, config, catalogue, events)

    [default] = service.infos()

    assert (default.selected, default.load_state) == (True, "unloaded")
    assert service.info(default.id) == default
    service.changed()
    assert events == [ModelsChangedEvent(models=[default])]


@pytest.mark.anyio
async def test_a_broken_model_is_refused_before_anything_changes(
    app_paths: AppPaths,
    config: ConfigService,
    make_catalogue: CatalogueFactory,
    tmp_path: Path,
    events: Events,
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "broken.gguf").write_bytes(b"not a model")
    catalogue = make_catalogue([tmp_path / "models"])
    broken = next(model for model in catalogue.models() if model.name == "broken")
    service = ModelService(app_paths, config, catalogue, events)

    with pytest.raises(ModelError, match="broken cannot be loaded: "):
        await service.select(broken.id)

    assert config.settings.engine.model is None, "the selection did not move"
    assert service.server.status().state == "stopped", "nothing was launched"


@pytest.mark.anyio
async def test_the_selected_model_stays_and_another_one_goes(
    app_paths: AppPaths,
    config: ConfigService,
    make_catalogue: CatalogueFactory,
    make_gguf: GGUFFactory,
    tmp_path: Path,
    events: Events,
) -> None:
    path = make_gguf(tmp_path / "models" / "other.gguf")
    # Free memory fixed, so two lists compare equal (each one's fit estimate reads it).
    catalogue = make_catalogue([tmp_path / "models"], available_memory=lambda: 8_000_000_000)
    service = ModelService(app_paths, config, catalogue, events)
    default, other = (next(i for i in service.infos() if i.is_default == d) for d in (True, False))

    with pytest.raises(Conflict, match="is loaded; select another model"):
        await service.remove(default.id, delete_file=True)
    unloaded = await service.unload(other.id)  # not the loaded one: nothing to stop

    assert unloaded == service.infos()
    left = await service.remove(other.id, delete_file=True)

    assert [info.id for info in left] == [default.id]
    assert not path.exists()
    assert service.server.status().state == "stopped", "nothing was launched"
