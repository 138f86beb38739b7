"""The chat templates of the pinned llama.cpp source, for models whose own cannot call tools.

llama.cpp carries many models' Jinja chat templates under ``models/templates/``; passing one with
``--chat-template-file`` gives a model another template (say, one that takes tools). ``engine
--prepare`` copies them out of the pinned sdist (verified by hash) into
``<engine cache>/chat-templates-<version>/`` once; the sdist itself is not kept.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from ._fetch import fetch_pinned
from ._pins import ENGINE_SOURCE

__all__ = ["chat_templates_dir", "extract_chat_templates"]

_TEMPLATES = "vendor/llama.cpp/models/templates"


def chat_templates_dir(engine_cache: Path) -> Path:
    """Where the pinned source's chat templates are (once extracted)."""
    return engine_cache / f"chat-templates-{ENGINE_SOURCE.version}"


def extract_chat_templates(engine_cache: Path) -> Path:
    """Copy the ``*.jinja`` templates out of the pinned sdist, unless done already."""
    target = chat_templates_dir(engine_cache)
    if target.is_dir():
        return target
    engine_cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=engine_cache, prefix=".templates-") as work:
        archive = fetch_pinned(ENGINE_SOURCE, Path(work) / "downloads")
        staged = Path(work) / "templates"
        staged.mkdir()
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                path = PurePosixPath(member.name)
                if member.isfile() and path.suffix == ".jinja" and _TEMPLATES in member.name:
                    source = tar.extractfile(member)
                    if source is not None:
                        (staged / path.name).write_bytes(source.read())
        shutil.move(staged, target)
    return target
