"""``python -m backend engine --info``: which llama-server is used, and its version."""

from __future__ import annotations

from ._build import engine_key
from ._locate import EngineBinary
from ._pins import ENGINE_SOURCE

__all__ = ["format_engine_info"]


def format_engine_info(binary: EngineBinary) -> str:
    """Describe the binary in use, one fact per line."""
    return "\n".join(
        [
            f"binary:  {binary.path}",
            f"source:  {binary.source}",
            f"version: {binary.version}",
            f"pinned:  {ENGINE_SOURCE.requirement} (cache key {engine_key()})",
        ]
    )
