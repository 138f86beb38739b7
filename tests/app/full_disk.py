"""Start the app on an almost full disk (for test_data_safety.py); run inside ``unshare -m``.

Usage: ``python full_disk.py MOUNT FREE_KB [APP ARGS...]``. Mounts a 4 MB tmpfs on MOUNT (only this
mount namespace sees it), makes a home on it with a few conversations, fills the disk until
FREE_KB are left, then becomes the app (``python -m backend APP ARGS``) with that home.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from backend.chat import ConversationStore
from backend.paths import AppPaths


def fill(mount: Path, free_kb: int) -> None:
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, bytes(65536))
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - free_kb * 1024))


def main(mount: Path, free_kb: int, app_args: list[str]) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    os.environ["LLAMADESK_HOME"] = str(mount / "home")
    paths = AppPaths.from_env()
    paths.ensure()
    with ConversationStore(paths.database) as store:
        for n in range(20):
            conversation = store.create_conversation(f"Trip {n}")
            store.add_message(conversation.id, None, "user", "Where to eat in Lyon? " * 20)
    fill(mount, free_kb)
    os.execv(sys.executable, [sys.executable, "-m", "backend", *app_args])


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
