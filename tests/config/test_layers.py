"""Precedence of the five layers, and how launch-time layers are read and validated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backend.config import ConfigService, Settings
from backend.errors import ConfigError, FieldError
from backend.paths import AppPaths

ServiceFactory = Callable[..., ConfigService]


def test_defaults_when_nothing_is_set(make_service: ServiceFactory) -> None:
    service = make_service()
    view = service.view()
    assert service.settings == Settings()
    assert set(view.sources.values()) == {"default"}
    assert view.locked == []
    assert service.warnings == []
    assert "schema_version" not in view.values


def test_precedence_across_all_five_layers(
    make_service: ServiceFactory, write_settings: Callable[[object], Path], workdir: Path
) -> None:
    write_settings(
        {
            "schema_version": 1,
            "generation": {"top_k": 1, "temperature": 0.1, "top_p": 0.1, "min_p": 0.1},
        }
    )
    (workdir / ".env").write_text(
        "LLAMADESK_GENERATION__TOP_K=2\nLLAMADESK_GENERATION__TEMPERATURE=0.2\n"
        "LLAMADESK_GENERATION__TOP_P=0.2\n"
    )
    environ = {"LLAMADESK_GENERATION__TOP_K": "3", "LLAMADESK_GENERATION__TEMPERATURE": "0.3"}
    service = make_service(environ=environ, cli={"generation.top_k": 4})

    generation = service.settings.generation
    assert (generation.top_k, generation.temperature, generation.top_p) == (4, 0.3, 0.2)
    assert (generation.min_p, generation.seed) == (0.1, None)
    sources = service.view().sources
    assert sources["generation.top_k"] == "cli"
    assert sources["generation.temperature"] == "env"
    assert sources["generation.top_p"] == "dotenv"
    assert sources["generation.min_p"] == "file"
    assert sources["generation.seed"] == "default"
    assert service.view().locked == [
        "generation.temperature",
        "generation.top_k",
        "generation.top_p",
    ]


def test_env_names_are_case_insensitive_and_nested_with_double_underscore(
    make_service: ServiceFactory,
) -> None:
    service = make_service(environ={"llamadesk_engine__port": "8080"})
    assert service.settings.engine.port == 8080


def test_variables_that_are_not_settings_are_ignored(make_service: ServiceFactory) -> None:
    environ = {
        "LLAMADESK_HOME": "/home/x",
        "LLAMADESK_CACHE": "/cache",
        "LLAMADESK_LOG_LEVEL": "debug",
        "PATH": "/bin",
        "ENGINE__PORT": "1",
    }
    service = make_service(environ=environ)
    assert service.settings == Settings()


def test_server_bin_sets_the_engine_binary_from_env_or_dotenv(
    make_service: ServiceFactory, workdir: Path
) -> None:
    service = make_service(environ={"LLAMADESK_SERVER_BIN": "/opt/llama-server"})
    assert service.settings.engine.server_binary == Path("/opt/llama-server")
    assert service.view().sources["engine.server_binary"] == "env"

    (workdir / ".env").write_text("LLAMADESK_SERVER_BIN=/from/dotenv\n")
    service = make_service()
    assert service.settings.engine.server_binary == Path("/from/dotenv")
    assert service.view().sources["engine.server_binary"] == "dotenv"


def test_canonical_variable_beats_server_bin(make_service: ServiceFactory) -> None:
    environ = {"LLAMADESK_SERVER_BIN": "/alias", "LLAMADESK_ENGINE__SERVER_BINARY": "/canonical"}
    assert make_service(environ=environ).settings.engine.server_binary == Path("/canonical")


def test_text_values_lists_as_json_empty_clears_bools_as_words(
    make_service: ServiceFactory,
) -> None:
    environ = {
        "LLAMADESK_ENGINE__EXTRA_ARGS": '["--mlock", "--no-mmap"]',
        "LLAMADESK_ENGINE__MODEL": "",
        "LLAMADESK_BEHAVIOUR__SEND_ON_ENTER": "false",
    }
    settings = make_service(environ=environ, cli={"engine.models_dirs": '["/a", "/b"]'}).settings
    assert settings.engine.extra_args == ["--mlock", "--no-mmap"]
    assert settings.engine.model is None
    assert settings.behaviour.send_on_enter is False
    assert settings.engine.models_dirs == [Path("/a"), Path("/b")]


@pytest.mark.parametrize(
    ("environ", "dotenv", "cli", "expected"),
    [
        (
            {"LLAMADESK_ENGINE__PORT": "http"},
            "",
            {},
            FieldError(
                "engine.port",
                "LLAMADESK_ENGINE__PORT: Input should be a valid integer, "
                "unable to parse string as an integer",
            ),
        ),
        (
            {"LLAMADESK_ENGINE__PROT": "1"},
            "",
            {},
            FieldError("engine.prot", "unknown setting (LLAMADESK_ENGINE__PROT)"),
        ),
        (
            {"LLAMADESK_ENGINE": "{}"},
            "",
            {},
            FieldError("engine", "unknown setting (LLAMADESK_ENGINE)"),
        ),
        (
            {"LLAMADESK_ENGINE__EXTRA_ARGS": "--mlock"},
            "",
            {},
            FieldError(
                "engine.extra_args",
                "LLAMADESK_ENGINE__EXTRA_ARGS: expected a JSON array (Expecting value)",
            ),
        ),
        (
            {},
            "LLAMADESK_ENGINE__PORT=70000\n",
            {},
            FieldError(
                "engine.port",
                "LLAMADESK_ENGINE__PORT in .env: Input should be less than or equal to 65535",
            ),
        ),
        ({}, "", {"engine.prot": 1}, FieldError("engine.prot", "unknown setting (command line)")),
        (
            {},
            "",
            {"generation.top_p": 2},
            FieldError("generation.top_p", "Input should be less than or equal to 1"),
        ),
        (
            {},
            "",
            {"engine.models_dirs": [1]},
            FieldError(
                "engine.models_dirs", "item 0: Input is not a valid path for <class 'pathlib.Path'>"
            ),
        ),
    ],
)
def test_invalid_launch_values_stop_the_service_naming_their_origin(
    make_service: ServiceFactory,
    workdir: Path,
    environ: dict[str, str],
    dotenv: str,
    cli: dict[str, object],
    expected: FieldError,
) -> None:
    (workdir / ".env").write_text(dotenv)
    with pytest.raises(ConfigError) as caught:
        make_service(environ=environ, cli=cli)
    assert caught.value.fields == [expected]


def test_all_launch_errors_are_reported_together(make_service: ServiceFactory) -> None:
    with pytest.raises(ConfigError) as caught:
        make_service(environ={"LLAMADESK_ENGINE__PORT": "-1"}, cli={"nope": 1})
    assert [error.field for error in caught.value.fields] == ["engine.port", "nope"]


def test_unreadable_dotenv_is_a_config_error(make_service: ServiceFactory, workdir: Path) -> None:
    (workdir / ".env").write_bytes(b"LLAMADESK_ENGINE__PORT=\xff\n")
    with pytest.raises(ConfigError, match=r"Cannot read .*\.env"):
        make_service()


def test_a_dotenv_that_is_not_a_file_is_ignored(
    make_service: ServiceFactory, workdir: Path
) -> None:
    (workdir / ".env").mkdir()
    assert make_service().settings == Settings()


def test_a_dotenv_name_without_a_value_is_skipped(
    make_service: ServiceFactory, workdir: Path
) -> None:
    (workdir / ".env").write_text("LLAMADESK_ENGINE__PORT\n")
    assert make_service().view().sources["engine.port"] == "default"


def test_process_environment_and_working_directory_by_default(
    paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLAMADESK_ENGINE__PORT", "8080")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LLAMADESK_ENGINE__THREADS=3\n")
    service = ConfigService(paths)
    assert (service.settings.engine.port, service.settings.engine.threads) == (8080, 3)
    assert service.view().sources["engine.threads"] == "dotenv"
