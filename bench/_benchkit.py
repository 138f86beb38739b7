"""What the model benchmarks share: the real engine and SmolLM2, a throw-away home, the report."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from backend.engine import EngineBinary, default_model_path, locate_engine
from backend.paths import AppPaths


def smol_engine() -> tuple[EngineBinary, Path]:
    """The built llama-server and SmolLM2; exits naming the set-up command when missing."""
    cache = AppPaths.from_env()
    model = default_model_path(cache.model_cache)
    if not model.exists():
        sys.exit(f"SmolLM2 is missing at {model}; run `python build.py test` first")
    return locate_engine(None, cache.engine_cache), model


@contextmanager
def scratch_home() -> Iterator[Path]:
    """A temporary ``LLAMADESK_HOME`` for the run (settings, logs, run files)."""
    with tempfile.TemporaryDirectory(prefix="llamadesk-bench-") as home:
        os.environ["LLAMADESK_HOME"] = home
        yield Path(home)


def report(results: dict[str, Any], json_path: Path | None) -> None:
    """Print the results as JSON and write them to ``json_path`` when given."""
    text = json.dumps(results, indent=2)
    print(text)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(text)
