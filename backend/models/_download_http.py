"""One HTTP attempt at a download: ask for what is missing, append it to the part file.

Resuming uses HTTP ``Range: bytes=<part size>-`` with ``If-Range: <etag>``: a server whose file
changed answers 200 with the whole new file and the part starts over; a 206 appends. Before any
byte is written the free space in the models folder is compared with what is still to come
(``Content-Length``), and a download that cannot fit fails with the sizes, instead of filling
the disk. Chunks are written from the event loop (they land in the page cache) and progress is
reported at most every ``progress_interval_s``; the final fsync runs in a worker thread.

A failure worth another attempt (connection lost or cut short, a 5xx or 429, a range that was not
asked for) raises :class:`Retryable`; the manager decides how often to try again. Anything else
raises a ``LlamaDeskError`` (``ModelError`` for the server's answer, ``StorageError`` for the disk).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import anyio
import httpx

from backend.errors import ModelError, StorageError
from backend.models._download_files import write_sidecar
from backend.models._download_job import DownloadJob, DownloadState
from backend.models._fit import format_bytes

__all__ = ["DiskFree", "HttpTransfer", "Retryable", "free_disk_space", "response_span"]

DiskFree = Callable[[Path], int]
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


class Retryable(Exception):
    """A failure worth trying again (connection lost, server busy)."""


def free_disk_space(folder: Path) -> int:
    """Free bytes on the file system holding ``folder``."""
    return shutil.disk_usage(folder).free


class HttpTransfer:
    """Fetches the missing bytes of downloads into one folder over one HTTP client."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        folder: Path,
        *,
        disk_free: DiskFree,
        progress_interval_s: float,
    ) -> None:
        self._client = client
        self._dir = folder
        self._disk_free = disk_free
        self._interval_s = progress_interval_s

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def fetch(self, job: DownloadJob) -> None:
        """Bring the part file up to the whole file, resuming from its current size."""
        self._dir.mkdir(parents=True, exist_ok=True)
        have = job.part.stat().st_size if job.part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        if have and job.etag:
            headers["If-Range"] = job.etag
        try:
            async with self._client.stream("GET", job.state.url, headers=headers) as response:
                start, total = response_span(response, have, job.state.total)
                if total == 0:
                    raise ModelError("The server sent an empty file.")
                if start == total:
                    return
                job.etag = response.headers.get("etag") or job.etag
                job.update(bytes_done=start, total=total)
                self._check_space(job, total - start if total is not None else None)
                await write_sidecar(job)
                await self._receive(job, response, start)
        except httpx.TransportError as exc:
            raise Retryable(_transport_reason(exc, job.state)) from exc
        except OSError as exc:
            raise StorageError(f"Cannot write {job.part}: {exc.strerror}.") from exc

    async def _receive(self, job: DownloadJob, response: httpx.Response, start: int) -> None:
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
                    _progress(job, done, start, now - started)
            await anyio.to_thread.run_sync(_flush_to_disk, out)
        _progress(job, done, start, time.monotonic() - started)
        if job.state.total is not None and done < job.state.total:
            raise Retryable(
                f"The connection ended early, at {_done_of_total(done, job.state.total)}."
            )

    def _check_space(self, job: DownloadJob, remaining: int | None) -> None:
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


def response_span(
    response: httpx.Response, have: int, known_total: int | None
) -> tuple[int, int | None]:
    """Where the body starts in the file, and the file's total size (None when unknown)."""
    status = response.status_code
    if status == httpx.codes.REQUESTED_RANGE_NOT_SATISFIABLE and have and have == known_total:
        return have, have
    if status == httpx.codes.PARTIAL_CONTENT:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if match is None or int(match[1]) != have:
            raise Retryable("The server sent a part of the file that was not asked for.")
        return have, None if match[3] == "*" else int(match[3])
    if status == httpx.codes.OK:
        length = response.headers.get("content-length")
        return 0, int(length) if length and length.isdigit() else None
    if status >= httpx.codes.INTERNAL_SERVER_ERROR or status == httpx.codes.TOO_MANY_REQUESTS:
        raise Retryable(f"The server answered {status} {response.reason_phrase}.")
    raise ModelError(f"The server answered {status} {response.reason_phrase}.")


def _progress(job: DownloadJob, done: int, start: int, elapsed: float) -> None:
    rate = (done - start) / elapsed if elapsed > 0 else None
    total = job.state.total
    eta = (total - done) / rate if rate and total is not None else None
    job.update(bytes_done=done, rate_bps=rate, eta_s=eta)


def _transport_reason(exc: httpx.TransportError, state: DownloadState) -> str:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return f"Cannot reach {httpx.URL(state.url).host}: {exc}."
    if isinstance(exc, httpx.TimeoutException):
        return "The server stopped sending data; resume to try again."
    where = _done_of_total(state.bytes_done, state.total)
    return f"The connection was lost at {where}; resume to continue."


def _done_of_total(done: int, total: int | None) -> str:
    return format_bytes(done) + (f" of {format_bytes(total)}" if total is not None else "")


def _flush_to_disk(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())
