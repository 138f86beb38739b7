"""Downloads against a real local HTTP server: resume, restart, cancel, checksum, disk space."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from backend.errors import Conflict, InvalidArgument, ModelError, NotFound
from backend.models import DownloadManager, DownloadState
from backend.models._download_http import Retryable, response_span
from backend.paths import AppPaths

from .conftest import CatalogueFactory, FileServer


class Recorder:
    """Collects progress events and signals when bytes start arriving."""

    def __init__(self) -> None:
        self.events: list[DownloadState] = []
        self.receiving = anyio.Event()

    def __call__(self, state: DownloadState) -> None:
        self.events.append(state)
        if state.status == "running" and state.bytes_done > 0:
            self.receiving.set()


@pytest.fixture
def models_dir(app_paths: AppPaths) -> Path:
    return app_paths.models_dir


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


ManagerFactory = Callable[..., Any]


@pytest.fixture
def manager(models_dir: Path, recorder: Recorder) -> ManagerFactory:
    @asynccontextmanager
    async def open_manager(**options: Any) -> AsyncIterator[DownloadManager]:
        options.setdefault("on_progress", recorder)
        options.setdefault("progress_interval_s", 0)
        options.setdefault("retry_delay_s", 0)
        async with DownloadManager(models_dir, **options) as opened:
            yield opened

    return open_manager


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _write(folder: Path, files: dict[str, bytes | dict[str, object]]) -> None:
    folder.mkdir(parents=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else json.dumps(content).encode()
        (folder / name).write_bytes(data)


def _leftovers(folder: Path) -> list[str]:
    return [name for name in _names(folder) if ".part" in name]


@pytest.mark.anyio
async def test_download_with_monotonic_progress(
    manager: ManagerFactory,
    file_server: FileServer,
    models_dir: Path,
    recorder: Recorder,
    make_catalogue: CatalogueFactory,
) -> None:
    async with manager() as downloads:
        started = downloads.start(file_server.url())
        assert (started.id, started.status) == ("model.gguf", "queued")
        final = await downloads.wait("model.gguf")

    assert final.status == "done"
    assert final.bytes_done == final.total == len(file_server.content)
    assert (models_dir / "model.gguf").read_bytes() == file_server.content
    assert _leftovers(models_dir) == []
    done = [event.bytes_done for event in recorder.events]
    assert done == sorted(done)
    assert [event.status for event in recorder.events][:2] == ["queued", "running"]
    running = [event for event in recorder.events if event.status == "running" and event.rate_bps]
    assert running
    assert all(event.eta_s is not None and event.eta_s >= 0 for event in running)
    assert "model" in {model.name for model in make_catalogue().models()}


@pytest.mark.anyio
async def test_resumes_after_a_cut(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path
) -> None:
    file_server.drops = [300_000]
    digest = hashlib.sha256(file_server.content).hexdigest()
    async with manager(retries=1) as downloads:
        downloads.start(file_server.url(), sha256=digest.upper())
        final = await downloads.wait("model.gguf")

    assert final.status == "done", final.error
    assert file_server.ranges == [(None, None), ("bytes=300000-", '"v1"')]
    assert (models_dir / "model.gguf").read_bytes() == file_server.content


@pytest.mark.anyio
async def test_resumes_after_a_restart(
    manager: ManagerFactory,
    file_server: FileServer,
    models_dir: Path,
    make_catalogue: CatalogueFactory,
) -> None:
    file_server.drops = [300_000]
    async with manager(retries=0) as downloads:
        downloads.start(file_server.url(), filename="mine.gguf")
        failed = await downloads.wait("mine.gguf")
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.startswith("The connection was lost at 300.0 kB of 1.0 MB")
    assert _leftovers(models_dir) == ["mine.gguf.part", "mine.gguf.part.json"]
    assert json.loads((models_dir / "mine.gguf.part.json").read_text())["etag"] == '"v1"'
    assert "mine" not in {model.name for model in make_catalogue().models()}

    async with manager() as downloads:
        [paused] = downloads.list_downloads()
        assert (paused.id, paused.status, paused.bytes_done) == ("mine.gguf", "paused", 300_000)
        assert paused.total == len(file_server.content)
        downloads.resume("mine.gguf")
        final = await downloads.wait("mine.gguf")

    assert final.status == "done"
    assert file_server.ranges[-1] == ("bytes=300000-", '"v1"')
    assert (models_dir / "mine.gguf").read_bytes() == file_server.content
    assert _leftovers(models_dir) == []


@pytest.mark.anyio
async def test_a_changed_file_starts_over(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path, recorder: Recorder
) -> None:
    file_server.drops = [300_000]
    async with manager(retries=0) as downloads:
        downloads.start(file_server.url())
        await downloads.wait("model.gguf")
    file_server.content = file_server.content[::-1]
    file_server.etag = '"v2"'
    async with manager() as downloads:
        downloads.resume("model.gguf")
        final = await downloads.wait("model.gguf")
    assert final.status == "done"
    assert (models_dir / "model.gguf").read_bytes() == file_server.content


@pytest.mark.anyio
async def test_cancel_deletes_the_partial_file(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path, recorder: Recorder
) -> None:
    file_server.gate_at = 200_000
    async with manager() as downloads:
        downloads.start(file_server.url())
        with anyio.fail_after(5):
            await recorder.receiving.wait()
        downloads.cancel("model.gguf")
        await downloads.wait("model.gguf")
        assert downloads.list_downloads() == []
        with pytest.raises(NotFound):
            downloads.get("model.gguf")
    assert _leftovers(models_dir) == []
    assert not (models_dir / "model.gguf").exists()


@pytest.mark.anyio
async def test_pause_then_resume(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path, recorder: Recorder
) -> None:
    file_server.gate_at = 200_000
    async with manager() as downloads:
        downloads.start(file_server.url())
        with anyio.fail_after(5):
            await recorder.receiving.wait()
        downloads.pause("model.gguf")
        paused = await downloads.wait("model.gguf")
        assert paused.status == "paused"
        assert 0 < paused.bytes_done < len(file_server.content)
        assert (models_dir / "model.gguf.part").stat().st_size == paused.bytes_done
        with pytest.raises(Conflict):
            downloads.pause("model.gguf")
        file_server.gate.set()
        with pytest.raises(Conflict, match="already being downloaded"):
            downloads.start(file_server.url("other.gguf"), filename="model.gguf")
        resumed = downloads.start(file_server.url())  # the same URL again resumes it
        assert (resumed.id, resumed.status) == ("model.gguf", "queued")
        final = await downloads.wait("model.gguf")
        assert file_server.ranges[-1][0] == f"bytes={paused.bytes_done}-"
        with pytest.raises(Conflict):
            downloads.resume("model.gguf")
        with pytest.raises(Conflict):
            downloads.cancel("model.gguf")
    assert final.status == "done"
    assert (models_dir / "model.gguf").read_bytes() == file_server.content


@pytest.mark.anyio
async def test_closing_the_manager_pauses_running_downloads(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path, recorder: Recorder
) -> None:
    file_server.gate_at = 200_000
    async with manager() as downloads:
        downloads.start(file_server.url())
        with anyio.fail_after(5):
            await recorder.receiving.wait()
    assert recorder.events[-1].status == "paused"
    assert _leftovers(models_dir) == ["model.gguf.part", "model.gguf.part.json"]


@pytest.mark.anyio
async def test_cancel_a_paused_download_from_an_earlier_session(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path
) -> None:
    file_server.drops = [300_000]
    async with manager(retries=0) as downloads:
        downloads.start(file_server.url())
        await downloads.wait("model.gguf")
    async with manager() as downloads:
        await downloads.cancel_and_wait("model.gguf")
        assert downloads.list_downloads() == []
    assert _leftovers(models_dir) == []


@pytest.mark.anyio
async def test_checksum_mismatch_fails_and_lists_nothing(
    manager: ManagerFactory,
    file_server: FileServer,
    models_dir: Path,
    make_catalogue: CatalogueFactory,
) -> None:
    async with manager() as downloads:
        downloads.start(file_server.url(), sha256="0" * 64)
        final = await downloads.wait("model.gguf")
    assert final.status == "failed"
    assert final.error is not None
    assert final.error.startswith("The download does not match the expected SHA-256")
    assert _names(models_dir) == []
    assert [model.name for model in make_catalogue().models()] == ["SmolLM2-135M-Instruct.Q4_1"]


@pytest.mark.anyio
async def test_not_enough_disk_space(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path
) -> None:
    checked: list[Path] = []

    def tiny_disk(folder: Path) -> int:
        checked.append(folder)
        return 1000

    async with manager(disk_free=tiny_disk) as downloads:
        downloads.start(file_server.url())
        final = await downloads.wait("model.gguf")
    assert final.status == "failed"
    assert final.error == (
        f"Not enough disk space for model.gguf: it needs 1.0 MB more but only 1.0 kB is free "
        f"in {models_dir}."
    )
    assert checked == [models_dir]
    assert _leftovers(models_dir) == []


@pytest.mark.anyio
async def test_http_errors_are_reported(manager: ManagerFactory, file_server: FileServer) -> None:
    file_server.status = 404
    async with manager() as downloads:
        downloads.start(file_server.url())
        final = await downloads.wait("model.gguf")
    assert (final.status, final.error) == ("failed", "The server answered 404 Not Found.")


@pytest.mark.anyio
async def test_server_errors_are_retried(manager: ManagerFactory, file_server: FileServer) -> None:
    file_server.status = 503
    async with manager(retries=2) as downloads:
        downloads.start(file_server.url())
        final = await downloads.wait("model.gguf")
    assert final.error == "The server answered 503 Service Unavailable."
    assert len(file_server.ranges) == 3


@pytest.mark.anyio
async def test_unreachable_server(manager: ManagerFactory, file_server: FileServer) -> None:
    async with manager(retries=0) as downloads:
        downloads.start("http://127.0.0.1:9/model.gguf")
        final = await downloads.wait("model.gguf")
    assert final.status == "failed"
    assert final.error is not None
    assert final.error.startswith("Cannot reach 127.0.0.1")


@pytest.mark.parametrize(
    ("url", "filename", "message"),
    [
        ("ftp://example.org/a.gguf", None, "Only http:// and https://"),
        ("file:///etc/passwd", None, "Only http:// and https://"),
        ("https:///a.gguf", None, "Only http:// and https://"),
        ("http://[::1", None, "not a valid URL"),
        ("https://example.org/a.gguf", "../evil.gguf", "cannot be used as a file name"),
        ("https://example.org/a.gguf", "sub/evil.gguf", "cannot be used as a file name"),
        ("https://example.org/a.gguf", ".hidden.gguf", "cannot be used as a file name"),
        ("https://example.org/a.gguf", "", "cannot be used as a file name"),
        ("https://example.org/a.gguf", "x" * 300 + ".gguf", "cannot be used as a file name"),
        ("https://example.org/model.bin", None, "is not a .gguf file name"),
        ("https://example.org/%2E%2E%2Fevil.gguf", None, "cannot be used as a file name"),
    ],
)
@pytest.mark.anyio
async def test_rejects_unsafe_urls_and_names(
    manager: ManagerFactory, url: str, filename: str | None, message: str
) -> None:
    async with manager() as downloads:
        with pytest.raises(InvalidArgument, match=message.replace(".", r"\.")):
            downloads.start(url, filename=filename)
        assert downloads.list_downloads() == []


@pytest.mark.anyio
async def test_names_and_checksums(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path
) -> None:
    async with manager() as downloads:
        with pytest.raises(InvalidArgument, match="SHA-256"):
            downloads.start(file_server.url(), sha256="abc")
        hf = f"{file_server.base_url}/org/repo/resolve/main/My%20Model-Q4_K_M.gguf?download=true"
        assert downloads.start(hf).id == "My Model-Q4_K_M.gguf"
        with pytest.raises(Conflict, match="already being downloaded"):
            downloads.start(hf)
        await downloads.wait("My Model-Q4_K_M.gguf")
        with pytest.raises(Conflict, match="already exists"):
            downloads.start(hf)
        with pytest.raises(NotFound):
            downloads.resume("nothing.gguf")
    assert (models_dir / "My Model-Q4_K_M.gguf").exists()


@pytest.mark.anyio
async def test_commands_need_a_running_manager(models_dir: Path, file_server: FileServer) -> None:
    idle = DownloadManager(models_dir)
    with pytest.raises(Conflict, match="not running"):
        idle.start(file_server.url())
    assert idle.list_downloads() == []


@pytest.mark.anyio
async def test_a_complete_part_from_an_earlier_session_is_finished(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path
) -> None:
    sidecar = {"url": file_server.url(), "etag": '"v1"', "total": len(file_server.content)}
    _write(models_dir, {"model.gguf.part": file_server.content, "model.gguf.part.json": sidecar})
    async with manager() as downloads:
        downloads.resume("model.gguf")
        final = await downloads.wait("model.gguf")
    assert final.status == "done"
    assert file_server.ranges == [(f"bytes={len(file_server.content)}-", '"v1"')]
    assert (models_dir / "model.gguf").read_bytes() == file_server.content


@pytest.mark.anyio
async def test_unreadable_sidecars_are_ignored(manager: ManagerFactory, models_dir: Path) -> None:
    _write(models_dir, {"a.gguf.part.json": b"{broken", "b.gguf.part.json": {"no_url": 1}})
    async with manager() as downloads:
        assert downloads.list_downloads() == []


@pytest.mark.anyio
async def test_an_empty_file_is_refused(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path
) -> None:
    file_server.content = b""
    async with manager() as downloads:
        downloads.start(file_server.url())
        final = await downloads.wait("model.gguf")
    assert (final.status, final.error) == ("failed", "The server sent an empty file.")
    assert not (models_dir / "model.gguf").exists()


@pytest.mark.anyio
async def test_a_file_that_appears_meanwhile_is_not_replaced(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path, recorder: Recorder
) -> None:
    file_server.gate_at = 200_000
    async with manager() as downloads:
        downloads.start(file_server.url())
        with anyio.fail_after(5):
            await recorder.receiving.wait()
        (models_dir / "model.gguf").write_bytes(b"mine")
        file_server.gate.set()
        final = await downloads.wait("model.gguf")
    assert final.status == "failed"
    assert final.error == "model.gguf appeared in the models folder meanwhile; not replaced."
    assert (models_dir / "model.gguf").read_bytes() == b"mine"


@pytest.mark.anyio
async def test_a_stalled_server_times_out(manager: ManagerFactory, file_server: FileServer) -> None:
    file_server.gate_at = 100_000
    async with manager(retries=0, timeout_s=0.3) as downloads:
        downloads.start(file_server.url())
        final = await downloads.wait("model.gguf")
        file_server.gate.set()
    assert final.error == "The server stopped sending data; resume to try again."


@pytest.mark.anyio
async def test_downloads_wait_for_a_free_slot(
    manager: ManagerFactory, file_server: FileServer, recorder: Recorder
) -> None:
    file_server.gate_at = 100_000
    async with manager(max_concurrent=1) as downloads:
        downloads.start(file_server.url("a.gguf"))
        downloads.start(file_server.url("b.gguf"))
        with anyio.fail_after(5):
            await recorder.receiving.wait()
        statuses = {state.id: state.status for state in downloads.list_downloads()}
        assert statuses == {"a.gguf": "running", "b.gguf": "queued"}
        downloads.pause("b.gguf")
        assert (await downloads.wait("b.gguf")).status == "paused"
        file_server.gate.set()
        assert (await downloads.wait("a.gguf")).status == "done"
        assert downloads.get("b.gguf").bytes_done == 0


def _response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_response_span_rules() -> None:
    assert response_span(_response(200, **{"content-length": "10"}), 5, 10) == (0, 10)
    assert response_span(_response(200), 0, None) == (0, None)
    partial = _response(206, **{"content-range": "bytes 5-9/10"})
    assert response_span(partial, 5, 10) == (5, 10)
    assert response_span(_response(206, **{"content-range": "bytes 5-9/*"}), 5, None) == (5, None)
    assert response_span(_response(416), 10, 10) == (10, 10)
    with pytest.raises(Retryable, match="not asked for"):
        response_span(partial, 3, 10)
    with pytest.raises(Retryable, match="429 Too Many Requests"):
        response_span(_response(429), 0, None)
    with pytest.raises(ModelError, match="416 Requested Range Not Satisfiable"):
        response_span(_response(416), 4, 10)


@pytest.mark.anyio
async def test_cuts_that_make_progress_do_not_use_up_the_retries(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path
) -> None:
    file_server.drops = [100_000, 100_000, 100_000, 100_000]
    async with manager(retries=1) as downloads:
        downloads.start(file_server.url())
        final = await downloads.wait("model.gguf")
    assert final.status == "done", final.error
    assert len(file_server.ranges) == 5
    assert (models_dir / "model.gguf").read_bytes() == file_server.content


@pytest.mark.anyio
async def test_a_resume_without_progress_fails_after_the_retries(
    manager: ManagerFactory, file_server: FileServer
) -> None:
    file_server.drops = [100_000, 0, 0, 0]
    async with manager(retries=2) as downloads:
        downloads.start(file_server.url())
        final = await downloads.wait("model.gguf")
    assert final.status == "failed"
    assert len(file_server.ranges) == 3  # the cut, then two retries that brought nothing


@pytest.mark.anyio
async def test_clearing_finished_downloads_keeps_their_files_and_the_rest(
    manager: ManagerFactory, file_server: FileServer, models_dir: Path, recorder: Recorder
) -> None:
    async with manager() as downloads:
        downloads.start(file_server.url())
        assert (await downloads.wait("model.gguf")).status == "done"
        file_server.gate_at = 200_000
        downloads.start(file_server.url(), filename="second.gguf")
        with anyio.fail_after(5):
            await recorder.receiving.wait()
        downloads.pause("second.gguf")
        await downloads.wait("second.gguf")

        left = downloads.clear_finished()

        assert [(state.id, state.status) for state in left] == [("second.gguf", "paused")]
        assert downloads.list_downloads() == left
    assert (models_dir / "model.gguf").read_bytes() == file_server.content
