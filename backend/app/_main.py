"""Start LlamaDesk: settings, the runtime, then the window or browser mode."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

from ..config import ConfigService
from ..errors import InternalError
from ..paths import AppPaths
from ._browser import BrowserOptions, serve_browser
from ._display import (
    NO_DISPLAY_MESSAGE,
    draws_in_software,
    has_display,
    has_gpu_device,
    prepare_qt_environment,
)
from ._fatal import as_app_error
from ._instance import SingleInstance, knock
from ._runtime import AppRuntime
from ._selftest import SelfTest, SelfTestOptions
from ._window import built_spa, run_window

__all__ = ["FRONTEND_BUILD", "run_app"]

FRONTEND_BUILD = Path(__file__).resolve().parents[2] / "frontend" / "build"


def run_app(
    paths: AppPaths,
    *,
    overrides: Mapping[str, object],
    dev_url: str | None,
    browser: BrowserOptions | None,
    self_test: SelfTestOptions | None,
    debug: bool,
) -> int:
    """Run until the window closes (or browser mode is stopped); returns the exit code.

    A start that fails, or services that stop by themselves, raise one ``LlamaDeskError``. A
    second launch on the same data folder brings the first forward and returns 0 (``_instance``).
    """
    if browser is not None:
        browser.check()
    if browser is None and not has_display(os.environ):
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    url = dev_url or built_spa(FRONTEND_BUILD.parent)
    instance = SingleInstance(paths)
    if not instance.acquire():
        return _already_running(instance)
    config = ConfigService(paths, cli=overrides)
    for warning in config.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    try:
        # The window opens while the services start (see _runtime); browser mode waits for them.
        with instance, AppRuntime(paths, config, background=browser is None) as runtime:
            if browser is not None:
                code = serve_browser(runtime, FRONTEND_BUILD, browser, instance.answer_with)
            else:
                rendering = config.settings.appearance.window_rendering
                software = draws_in_software(rendering, gpu=has_gpu_device())
                code = _window(
                    runtime, url, self_test, instance.answer_with, software=software, debug=debug
                )
    except Exception as exc:
        error = as_app_error(exc)
        if isinstance(error, InternalError):
            traceback.print_exception(exc)
        raise error from exc
    if runtime.fatal is not None:
        raise runtime.fatal
    return code


def _already_running(instance: SingleInstance) -> int:
    """A second launch on the same data folder: bring the first forward, say where it is."""
    reply = knock(instance)
    if reply.startswith("url "):
        print(f"LlamaDesk is already running at {reply.removeprefix('url ')}")
    elif reply == "window":
        print("LlamaDesk is already running on this data folder; its window is in front now.")
    else:
        print("LlamaDesk is already starting on this data folder.")
    return 0


def _window(
    runtime: AppRuntime,
    url: str,
    self_test: SelfTestOptions | None,
    answer_knocks: Callable[[Callable[[], str]], None],
    *,
    software: bool,
    debug: bool,
) -> int:
    prepare_qt_environment(os.environ, is_root=os.geteuid() == 0, software=software)
    test = SelfTest(self_test, runtime.server_ready) if self_test else None
    return run_window(
        url,
        runtime.api,
        runtime.attach,
        set_file_picker=runtime.use_file_picker,
        set_attachment_picker=runtime.use_attachment_picker,
        on_fatal=runtime.on_fatal,
        answer_knocks=answer_knocks,
        self_test=test,
        debug=debug,
    )
