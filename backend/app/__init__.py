"""Wiring: the services behind the bridge, the commands, the window, browser mode, the self-test.

- ``_handlers``: ``CommandHandlers``, one thin async method per bridge command by topic, and
  ``COMMANDS``, the registry read off them (add a command here, then ``python build.py types``).
- ``_services``: ``open_services`` starts and stops the services in order.
- ``_runtime``: ``AppRuntime``, the event-loop thread, the dispatcher and where events go.
- ``_main``: ``run_app``, settings, the runtime, then the window or browser mode.
- ``_window``: the pywebview window; ``_display``: whether a window can be shown here, and
  whether it draws in software; ``_pace``: how often streamed text is pushed.
- ``_browser``: browser mode (HTTP + SSE); ``_signals``: SIGTERM/Ctrl-C close the window.
- ``_selftest``: ``--self-test``, drives the real window like a person.
- ``_instance``: one app per data folder (``SingleInstance``); a second launch calls ``knock``.
- ``_fatal``: the one message for a start that fails or services that die.
"""

from ._browser import BrowserOptions
from ._display import draws_in_software, has_gpu_device, prepare_qt_environment
from ._handlers import COMMANDS, CommandHandlers
from ._instance import SingleInstance, knock
from ._main import run_app
from ._pace import cores_shared, stream_flush_ms
from ._selftest import SelfTestOptions
from ._window import release_stranded_scripts

__all__ = [
    "BrowserOptions",
    "COMMANDS",
    "CommandHandlers",
    "SelfTestOptions",
    "SingleInstance",
    "cores_shared",
    "draws_in_software",
    "has_gpu_device",
    "knock",
    "prepare_qt_environment",
    "release_stranded_scripts",
    "run_app",
    "stream_flush_ms",
]
