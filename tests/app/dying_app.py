"""The app whose model watcher fails like a write on a full disk (for test_data_safety.py).

Usage: ``python dying_app.py TRIGGER [APP ARGS...]``: runs ``python -m backend APP ARGS``; once the
file TRIGGER exists, the background task that watches the model folders raises
``OSError(ENOSPC)``, as any background task may, to show the app does not stay half alive.
"""

from __future__ import annotations

import errno
import runpy
import sys
from pathlib import Path

import anyio

from backend import models
from backend.models import ModelCatalogue, ModelsCallback


def main(trigger: Path, app_args: list[str]) -> None:
    async def failing_watch(
        catalogue: ModelCatalogue,
        on_change: ModelsCallback,
        *,
        settle_s: float = 0.5,
        poll_s: float = 2.0,
    ) -> None:
        while not await anyio.Path(trigger).exists():  # noqa: ASYNC110 - a file the test creates
            await anyio.sleep(0.02)
        raise OSError(errno.ENOSPC, "No space left on device", "/data/models")

    models.watch_folders = failing_watch  # read by the services when they are imported, later
    sys.argv = ["backend", *app_args]
    runpy.run_module("backend", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
