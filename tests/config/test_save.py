"""Saving from the settings page: validation, locks, results, subscribers, threads."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.config import ConfigService, Settings
from backend.errors import ConfigError, FieldError
from backend.paths import AppPaths

ServiceFactory = Callable[..., ConfigService]


def _file(paths: AppPaths) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(paths.settings_file.read_text())
    return loaded


def test_save_stores_only_what_was_set(make_service: ServiceFactory, paths: AppPaths) -> None:
    service = make_service()
    result = service.save({"appearance": {"theme": "dark"}, "engine": {"port": 8080}})

    assert _file(paths) == {
        "schema_version": 1,
        "appearance": {"theme": "dark"},
        "engine": {"port": 8080},
    }
    assert result.values == service.view().values
    assert result.values["appearance"]["theme"] == "dark"
    assert result.changed == ["engine.port", "appearance.theme"]
    assert service.view().sources["engine.port"] == "file"
    assert make_service().settings == service.settings


@pytest.mark.parametrize(
    ("update", "restart_required"),
    [
        ({"engine": {"context_size": 8192}}, True),
        ({"engine": {"model": "/m/a.gguf"}}, True),
        ({"engine": {"health_interval_s": 2.0}}, False),
        ({"generation": {"temperature": 0.1}, "appearance": {"theme": "light"}}, False),
    ],
)
def test_restart_required_only_for_restart_fields(
    make_service: ServiceFactory, update: dict[str, dict[str, object]], restart_required: bool
) -> None:
    assert make_service().save(update).restart_required is restart_required


def test_saving_the_current_value_changes_nothing(make_service: ServiceFactory) -> None:
    result = make_service().save({"engine": {"port": 0}, "generation": {}})
    assert result.changed == []
    assert result.restart_required is False


def test_empty_text_clears_a_nullable_field(make_service: ServiceFactory) -> None:
    service = make_service()
    service.save({"engine": {"model": "/m/a.gguf"}})
    service.save({"engine": {"model": ""}})
    assert service.settings.engine.model is None


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (
            {"engine": {"port": "http"}},
            FieldError("engine.port", "Input should be a valid integer"),
        ),
        (
            {"engine": {"port": 65536}},
            FieldError("engine.port", "Input should be less than or equal to 65535"),
        ),
        (
            {"generation": {"temperature": -0.1}},
            FieldError("generation.temperature", "Input should be greater than or equal to 0"),
        ),
        (
            {"appearance": {"theme": "blue"}},
            FieldError("appearance.theme", "Input should be 'system', 'light' or 'dark'"),
        ),
        (
            {"behaviour": {"send_on_enter": "perhaps"}},
            FieldError("behaviour.send_on_enter", "Input should be a valid boolean"),
        ),
        (
            {"engine": {"extra_args": [1]}},
            FieldError("engine.extra_args", "item 0: Input should be a valid string"),
        ),
        ({"engine": {"prot": 1}}, FieldError("engine.prot", "unknown setting")),
        ({"network": {"proxy": "x"}}, FieldError("network", "unknown setting")),
        ({"schema_version": {}}, FieldError("schema_version", "unknown setting")),
        ({"engine": 8080}, FieldError("engine", "expected an object of settings")),
    ],
)
def test_invalid_update_is_a_field_error_and_saves_nothing(
    make_service: ServiceFactory,
    paths: AppPaths,
    update: dict[str, dict[str, object]],
    expected: FieldError,
) -> None:
    service = make_service()
    service.save({"generation": {"seed": 7}})
    before = paths.settings_file.read_bytes()

    with pytest.raises(ConfigError) as caught:
        service.save({**update, "generation": {**update.get("generation", {}), "seed": 8}})

    assert caught.value.fields == [expected]
    assert paths.settings_file.read_bytes() == before
    assert service.settings.generation.seed == 7


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"engine": {"router_mode": "yes"}}, "Input should be a valid boolean"),
        ({"engine": {"router_mode": 1}}, "Input should be a valid boolean"),
        ({"engine": {"port": True}}, "Input should be a valid integer"),
        ({"engine": {"port": "8080"}}, "Input should be a valid integer"),
        ({"engine": {"port": 8080.0}}, "Input should be a valid integer"),
        ({"generation": {"temperature": "0.5"}}, "Input should be a valid number"),
        ({"generation": {"temperature": False}}, "Input should be a valid number"),
        ({"generation": {"temperature": float("nan")}}, "not a JSON value"),
        ({"engine": {"models_dirs": "/models"}}, "expected a JSON array"),
    ],
)
def test_the_page_must_send_each_value_with_its_json_type(
    make_service: ServiceFactory, update: dict[str, dict[str, object]], expected: str
) -> None:
    """No string to bool, bool to int or string to number: what is not typed right is refused."""
    service = make_service()
    with pytest.raises(ConfigError) as caught:
        service.save(update)
    ((field,),) = [[f.message for f in caught.value.fields]]
    assert field.startswith(expected), field
    assert service.settings == Settings()


def test_json_types_that_fit_are_taken(make_service: ServiceFactory) -> None:
    """A whole number is a fine float, and a path is a JSON string."""
    service = make_service()
    service.save({"generation": {"temperature": 1}, "engine": {"models_dirs": ["/m"]}})
    assert service.settings.generation.temperature == 1.0
    assert service.settings.engine.models_dirs == [Path("/m")]


def test_every_bad_field_is_reported_and_no_file_is_created(
    make_service: ServiceFactory, paths: AppPaths
) -> None:
    with pytest.raises(ConfigError) as caught:
        make_service().save({"engine": {"port": -1, "threads": "many"}, "extra": {}})
    assert {error.field for error in caught.value.fields} == {
        "engine.port",
        "engine.threads",
        "extra",
    }
    assert not paths.settings_file.exists()


def test_locked_fields_cannot_be_saved(make_service: ServiceFactory, workdir: Path) -> None:
    (workdir / ".env").write_text("LLAMADESK_GENERATION__SEED=1\n")
    service = make_service(
        environ={"LLAMADESK_ENGINE__PORT": "8080"}, cli={"appearance.theme": "dark"}
    )
    with pytest.raises(ConfigError) as caught:
        service.save(
            {
                "engine": {"port": 1},
                "generation": {"seed": 2, "top_k": 3},
                "appearance": {"theme": "light"},
            }
        )
    assert caught.value.fields == [
        FieldError("engine.port", "locked: set by an environment variable"),
        FieldError("generation.seed", "locked: set by the .env file in the working directory"),
        FieldError("appearance.theme", "locked: set by a command-line flag"),
    ]
    assert service.settings.generation.top_k is None


def test_previous_version_is_kept_as_backup(make_service: ServiceFactory, paths: AppPaths) -> None:
    service = make_service()
    service.save({"generation": {"seed": 1}})
    first = paths.settings_file.read_bytes()
    service.save({"generation": {"seed": 2}})
    assert paths.settings_file.with_name("settings.json.bak").read_bytes() == first


def test_save_keeps_changes_another_service_saved(make_service: ServiceFactory) -> None:
    first, second = make_service(), make_service()
    first.save({"generation": {"seed": 1}})
    result = second.save({"generation": {"top_k": 2}})
    assert (second.settings.generation.seed, second.settings.generation.top_k) == (1, 2)
    assert result.changed == ["generation.top_k", "generation.seed"]


def test_settings_property_is_a_copy(make_service: ServiceFactory) -> None:
    service = make_service()
    service.settings.engine.port = 9
    assert service.settings.engine.port == 0


def test_subscribers_get_new_settings_and_changed_fields(make_service: ServiceFactory) -> None:
    service = make_service()
    seen: list[tuple[Settings, list[str]]] = []
    unsubscribe = service.subscribe(lambda settings, changed: seen.append((settings, changed)))

    service.save({"engine": {"port": 8080}})
    unsubscribe()
    unsubscribe()
    service.save({"engine": {"port": 8081}})

    assert len(seen) == 1
    assert seen[0][0].engine.port == 8080
    assert seen[0][1] == ["engine.port"]


def test_a_failing_subscriber_is_logged_and_others_still_run(
    make_service: ServiceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service()
    calls: list[list[str]] = []

    def broken(settings: Settings, changed: list[str]) -> None:
        raise RuntimeError("subscriber bug")

    service.subscribe(broken)
    service.subscribe(lambda settings, changed: calls.append(changed))
    with caplog.at_level(logging.ERROR):
        result = service.save({"engine": {"threads": 4}})

    assert result.changed == ["engine.threads"]
    assert calls == [["engine.threads"]]
    assert "A settings subscriber failed" in caplog.text


def test_saves_from_many_threads_all_land(make_service: ServiceFactory, paths: AppPaths) -> None:
    service = make_service()
    fields = ["threads", "gpu_layers", "restart_max", "hang_after_failures"]

    def save_many(field: str) -> None:
        for value in range(1, 6):
            service.save({"engine": {field: value}})

    workers = [threading.Thread(target=save_many, args=(field,)) for field in fields]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert _file(paths)["engine"] == dict.fromkeys(fields, 5)
    assert all(getattr(service.settings.engine, field) == 5 for field in fields)


def test_subscribers_hear_saves_in_order_and_do_not_block_readers(
    make_service: ServiceFactory,
) -> None:
    service = make_service()
    heard: list[int | None] = []
    read_meanwhile: list[int | None] = []

    def slow_subscriber(settings: Settings, changed: list[str]) -> None:
        reader = threading.Thread(
            target=lambda: read_meanwhile.append(service.settings.generation.seed)
        )
        reader.start()
        reader.join(1)
        heard.append(settings.generation.seed)

    service.subscribe(slow_subscriber)

    def save_every_other(first: int) -> None:
        for seed in range(first, 100, 2):
            service.save({"generation": {"seed": seed}})

    workers = [threading.Thread(target=save_every_other, args=(first,)) for first in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(heard) == len(read_meanwhile) == 100
    assert heard == read_meanwhile
    assert heard[-1] == service.settings.generation.seed
