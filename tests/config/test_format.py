"""``config --show`` and ``config --path`` output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from backend.config import ConfigService, format_paths, format_show
from backend.config._layers import LEAVES
from backend.paths import AppPaths

ServiceFactory = Callable[..., ConfigService]


def test_show_prints_every_field_its_value_and_source(make_service: ServiceFactory) -> None:
    service = make_service(
        environ={"LLAMADESK_ENGINE__PORT": "8080"},
        cli={"engine.extra_args": ["--mlock"]},
    )
    service.save({"appearance": {"theme": "dark"}, "generation": {"system_prompt": 'Say "hi"'}})

    lines = format_show(service.view()).splitlines()

    assert len(lines) == len(LEAVES)
    assert [line.split()[0] for line in lines] == list(LEAVES)
    width = max(map(len, LEAVES))
    assert lines[0] == f"{'engine.server_binary':<{width}} = null  (default)"
    assert f"{'engine.port':<{width}} = 8080  (env, locked)" in lines
    assert f'{"engine.extra_args":<{width}} = ["--mlock"]  (cli, locked)' in lines
    assert f'{"appearance.theme":<{width}} = "dark"  (file)' in lines
    assert f'{"generation.system_prompt":<{width}} = "Say \\"hi\\""  (file)' in lines
    assert f"{'generation.temperature':<{width}} = null  (default)" in lines


def test_paths_lists_the_files_read_and_written(paths: AppPaths, workdir: Path) -> None:
    config = paths.config_dir
    assert format_paths(paths, workdir) == (
        f"settings file: {config / 'settings.json'}\n"
        f"backup:        {config / 'settings.json.bak'}\n"
        f"lock file:     {config / 'settings.json.lock'}\n"
        f".env:          {workdir / '.env'}\n"
    )


def test_paths_default_to_the_current_directory_for_env(paths: AppPaths) -> None:
    assert format_paths(paths).endswith(f".env:          {Path.cwd() / '.env'}\n")
