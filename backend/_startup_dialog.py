"""Start-up errors where nobody reads stderr: the packaged app started from the desktop menu.

From a terminal, or from the source tree, the one ``error:`` line on stderr is enough. The
packaged app with no terminal (stderr is not a TTY) also appends the error to
``<log dir>/llamadesk.log`` and shows it in a dialog that names that file (Qt, which the package
always carries); with no display it sends a desktop notification instead when ``notify-send``
is there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .child_env import child_environ
from .errors import LlamaDeskError
from .paths import AppPaths, bundle_dir

__all__ = ["SHOWN_LINE", "report_startup_error"]

TITLE = "LlamaDesk could not start"
SHOWN_LINE = "[llamadesk] start-up error shown in a dialog"
"""Printed to stderr once the dialog is on screen (the package test waits for it)."""


def report_startup_error(error: LlamaDeskError, paths: AppPaths) -> None:
    """Print the error; in the packaged app with no terminal, log it and show it too."""
    lines = _lines(error)
    print(f"error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(f"       {line}", file=sys.stderr)
    if bundle_dir() is None or sys.stderr.isatty():
        return
    log = _append_to_log(lines, paths)
    text = "\n".join([*lines[1:], "", f"Details are in {log}"]).strip()
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        _dialog(error.message, text)
    elif shutil.which("notify-send"):
        notify = ["notify-send", "--urgency=critical", TITLE, f"{error.message}\n{text}"]
        subprocess.run(notify, env=child_environ(), check=False, timeout=10)


def _lines(error: LlamaDeskError) -> list[str]:
    """The message, the detail, then one line per field that was wrong."""
    fields = [f"{field.field}: {field.message}" for field in error.fields]
    return [error.message, *([error.detail] if error.detail else []), *fields]


def _append_to_log(lines: list[str], paths: AppPaths) -> Path:
    log = paths.log_dir / "llamadesk.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as out:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            out.write(f"{stamp} error: {lines[0]}\n")
            out.writelines(f"{stamp}        {line}\n" for line in lines[1:])
    except OSError as exc:
        print(f"       (could not write {log}: {exc})", file=sys.stderr)
    return log


def _dialog(message: str, text: str) -> None:
    """A modal error box; returns when the user closes it."""
    from PyQt6.QtCore import QTimer  # noqa: PLC0415 - Qt only when there is something to show
    from PyQt6.QtWidgets import QApplication, QMessageBox  # noqa: PLC0415

    app = QApplication.instance() or QApplication(["llamadesk"])
    box = QMessageBox(QMessageBox.Icon.Critical, TITLE, message, QMessageBox.StandardButton.Ok)
    box.setInformativeText(text)
    QTimer.singleShot(0, lambda: print(SHOWN_LINE, file=sys.stderr, flush=True))
    box.exec()
    del app
