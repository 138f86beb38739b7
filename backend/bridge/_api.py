"""The ``js_api`` object: one public method per command, and nothing else public.

pywebview exposes every public attribute of this object to the page as
``window.pywebview.api.<name>(params)``. Each method takes one object of keyword arguments and
returns an envelope (see ``_envelope``). The window and the dispatcher are private: a public
window would hand the page ``evaluate_js``, ``destroy`` and friends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidArgument
from ._commands import COMMANDS
from ._dispatch import CommandDispatcher
from ._envelope import failure

__all__ = ["LlamaDeskApi"]

_Method = Callable[..., dict[str, Any]]


def _command(name: str) -> _Method:
    def method(self: LlamaDeskApi, params: object = None, *extra: object) -> dict[str, Any]:
        if extra:
            return failure(InvalidArgument(f"{name} takes one object of keyword arguments."))
        return self._dispatcher.call(name, params)

    method.__name__ = name
    method.__doc__ = f"Bridge command ``{name}``: {COMMANDS[name].params.__doc__}"
    return method


class LlamaDeskApi:
    """The commands the page may call."""

    def __init__(self, dispatcher: CommandDispatcher) -> None:
        self._dispatcher = dispatcher

    send_chat_message = _command("send_chat_message")
    send_chat_message_stream = _command("send_chat_message_stream")
    stop_generation = _command("stop_generation")
    regenerate_message = _command("regenerate_message")
    continue_message = _command("continue_message")
    edit_message = _command("edit_message")
    select_branch = _command("select_branch")
    delete_message = _command("delete_message")
    list_conversations = _command("list_conversations")
    get_conversation = _command("get_conversation")
    create_conversation = _command("create_conversation")
    rename_conversation = _command("rename_conversation")
    delete_conversation = _command("delete_conversation")
    clear_conversation = _command("clear_conversation")
    pin_conversation = _command("pin_conversation")
    search_conversations = _command("search_conversations")
    export_conversations = _command("export_conversations")
    import_conversations = _command("import_conversations")
    get_config = _command("get_config")
    save_config = _command("save_config")
    list_models = _command("list_models")
    refresh_models = _command("refresh_models")
    select_model = _command("select_model")
    add_model_file = _command("add_model_file")
    remove_model = _command("remove_model")
    unload_model = _command("unload_model")
    pick_model_file = _command("pick_model_file")
    get_model_settings = _command("get_model_settings")
    save_model_settings = _command("save_model_settings")
    download_model = _command("download_model")
    cancel_download = _command("cancel_download")
    list_downloads = _command("list_downloads")
    clear_finished_downloads = _command("clear_finished_downloads")
    get_server_status = _command("get_server_status")
    start_server = _command("start_server")
    stop_server = _command("stop_server")
    restart_server = _command("restart_server")
    get_server_logs = _command("get_server_logs")
    get_server_defaults = _command("get_server_defaults")
    open_external = _command("open_external")
