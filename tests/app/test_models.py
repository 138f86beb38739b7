"""The model commands through the assembled app: linking, settings, removing, downloading."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from backend.app._runtime import AppRuntime
from backend.config import ConfigService
from backend.paths import AppPaths
from tests.models.conftest import write_gguf
from tests.waiting import wait_until


class Recorder:
    """An event target keeping every event."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def deliver(self, events: Sequence[dict[str, Any]]) -> None:
        self.events.extend(events)

    def wait_for(self, match: Callable[[dict[str, Any]], bool], timeout_s: float = 20.0) -> None:
        wait_until(
            lambda: any(match(event) for event in list(self.events)),
            timeout_s=timeout_s,
            message=lambda: self.events,
        )


@pytest.fixture
def runtime(app_paths: AppPaths) -> Iterator[AppRuntime]:
    with AppRuntime(app_paths, ConfigService(app_paths, environ={}, cli={})) as running:
        yield running


@pytest.fixture
def served_gguf(tmp_path: Path) -> Iterator[tuple[str, bytes]]:
    """A small real GGUF served over local HTTP: its URL and its bytes."""
    content = write_gguf(tmp_path / "served" / "tiny.gguf").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/files/tiny.gguf", content
    server.shutdown()
    server.server_close()
    thread.join()


def test_link_configure_and_remove_a_model(runtime: AppRuntime, tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "elsewhere" / "mine.gguf", context_length=4096)

    added = runtime.api.add_model_file({"path": str(path)})["result"]

    assert (added["name"], added["source"], added["selected"]) == ("mine", "linked", False)
    assert (added["architecture"], added["context_length"]) == ("llama", 4096)
    assert added["fit"]["context_size"] == 4096
    ident = added["id"]
    bad = runtime.api.save_model_settings({"model_id": ident, "settings": {"context_size": 1}})
    assert bad["error"]["code"] == "invalid_argument"
    assert bad["error"]["fields"][0]["field"] == "settings.context_size"
    saved = runtime.api.save_model_settings(
        {"model_id": ident, "settings": {"context_size": 1024, "gpu_layers": 0}}
    )["result"]
    assert saved == {
        "context_size": 1024,
        "threads": None,
        "gpu_layers": 0,
        "chat_template_file": None,
        "mmproj_file": None,
        "extra_args": None,
        "speculation": None,
        "draft_model_id": None,
        "ngram_lookup": None,
        "draft_max": None,
        "draft_min": None,
    }
    assert runtime.api.get_model_settings({"model_id": ident})["result"] == saved
    listed = {m["id"]: m for m in runtime.api.list_models({})["result"]}
    assert listed[ident]["fit"]["context_size"] == 1024

    left = runtime.api.remove_model({"model_id": ident, "delete_file": False})["result"]

    assert [m["source"] for m in left] == ["default"]
    assert path.exists(), "removing without delete_file keeps the file"
    missing = runtime.api.get_model_settings({"model_id": ident})
    assert missing["error"]["code"] == "not_found"


def test_the_loaded_model_cannot_be_removed_and_bad_paths_are_refused(
    runtime: AppRuntime, tmp_path: Path
) -> None:
    [default] = runtime.api.list_models({})["result"]
    refused = runtime.api.remove_model({"model_id": default["id"], "delete_file": True})
    assert refused["error"]["code"] == "conflict"
    relative = runtime.api.add_model_file({"path": "models/x.gguf"})
    assert relative["error"]["code"] == "invalid_argument"
    gone = runtime.api.add_model_file({"path": str(tmp_path / "gone.gguf")})
    assert gone["error"]["code"] == "not_found"


def test_a_download_reports_progress_and_lists_the_new_model(
    runtime: AppRuntime, app_paths: AppPaths, served_gguf: tuple[str, bytes]
) -> None:
    url, content = served_gguf
    recorder = Recorder()
    runtime.attach(recorder)

    started = runtime.api.download_model(
        {"url": url, "sha256": hashlib.sha256(content).hexdigest()}
    )["result"]

    assert (started["id"], started["status"]) == ("tiny.gguf", "queued")
    recorder.wait_for(
        lambda e: e["type"] == "download_progress" and e["download"]["status"] == "done"
    )
    listed = runtime.api.list_models({})["result"]
    assert "tiny" in {m["name"] for m in listed}, "listed by the time the page hears of it"
    recorder.wait_for(
        lambda e: e["type"] == "models_changed" and "tiny" in {m["name"] for m in e["models"]}
    )
    progress = [e["download"] for e in recorder.events if e["type"] == "download_progress"]
    assert progress[-1]["status"] == "done"
    assert progress[-1]["bytes_done"] == len(content)
    assert (app_paths.models_dir / "tiny.gguf").read_bytes() == content
    assert [d["status"] for d in runtime.api.list_downloads({})["result"]] == ["done"]
    again = runtime.api.download_model({"url": url})
    assert again["error"]["code"] == "conflict"
    assert runtime.api.clear_finished_downloads({}) == {"ok": True, "result": []}
    assert runtime.api.list_downloads({})["result"] == []
    assert "tiny" in {m["name"] for m in runtime.api.list_models({})["result"]}


