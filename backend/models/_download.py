"""Downloading a GGUF into the models folder: progress, pause, cancel, resume, checksum.

A download of ``name.gguf`` writes ``name.gguf.part`` beside a sidecar ``name.gguf.part.json``
holding the URL, the server's ETag, the expected SHA-256 and the total size. Neither name ends in
``.gguf``, so the catalogue never lists an unfinished file. Only when every byte is there (and
the checksum matches, when one was given) is the part fsynced and renamed to ``name.gguf``
(:func:`backend.files.rename_durably`), so a half-written model never appears; the sidecar is
written with :func:`backend.files.write_atomic`.

Resuming uses HTTP ``Range: bytes=<part size>-`` with ``If-Range: <etag>``: a server whose file
changed answers 200 with the whole new file and the part starts over; a 206 appends. A dropped
connection is retried up to ``retries`` times in a row without progress (a cut after new bytes
arrived starts the count again); after that the download is ``failed`` and ``resume`` continues it.
A restart finds the sidecars and lists those downloads as ``paused``, ready to resume. Chunks are
written from the event loop (they land in the page cache); the final fsync and the checksum, which
can take seconds on a large file, run in a worker thread. Before any byte is written the free space
in the models folder is compared with what is still to come (``Content-Length``), and a download
that cannot fit fails with the sizes, instead of filling the disk.

States: ``queued`` (waiting for one of ``max_concurrent`` slots), ``running``, ``paused`` (by the
user, or by the app shutting down), ``failed`` (``error`` says why), ``done``. Cancelling stops
the download and deletes the part and its sidecar; the entry disappears.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import IO, Literal, Self
from urllib.parse import unquote

import anyio
import httpx
from anyio.abc import TaskGroup

from backend.contract import DownloadInfo, DownloadStatus
from backend.errors import (
    Conflict,
    InvalidArgument,
    LlamaDeskError,
    ModelError,
    NotFound,
    StorageError,
)
from backend.files import rename_durably, write_atomic
from backend.models._fit import format_bytes

__all__ = ["DiskFree", "DownloadManager", "DownloadState", "DownloadStatus", "ProgressCallback"]

DiskFree = Callable[[Path], int]
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
_ACTIVE: tuple[DownloadStatus, ...] = ("queued", "running")


@dataclass(frozen=True)
class DownloadState:
    """One download as the page shows it."""

    id: str
    url: str
    path: Path
    status: DownloadStatus
    bytes_done: int = 0
    total: int | None = None
    rate_bps: float | None = None
    eta_s: float | None = None
    error: str | None = None
    sha256: str | None = None

    def info(self) -> DownloadInfo:
        """The wire form the page shows."""
        return DownloadInfo.model_validate({**asdict(self), "path": str(self.path)})


ProgressCallback = Callable[[DownloadState], None]


class _Retryable(Exception):
    """A failure worth trying again (connection lost, server busy)."""


@dataclass
class _Job:
    state: DownloadState
    etag: str | None = None
    scope: anyio.CancelScope | None = None
    finished: anyio.Event | None = None
    stop_as: Literal["paused", "cancelled"] | None = None

    @property
    def part(self) -> Path:
        return self.state.path.with_name(self.state.path.name + ".part")

    @property
    def sidecar(self) -> Path:
        return self.state.path.with_name(self.state.path.name + ".part.json")


def _disk_free(folder: Path) -> int:
    return shutil.disk_usage(folder).free


class DownloadManager:
    """Runs downloads into one folder; use as ``async with DownloadManager(...) as manager``."""

    def __init__(
        self,
        models_dir: Path,
        *,
        on_progress: ProgressCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        disk_free: DiskFree = _disk_free,
        max_concurrent: int = 2,
        retries: int = 3,
        retry_delay_s: float = 1.0,
        progress_interval_s: float = 0.25,
        timeout_s: float = 30.0,
    ) -> None:
        self._dir = models_dir
        self._on_progress = on_progress
        self._transport = transport
        self._disk_free = disk_free
        self._limiter = anyio.CapacityLimiter(max_concurrent)
        self._retries = retries
        self._retry_delay_s = retry_delay_s
        self._interval_s = progress_interval_s
        self._timeout_s = timeout_s
        self._jobs: dict[str, _Job] = {}
        self._client: httpx.AsyncClient | None = None
        self._group: TaskGroup | None = None
        self._load_unfinished()

    async def __aenter__(self) -> Self:
        self._client = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=True,
            timeout=httpx.Timeout(self._timeout_s),
        )
        self._group = anyio.create_task_group()
        await self._group.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop running downloads (they stay resumable as ``paused``) and close the client."""
        assert self._group is not None
        assert self._client is not None
        self._group.cancel_scope.cancel()
        try:
            await self._group.__aexit__(exc_type, exc, traceback)
        finally:
            await self._client.aclose()
            self._group = None

    def list_downloads(self) -> list[DownloadState]:
        """Every download known to this session, plus unfinished ones from earlier sessions."""
        return [job.state for job in self._jobs.values()]

    def get(self, download_id: str) -> DownloadState:
        """One download's state."""
        return self._job(download_id).state

    def start(
        self, url: str, *, filename: str | None = None, sha256: str | None = None
    ) -> DownloadState:
        """Queue a download of ``url`` into the models folder; its id is the file name.

        Starting a paused or failed download of the same URL again resumes it.
        """
        self._require_running()
        checked_url = _check_url(url)
        name = _check_name(filename if filename is not None else _name_from_url(checked_url))
        digest = _check_sha256(sha256)
        target = self._dir / name
        existing = self._jobs.get(name)
        if (
            existing is not None
            and existing.state.status in ("paused", "failed")
            and existing.state.url == str(checked_url)
        ):
            return self.resume(name)
        if existing is not None and existing.state.status != "done":
            raise Conflict(
                f"{name} is already being downloaded ({existing.state.status}); "
                "cancel that download first."
            )
        if target.exists():
            raise Conflict(f"{name} already exists in the models folder.")
        job = _Job(DownloadState(name, str(checked_url), target, "queued", sha256=digest))
        self._jobs[name] = job
        self._launch(job)
        return job.state

    def resume(self, download_id: str) -> DownloadState:
        """Continue a paused or failed download from where its part file ends."""
        self._require_running()
        job = self._job(download_id)
        if job.state.status not in ("paused", "failed"):
            raise Conflict(f"{download_id} is {job.state.status}; only paused or failed resume.")
        job.state = replace(job.state, status="queued", error=None, rate_bps=None, eta_s=None)
        self._launch(job)
        return job.state

    def pause(self, download_id: str) -> DownloadState:
        """Stop a queued or running download, keeping what it has for ``resume``."""
        job = self._job(download_id)
        if job.state.status not in _ACTIVE:
            raise Conflict(f"{download_id} is {job.state.status}; only a running one can pause.")
        self._stop(job, "paused")
        return job.state

    def cancel(self, download_id: str) -> None:
        """Stop a download and delete its partial file; it leaves the list."""
        job = self._job(download_id)
        if job.state.status == "done":
            raise Conflict(f"{download_id} is finished; remove the model instead.")
        if job.state.status in _ACTIVE:
            self._stop(job, "cancelled")
        else:
            self._discard(job)

    def clear_finished(self) -> list[DownloadState]:
        """Take finished downloads off the list (their files stay, as models); return the rest."""
        for job in [job for job in self._jobs.values() if job.state.status == "done"]:
            self._jobs.pop(job.state.id)
        return self.list_downloads()

    async def cancel_and_wait(self, download_id: str) -> None:
        """``cancel``, then wait until a running download has stopped and its part is deleted."""
        job = self._job(download_id)
        self.cancel(download_id)
        if job.finished is not None:
            await job.finished.wait()

    async def wait(self, download_id: str) -> DownloadState:
        """Wait until a download is no longer queued or running, and return its state."""
        job = self._job(download_id)
        if job.finished is not None:
            await job.finished.wait()
        return job.state

    def _job(self, download_id: str) -> _Job:
        job = self._jobs.get(download_id)
        if job is None:
            raise NotFound(f"No download called {download_id!r}.")
        return job

    def _require_running(self) -> None:
        if self._group is None:
            raise Conflict("The download manager is not running.")

    def _launch(self, job: _Job) -> None:
        assert self._group is not None
        job.stop_as = None
        job.scope = scope = anyio.CancelScope()
        job.finished = finished = anyio.Event()
        self._emit(job)
        self._group.start_soon(self._run, job, scope, finished)

    def _stop(self, job: _Job, how: Literal["paused", "cancelled"]) -> None:
        job.stop_as = how
        if job.scope is not None:
            job.scope.cancel()

    def _discard(self, job: _Job) -> None:
        job.part.unlink(missing_ok=True)
        job.sidecar.unlink(missing_ok=True)
        self._jobs.pop(job.state.id, None)

    async def _run(self, job: _Job, scope: anyio.CancelScope, finished: anyio.Event) -> None:
        try:
            with scope:
                async with self._limiter:
                    self._set(job, status="running")
                    await self._attempts(job)
        finally:
            if job.stop_as == "cancelled" and job.state.status != "done":
                self._discard(job)
            elif job.state.status in _ACTIVE:
                self._set(job, status="paused", rate_bps=None, eta_s=None)
            finished.set()

    async def _attempts(self, job: _Job) -> None:
        failures = 0
        while True:
            before = job.state.bytes_done
            try:
                await self._transfer(job)
                await self._finish(job)
                return
            except _Retryable as exc:
                failures = 1 if job.state.bytes_done > before else failures + 1
                if failures > self._retries:
                    self._fail(job, str(exc))
                    return
                await anyio.sleep(self._retry_delay_s)
            except LlamaDeskError as exc:
                self._fail(job, exc.message)
                return

    async def _transfer(self, job: _Job) -> None:
        assert self._client is not None
        self._dir.mkdir(parents=True, exist_ok=True)
        have = job.part.stat().st_size if job.part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        if have and job.etag:
            headers["If-Range"] = job.etag
        try:
            async with self._client.stream("GET", job.state.url, headers=headers) as response:
                start, total = _response_span(response, have, job.state.total)
                if total == 0:
                    raise ModelError("The server sent an empty file.")
                if start == total:
                    return
                job.etag = response.headers.get("etag") or job.etag
                self._set(job, bytes_done=start, total=total)
                self._check_space(job, total - start if total is not None else None)
                await self._write_sidecar(job)
                await self._receive(job, response, start)
        except httpx.TransportError as exc:
            raise _Retryable(_transport_reason(exc, job.state)) from exc
        except OSError as exc:
            raise StorageError(f"Cannot write {job.part}: {exc.strerror}.") from exc

    async def _receive(self, job: _Job, response: httpx.Response, start: int) -> None:
        mode = "ab" if start else "wb"
        started = time.monotonic()
        last_emit = started
        done = start
        with job.part.open(mode) as out:
            async for chunk in response.aiter_bytes():
                out.write(chunk)
                done += len(chunk)
                now = time.monotonic()
                if now - last_emit >= self._interval_s:
                    last_emit = now
                    self._progress(job, done, start, now - started)
            await anyio.to_thread.run_sync(_flush_to_disk, out)
        self._progress(job, done, start, time.monotonic() - started)
        if job.state.total is not None and done < job.state.total:
            raise _Retryable(
                f"The connection ended early, at {_done_of_total(done, job.state.total)}."
            )

    async def _finish(self, job: _Job) -> None:
        expected = job.state.sha256
        if expected is not None:
            actual = await anyio.to_thread.run_sync(_sha256_of, job.part)
            if actual != expected:
                self._discard_part(job)
                raise ModelError(
                    f"The download does not match the expected SHA-256 (got {actual}); "
                    "the file was deleted."
                )
        if job.state.path.exists():
            raise Conflict(f"{job.state.id} appeared in the models folder meanwhile; not replaced.")
        try:
            await anyio.to_thread.run_sync(rename_durably, job.part, job.state.path)
        except OSError as exc:
            raise StorageError(f"Cannot move {job.part} into place: {exc.strerror}.") from exc
        job.sidecar.unlink(missing_ok=True)
        size = job.state.path.stat().st_size
        self._set(job, status="done", bytes_done=size, total=size, eta_s=0.0)

    def _discard_part(self, job: _Job) -> None:
        job.part.unlink(missing_ok=True)
        job.sidecar.unlink(missing_ok=True)
        job.etag = None
        job.state = replace(job.state, bytes_done=0)

    def _check_space(self, job: _Job, remaining: int | None) -> None:
        if remaining is None:
            return
        try:
            free = self._disk_free(self._dir)
        except OSError as exc:
            raise StorageError(f"Cannot tell the free space in {self._dir}: {exc}.") from exc
        if free < remaining:
            raise StorageError(
                f"Not enough disk space for {job.state.id}: it needs {format_bytes(remaining)} "
                f"more but only {format_bytes(free)} is free in {self._dir}."
            )

    async def _write_sidecar(self, job: _Job) -> None:
        state = job.state
        document = {
            "url": state.url,
            "etag": job.etag,
            "sha256": state.sha256,
            "total": state.total,
        }
        await anyio.to_thread.run_sync(write_atomic, job.sidecar, json.dumps(document).encode())

    def _load_unfinished(self) -> None:
        if not self._dir.is_dir():
            return
        for sidecar in sorted(self._dir.glob("*.gguf.part.json")):
            try:
                document = json.loads(sidecar.read_text(encoding="utf-8"))
                url, etag, digest, total = (
                    str(document["url"]),
                    document.get("etag"),
                    document.get("sha256"),
                    document.get("total"),
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue
            name = sidecar.name.removesuffix(".part.json")
            part = self._dir / f"{name}.part"
            state = DownloadState(
                name,
                url,
                self._dir / name,
                "paused",
                bytes_done=part.stat().st_size if part.exists() else 0,
                total=total if isinstance(total, int) else None,
                sha256=digest if isinstance(digest, str) else None,
            )
            self._jobs[name] = _Job(state, etag=etag if isinstance(etag, str) else None)

    def _progress(self, job: _Job, done: int, start: int, elapsed: float) -> None:
        rate = (done - start) / elapsed if elapsed > 0 else None
        total = job.state.total
        eta = (total - done) / rate if rate and total is not None else None
        self._set(job, bytes_done=done, rate_bps=rate, eta_s=eta)

    def _fail(self, job: _Job, message: str) -> None:
        self._set(job, status="failed", error=message, rate_bps=None, eta_s=None)

    def _set(self, job: _Job, **changes: object) -> None:
        job.state = replace(job.state, **changes)  # type: ignore[arg-type]
        self._emit(job)

    def _emit(self, job: _Job) -> None:
        if self._on_progress is not None:
            self._on_progress(job.state)


def _response_span(
    response: httpx.Response, have: int, known_total: int | None
) -> tuple[int, int | None]:
    """Where the body starts in the file, and the file's total size (None when unknown)."""
    status = response.status_code
    if status == httpx.codes.REQUESTED_RANGE_NOT_SATISFIABLE and have and have == known_total:
        return have, have
    if status == httpx.codes.PARTIAL_CONTENT:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if match is None or int(match[1]) != have:
            raise _Retryable("The server sent a part of the file that was not asked for.")
        return have, None if match[3] == "*" else int(match[3])
    if status == httpx.codes.OK:
        length = response.headers.get("content-length")
        return 0, int(length) if length and length.isdigit() else None
    if status >= httpx.codes.INTERNAL_SERVER_ERROR or status == httpx.codes.TOO_MANY_REQUESTS:
        raise _Retryable(f"The server answered {status} {response.reason_phrase}.")
    raise ModelError(f"The server answered {status} {response.reason_phrase}.")


def _transport_reason(exc: httpx.TransportError, state: DownloadState) -> str:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return f"Cannot reach {httpx.URL(state.url).host}: {exc}."
    if isinstance(exc, httpx.TimeoutException):
        return "The server stopped sending data; resume to try again."
    where = _done_of_total(state.bytes_done, state.total)
    return f"The connection was lost at {where}; resume to continue."


def _done_of_total(done: int, total: int | None) -> str:
    return format_bytes(done) + (f" of {format_bytes(total)}" if total is not None else "")


def _check_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidArgument(f"{url!r} is not a valid URL: {exc}.") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgument(f"Only http:// and https:// links can be downloaded, not {url!r}.")
    return parsed


def _name_from_url(url: httpx.URL) -> str:
    """The last segment of the path as sent, decoded once (so ``%2F`` cannot hide a folder)."""
    raw = url.raw_path.split(b"?", 1)[0].rsplit(b"/", 1)[-1]
    return unquote(raw.decode("ascii"))


def _check_name(name: str) -> str:
    unsafe = (
        not name
        or name.startswith(".")
        or any(char in name for char in "/\\\0")
        or len(name.encode()) > 255
    )
    if unsafe:
        raise InvalidArgument(f"{name!r} cannot be used as a file name.")
    if not name.lower().endswith(".gguf"):
        raise InvalidArgument(f"{name!r} is not a .gguf file name; give one that ends in .gguf.")
    return name


def _check_sha256(sha256: str | None) -> str | None:
    if sha256 is None:
        return None
    if not _SHA256.match(sha256):
        raise InvalidArgument("The SHA-256 must be 64 hexadecimal digits.")
    return sha256.lower()


def _flush_to_disk(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
