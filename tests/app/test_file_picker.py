"""The window's file dialog for ``pick_model_file``, and how the runtime hands it to the command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import webview

from backend.app._runtime import AppRuntime
from backend.app._window import gguf_picker
from backend.config import ConfigService
from backend.paths import AppPaths


class FakeWindow:
    """Stands in for a pywebview window: records the dialog request, answers as told."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[tuple[Any, dict[str, Any]]] = []

    def create_file_dialog(self, dialog_type: Any, **options: Any) -> Any:
        self.asked.append((dialog_type, options))
        return self.answer


def test_the_dialog_asks_for_one_gguf_and_returns_its_path() -> None:
    window = FakeWindow(("/models/chosen.gguf",))
    assert gguf_picker(window)() == "/models/chosen.gguf"
    [(dialog_type, options)] = window.asked
    assert dialog_type == webview.FileDialog.OPEN
    assert options["allow_multiple"] is False
    assert options["file_types"][0] == "GGUF models (*.gguf)"


def test_a_cancelled_dialog_returns_none() -> None:
    assert gguf_picker(FakeWindow(None))() is None
    assert gguf_picker(FakeWindow(()))() is None


def test_the_command_uses_the_windows_dialog_once_there_is_one(
    app_paths: AppPaths, tmp_path: Path
) -> None:
    config = ConfigService(app_paths, environ={}, cli={"engine.server_binary": str(tmp_path)})
    with AppRuntime(app_paths, config) as runtime:
        assert runtime.api.pick_model_file({})["error"]["code"] == "conflict"
        runtime.use_file_picker(gguf_picker(FakeWindow(("/models/x.gguf",))))
        assert runtime.api.pick_model_file({}) == {"ok": True, "result": {"path": "/models/x.gguf"}}