def test_a_cancelled_download_leaves_no_part_file(runtime: AppRuntime, app_paths: AppPaths) -> None:
    # Nothing listens on port 9 (discard), so the download retries until cancelled.
    started = runtime.api.download_model({"url": "http://127.0.0.1:9/a.gguf"})["result"]
    assert runtime.api.cancel_download({"download_id": started["id"]})["result"] == []
    assert not list(app_paths.models_dir.glob("a.gguf*"))
    unknown = runtime.api.cancel_download({"download_id": "nope.gguf"})
    assert unknown["error"]["code"] == "not_found"
    bad = runtime.api.download_model({"url": "ftp://example.com/a.gguf"})
    assert bad["error"]["code"] == "invalid_argument"


def _ready_status(runtime: AppRuntime) -> dict[str, Any] | None:
    status: dict[str, Any] = runtime.api.get_server_status({})["result"]
    return status if status["state"] == "ready" else None


def _wait_ready(runtime: AppRuntime, timeout_s: float = 60.0) -> dict[str, Any]:
    return wait_until(
        lambda: _ready_status(runtime),
        timeout_s=timeout_s,
        interval_s=0.05,
        message=lambda: runtime.api.get_server_status({})["result"],
    )


@pytest.mark.real_server
def test_the_server_launches_with_the_models_own_settings(
    runtime: AppRuntime, engine_binary: Path, default_model: Path
) -> None:
    _wait_ready(runtime)
    [default] = runtime.api.list_models({})["result"]
    runtime.api.save_model_settings(
        {"model_id": default["id"], "settings": {"context_size": 512, "extra_args": ["-b", "64"]}}
    )

    restarted = runtime.api.restart_server({})

    assert restarted["result"]["state"] == "ready", restarted
    launches = [line for line in runtime.services.monitor.logs(500) if "launching:" in line]
    assert "--ctx-size 512" in launches[-1]
    assert launches[-1].endswith("-b 64")
    assert "--ctx-size 4096" in launches[0], "the engine setting before the model had its own"


@pytest.mark.real_server
def test_a_model_that_fails_to_load_gives_the_previous_one_back(
    runtime: AppRuntime, app_paths: AppPaths, engine_binary: Path, default_model: Path
) -> None:
    before = _wait_ready(runtime)
    app_paths.models_dir.mkdir(parents=True, exist_ok=True)
    (app_paths.models_dir / "garbage.gguf").write_bytes(b"\x00\x17 not a model " * 64)
    # A valid header with no real tensors: only llama-server finds out it cannot load.
    write_gguf(app_paths.models_dir / "hollow.gguf")
    models = {m["name"]: m for m in runtime.api.refresh_models({})["result"]}

    garbage = runtime.api.select_model({"model_id": models["garbage"]["id"]})

    assert garbage["error"]["code"] == "model_invalid"
    assert runtime.api.get_server_status({})["result"]["pid"] == before["pid"], "no restart"

    hollow = runtime.api.select_model({"model_id": models["hollow"]["id"]})

    error = hollow["error"]
    assert error["code"] == "model_invalid", error
    assert error["message"].startswith("hollow failed to load: ")
    assert error["message"].endswith("SmolLM2-135M-Instruct.Q4_1 is loaded again.")
    status = _wait_ready(runtime)
    assert status["model"] == default_model.name
    assert status["pid"] != before["pid"]
    assert runtime.services.config.settings.engine.model is None
    selected = [m["name"] for m in runtime.api.list_models({})["result"] if m["selected"]]
    assert selected == ["SmolLM2-135M-Instruct.Q4_1"]


def test_a_models_folder_added_in_settings_is_scanned_at_once(
    runtime: AppRuntime, tmp_path: Path
) -> None:
    recorder = Recorder()
    runtime.attach(recorder)
    folder = tmp_path / "more-models"
    write_gguf(folder / "extra.gguf")
    listed = runtime.api.list_models({})["result"]
    assert "extra" not in {model["name"] for model in listed}
    saved = runtime.api.save_config({"config": {"engine": {"models_dirs": [str(folder)]}}})
    assert saved["ok"], saved
    names = {model["name"] for model in runtime.api.list_models({})["result"]}
    assert "extra" in names
    recorder.wait_for(
        lambda e: (
            e["type"] == "models_changed" and "extra" in {model["name"] for model in e["models"]}
        )
    )


@pytest.mark.real_server
def test_unloading_the_single_model_stops_the_server_until_the_next_message(
    runtime: AppRuntime, engine_binary: Path, default_model: Path
) -> None:
    before = _wait_ready(runtime)
    [default] = runtime.api.list_models({})["result"]
    assert default["load_state"] == "loaded"

    [after] = runtime.api.unload_model({"model_id": default["id"]})["result"]

    assert after["load_state"] == "unloaded"
    status = runtime.api.get_server_status({})["result"]
    assert (status["state"], status["pid"]) == ("stopped", None)
    assert "next message starts it" in status["hint"]
    conversation = runtime.api.create_conversation({})["result"]["id"]
    answer = runtime.api.send_chat_message({"conversation_id": conversation, "content": "Hi"})
    assert answer["ok"], answer
    again = runtime.api.get_server_status({})["result"]
    assert again["state"] == "ready"
    assert again["pid"] != before["pid"]
    assert runtime.api.list_models({})["result"][0]["load_state"] == "loaded"
