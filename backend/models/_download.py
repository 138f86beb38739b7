"""Downloading a GGUF into the models folder: progress, pause, cancel, resume, checksum.

``DownloadManager`` is the list of downloads into one folder and what happens to each: it checks
what is asked for, queues downloads on ``max_concurrent`` slots, retries, stops them, and reports
every change of state through ``on_progress``. The bytes come from ``_download_http`` (one HTTP
attempt, resumed with a range request); what stays on disk between attempts and sessions, and
the final move into place, is ``_download_files``; one download's record is ``_download_job``.

A dropped connection is retried up to ``retries`` times in a row without progress (a cut after
new bytes arrived starts the count again); after that the download is ``failed`` and ``resume``
continues it. A restart finds the unfinished downloads and lists them as ``paused``, ready to
resume.

States: ``queued`` (waiting for one of ``max_concurrent`` slots), ``running``, ``paused`` (by the
user, or by the app shutting down), ``failed`` (``error`` says why), ``done``. Cancelling stops
the download and deletes the part and its sidecar; the entry disappears.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Literal, Self
from urllib.parse import unquote

import anyio
import httpx
from anyio.abc import TaskGroup

from backend.errors import Conflict, InvalidArgument, LlamaDeskError, NotFound
from backend.models._download_files import discard_files, load_unfinished, move_into_place
from backend.models._download_http import DiskFree, HttpTransfer, Retryable, free_disk_space
from backend.models._download_job import (
    ACTIVE,
    DownloadJob,
    DownloadState,
    ProgressCallback,
)

__all__ = ["DownloadManager"]

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class DownloadManager:
    """Runs downloads into one folder; use as ``async with DownloadManager(...) as manager``."""

    def __init__(
        self,
        models_dir: Path,
        *,
        on_progress: ProgressCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        disk_free: DiskFree = free_disk_space,
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
        self._jobs = {job.state.id: job for job in load_unfinished(models_dir, on_progress)}
        self._http: HttpTransfer | None = None
        self._group: TaskGroup | None = None

    async def __aenter__(self) -> Self:
        client = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=True,
            timeout=httpx.Timeout(self._timeout_s),
        )
        self._http = HttpTransfer(
            client, self._dir, disk_free=self._disk_free, progress_interval_s=self._interval_s
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
        assert self._http is not None
        self._group.cancel_scope.cancel()
        try:
            await self._group.__aexit__(exc_type, exc, traceback)
        finally:
            await self._http.aclose()
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
        state = DownloadState(name, str(checked_url), target, "queued", sha256=digest)
        job = DownloadJob(state, self._on_progress)
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
        if job.state.status not in ACTIVE:
            raise Conflict(f"{download_id} is {job.state.status}; only a running one can pause.")
        self._stop(job, "paused")
        return job.state

    def cancel(self, download_id: str) -> None:
        """Stop a download and delete its partial file; it leaves the list."""
        job = self._job(download_id)
        if job.state.status == "done":
            raise Conflict(f"{download_id} is finished; remove the model instead.")
        if job.state.status in ACTIVE:
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

    def _job(self, download_id: str) -> DownloadJob:
        job = self._jobs.get(download_id)
        if job is None:
            raise NotFound(f"No download called {download_id!r}.")
        return job

    def _require_running(self) -> None:
        if self._group is None:
            raise Conflict("The download manager is not running.")

    def _launch(self, job: DownloadJob) -> None:
        assert self._group is not None
        job.stop_as = None
        job.scope = scope = anyio.CancelScope()
        job.finished = finished = anyio.Event()
        job.emit()
        self._group.start_soon(self._run, job, scope, finished)

    def _stop(self, job: DownloadJob, how: Literal["paused", "cancelled"]) -> None:
        job.stop_as = how
        if job.scope is not None:
            job.scope.cancel()

    def _discard(self, job: DownloadJob) -> None:
        discard_files(job)
        self._jobs.pop(job.state.id, None)

    async def _run(self, job: DownloadJob, scope: anyio.CancelScope, finished: anyio.Event) -> None:
        try:
            with scope:
                async with self._limiter:
                    job.update(status="running")
                    await self._attempts(job)
        finally:
            if job.stop_as == "cancelled" and job.state.status != "done":
                self._discard(job)
            elif job.state.status in ACTIVE:
                job.update(status="paused", rate_bps=None, eta_s=None)
            finished.set()

    async def _attempts(self, job: DownloadJob) -> None:
        assert self._http is not None
        failures = 0
        while True:
            before = job.state.bytes_done
            try:
                await self._http.fetch(job)
                size = await move_into_place(job)
                job.update(status="done", bytes_done=size, total=size, eta_s=0.0)
                return
            except Retryable as exc:
                failures = 1 if job.state.bytes_done > before else failures + 1
                if failures > self._retries:
                    job.fail(str(exc))
                    return
                await anyio.sleep(self._retry_delay_s)
            except LlamaDeskError as exc:
                job.fail(exc.message)
                return


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
