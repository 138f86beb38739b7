"""The desktop window: pywebview's Qt backend showing the built SPA (or the Vite dev server).

pywebview serves the built folder over its own localhost HTTP server; the SPA uses hash routing,
so no SPA fallback is needed. The window object stays private to this module: the page only sees
the ``js_api`` commands. Links to other sites open in the system browser, never in the window.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import webview

from ..bridge import LlamaDeskApi, WindowTarget
from ..errors import NotFound
from ._selftest import SelfTest
from ._signals import on_termination

__all__ = [
    "WINDOW_TITLE",
    "attachment_picker",
    "gguf_picker",
    "release_stranded_scripts",
    "run_window",
]

WINDOW_TITLE = "LlamaDesk"


_GGUF_TYPES = ("GGUF models (*.gguf)", "All files (*.*)")


def gguf_picker(window: Any) -> Callable[[], str | None]:
    """The window's open-file dialog for one GGUF; returns its path, or None when cancelled."""

    def pick() -> str | None:
        chosen = window.create_file_dialog(
            webview.FileDialog.OPEN, allow_multiple=False, file_types=_GGUF_TYPES
        )
        return str(chosen[0]) if chosen else None

    return pick


_ATTACHMENT_TYPES = (
    "Documents and images (*.txt *.md *.markdown *.csv *.tsv *.html *.htm *.pdf *.json *.py *.js"
    " *.ts *.png *.jpg *.jpeg *.webp *.gif)",
    "All files (*.*)",
)


def attachment_picker(window: Any) -> Callable[[], list[str]]:
    """The window's open-file dialog for attachments (several at once); [] when cancelled."""

    def pick() -> list[str]:
        chosen = window.create_file_dialog(
            webview.FileDialog.OPEN, allow_multiple=True, file_types=_ATTACHMENT_TYPES
        )
        return [str(path) for path in chosen or ()]

    return pick


def run_window(
    url: str,
    api: LlamaDeskApi,
    attach_events: Callable[[WindowTarget | None], None],
    *,
    set_file_picker: Callable[[Callable[[], str | None]], None] = lambda _picker: None,
    set_attachment_picker: Callable[[Callable[[], list[str]]], None] = lambda _picker: None,
    on_fatal: Callable[[Callable[[], None]], None] = lambda _stop: None,
    answer_knocks: Callable[[Callable[[], str]], None] = lambda _answer: None,
    self_test: SelfTest | None = None,
    debug: bool = False,
) -> int:
    """Open the window and block until it closes; returns the process exit code.

    ``on_fatal`` is given a function that closes the window (the services died);
    ``answer_knocks`` one that brings it to the front (a second launch on this data folder).
    """
    window: Any = webview.create_window(
        WINDOW_TITLE, url=url, js_api=api, width=1200, height=820, min_size=(720, 480)
    )
    set_file_picker(gguf_picker(window))
    set_attachment_picker(attachment_picker(window))
    outcome = {"code": 0}

    minimized = threading.Event()
    window.events.minimized += minimized.set
    window.events.restored += minimized.clear
    window.events.maximized += minimized.clear

    def come_forward() -> str:
        print("LlamaDesk: launched again on this data folder; bringing the window to the front.")
        if minimized.is_set():
            window.restore()
        window.on_top = True  # raising a window the desktop may not let us focus
        window.on_top = False
        return "window"

    def on_loaded() -> None:
        attach_events(WindowTarget(window))
        answer_knocks(come_forward)
        if self_test is not None:
            threading.Thread(target=drive_self_test, name="self-test", daemon=True).start()
        # Closed only once loaded: pywebview injects the js_api while the page loads, from a
        # thread the process waits for at exit, and a window closed before that script ran
        # never answers it (the app hung after its error, 1 start in ~40).
        on_fatal(window.destroy)

    def drive_self_test() -> None:
        assert self_test is not None
        outcome["code"] = 0 if self_test.run(window).ok else 1

    closed_view: list[Any] = []

    def on_closing() -> None:  # on Qt's GUI thread, while the view is still registered
        from webview.platforms.qt import BrowserView  # noqa: PLC0415 - Qt is up by now

        attach_events(None)
        closed_view[:] = [BrowserView.instances.get(window.uid)]

    window.events.loaded += on_loaded
    window.events.closing += on_closing
    undo_signals = on_termination(lambda _signum: window.destroy())
    try:
        webview.start(gui="qt", debug=debug, private_mode=True)
    finally:
        undo_signals()
        attach_events(None)
        for view in closed_view:
            release_stranded_scripts(view)
    return outcome["code"]


def release_stranded_scripts(view: Any) -> None:
    """Let go of every script still waiting for the closed window's answer.

    pywebview's Qt backend runs a script (a command's result, its js_api injection) by waiting
    on a semaphore the page's answer releases. A script sent as the window closed is never
    answered, and its thread, not a daemon, kept the process alive after the window was gone.
    Once the GUI loop is over nothing will answer them: each gets an empty result.
    """
    if view is None:
        return
    for pending in list(view._js_results.values()):
        pending["semaphore"].release()


def built_spa(frontend: Path) -> str:
    """The built SPA's index page; NotFound names the build command when it is missing."""
    index = frontend / "build" / "index.html"
    if not index.exists():
        raise NotFound(
            f"{index} is missing: build the frontend with `python build.py run` "
            "(or `npm -w frontend run build`)."
        )
    return os.fspath(index)
