"""What an unfinished download keeps on disk, and how a finished one moves into place.

A download of ``name.gguf`` writes ``name.gguf.part`` beside a sidecar ``name.gguf.part.json``
holding the URL, the server's ETag, the expected SHA-256 and the total size. Neither name ends in
``.gguf``, so the catalogue never lists an unfinished file. Only when every byte is there (and
the checksum matches, when one was given) is the part fsynced and renamed to ``name.gguf``
(:func:`backend.files.rename_durably`), so a half-written model never appears; the sidecar is
written with :func:`backend.files.write_atomic`. A restart reads the sidecars back and lists
those downloads as ``paused``; a sidecar that cannot be read is left alone and not listed. The
checksum, which can take seconds on a large file, runs in a worker thread.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import anyio

from backend.errors import Conflict, ModelError, StorageError
from backend.files import rename_durably, write_atomic
from backend.models._download_job import DownloadJob, DownloadState, ProgressCallback

__all__ = ["discard_files", "load_unfinished", "move_into_place", "write_sidecar"]


async def write_sidecar(job: DownloadJob) -> None:
    """Write (atomically) what a resume needs: URL, ETag, SHA-256 and total size."""
    state = job.state
    document = {
        "url": state.url,
        "etag": job.etag,
        "sha256": state.sha256,
        "total": state.total,
    }
    await anyio.to_thread.run_sync(write_atomic, job.sidecar, json.dumps(document).encode())


def load_unfinished(folder: Path, on_change: ProgressCallback | None) -> list[DownloadJob]:
    """The downloads an earlier session left unfinished in ``folder``, each ``paused``."""
    if not folder.is_dir():
        return []
    jobs = []
    for sidecar in sorted(folder.glob("*.gguf.part.json")):
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
        part = folder / f"{name}.part"
        state = DownloadState(
            name,
            url,
            folder / name,
            "paused",
            bytes_done=part.stat().st_size if part.exists() else 0,
            total=total if isinstance(total, int) else None,
            sha256=digest if isinstance(digest, str) else None,
        )
        jobs.append(DownloadJob(state, on_change, etag=etag if isinstance(etag, str) else None))
    return jobs


def discard_files(job: DownloadJob) -> None:
    """Delete the part and its sidecar (either may be missing)."""
    job.part.unlink(missing_ok=True)
    job.sidecar.unlink(missing_ok=True)


async def move_into_place(job: DownloadJob) -> int:
    """Check the SHA-256 (when given), rename the part to the model's name; return its size.

    A checksum mismatch deletes the part and sidecar (the next attempt starts from zero) and
    raises ``ModelError``; a file that appeared under the model's name meanwhile is not replaced.
    """
    expected = job.state.sha256
    if expected is not None:
        actual = await anyio.to_thread.run_sync(_sha256_of, job.part)
        if actual != expected:
            discard_files(job)
            job.etag = None
            job.state = replace(job.state, bytes_done=0)
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
    return job.state.path.stat().st_size


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
