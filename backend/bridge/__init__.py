"""The bridge between the page and the backend: commands in, events out.

``LlamaDeskApi`` is pywebview's ``js_api``; ``CommandDispatcher`` validates and runs commands on
the event loop; ``EventPump`` coalesces events and pushes them to the page.
"""

from ._api import LlamaDeskApi
from ._commands import COMMANDS, CommandSpec
from ._dispatch import CommandDispatcher
from ._envelope import bridge_error, failure, success
from ._events import EventPump, EventTarget, WindowTarget, events_script
from ._http import EventHub, create_http_app
from ._schema import contract_schema

__all__ = [
    "COMMANDS",
    "CommandDispatcher",
    "CommandSpec",
    "EventHub",
    "EventPump",
    "EventTarget",
    "LlamaDeskApi",
    "WindowTarget",
    "bridge_error",
    "contract_schema",
    "create_http_app",
    "events_script",
    "failure",
    "success",
]
