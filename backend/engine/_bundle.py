"""The engine and model inside the packaged app, and what the packaged app refuses to do.

The package (``python build.py package``) puts a portable llama-server with its libraries in
``<bundle>/engine/`` and the default model in ``<bundle>/models/``, where ``<bundle>`` is
``backend.paths.bundle_dir()``. The packaged app has no compiler and no pip: it never builds an
engine nor downloads a pinned file; asking it to fails with what to do instead.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import EngineError
from ..paths import bundle_dir
from ._pins import DEFAULT_MODEL_MEMBER

__all__ = ["BUNDLE_ENGINE_DIR", "BUNDLE_MODEL_DIR", "bundled_file", "refuse_when_frozen"]

BUNDLE_ENGINE_DIR = "engine"
BUNDLE_MODEL_DIR = "models"
MODEL_NAME = Path(DEFAULT_MODEL_MEMBER).name


def bundled_file(folder: str, name: str, bundle: Path | None = None) -> Path | None:
    """``<bundle>/<folder>/<name>`` when the app is packaged and the file is there, else None."""
    root = bundle_dir() if bundle is None else bundle
    if root is None:
        return None
    path = root / folder / name
    return path if path.exists() else None


def refuse_when_frozen(action: str) -> None:
    """Raise EngineError in the packaged app: it cannot ``action`` (build, download)."""
    if bundle_dir() is not None:
        raise EngineError(
            f"The packaged LlamaDesk does not {action}.",
            detail="It ships its own llama-server and model; to use another llama-server, set "
            "Settings → Engine → llama-server binary or LLAMADESK_SERVER_BIN.",
        )
