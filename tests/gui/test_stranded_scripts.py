"""A script sent to the window as it closes must not keep the process alive."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from webview.platforms.qt import BrowserView

from backend.app import release_stranded_scripts
from tests.waiting import wait_until


def test_a_script_the_closed_window_never_answered_is_let_go() -> None:
    # pywebview's own Qt evaluate_js on a view whose window is gone: the signal goes nowhere,
    # as when the window closed just after the script was sent.
    view = SimpleNamespace(
        _js_results={}, evaluate_js_trigger=SimpleNamespace(emit=lambda *_args: None)
    )
    answers: list[object] = []

    def run_script() -> None:
        evaluate_js: Any = BrowserView.evaluate_js
        answers.append(evaluate_js(view, "document.title", False))

    waiting = threading.Thread(target=run_script)
    waiting.start()
    wait_until(lambda: view._js_results, message="the script never waited for its answer")
    release_stranded_scripts(view)
    waiting.join(5)

    assert not waiting.is_alive()
    assert answers == [""]
    assert view._js_results == {}
