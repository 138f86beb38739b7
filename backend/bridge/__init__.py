"""The bridge between the page and the backend: commands in, events out.

A command is one async method of a handlers class (``app.CommandHandlers``); ``commands_of``
reads the registry off it, and everything below serves exactly those commands.

- ``_registry``: ``commands_of`` and ``CommandSpec``, the commands read off the handlers.
- ``_dispatch``: ``CommandDispatcher`` validates arguments and runs a command on the event loop.
- ``_envelope``: outcomes as JSON-safe ``{"ok": ...}`` envelopes.
- ``_api``: ``LlamaDeskApi``, pywebview's ``js_api``: one public method per command.
- ``_http``: browser mode, the same commands over HTTP and events over SSE (``EventHub``).
- ``_spa``: ``SpaAssets``, browser mode's built SPA, read once and served from memory.
- ``_events``: ``EventPump`` coalesces events and pushes them to the page (``WindowTarget``).
- ``_schema``: ``contract_schema``, the JSON schema the TypeScript types are generated from.
"""

from ._api import LlamaDeskApi
from ._dispatch import CommandDispatcher
from ._events import EventPump, EventTarget, WindowTarget, events_script
from ._http import LOOPBACK_NAMES, EventHub, create_http_app, is_loopback
from ._registry import Commands, CommandSpec, commands_of
from ._schema import contract_schema

__all__ = [
    "CommandDispatcher",
    "CommandSpec",
    "Commands",
    "EventHub",
    "EventPump",
    "EventTarget",
    "LOOPBACK_NAMES",
    "LlamaDeskApi",
    "WindowTarget",
    "commands_of",
    "contract_schema",
    "create_http_app",
    "events_script",
    "is_loopback",
]
