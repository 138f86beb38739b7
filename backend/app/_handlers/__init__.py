"""The bridge commands, each a thin call into one service, and ``COMMANDS`` read off them.

A command is declared once: a public ``async def name(self, params: SomeParams) -> Result``
with a docstring, in the class of its topic; its params and result types live in
``backend.contract``. ``CommandHandlers`` joins the topic classes, and ``COMMANDS``
(``bridge.commands_of``) turns their methods into the registry that the js_api object, browser
mode and the TypeScript types (``python build.py types``) are built from. Arguments arrive
validated; results are contract models. Nothing here decides anything: it only routes, so each
service stays testable on its own. Helpers are private (a leading underscore), or they would
become commands.

- ``_base``: ``HandlerBase``, the services and the file dialogs every topic class shares.
- ``_attachments``: ``AttachmentCommands``, files attached to messages and their token counts.
- ``_chat``: ``ChatCommands`` (answers) and ``ConversationCommands`` (the conversation list).
- ``_queue``: ``QueueCommands``, the messages queued while an answer streams.
- ``_models``: ``ModelCommands`` (the model list, load settings) and ``DownloadCommands``.
- ``_server``: ``ServerCommands``, the llama-server process.
- ``_storage``: ``StorageCommands``, a damaged database recovered at start, the backups.
- ``_app``: ``SettingsCommands`` (the settings page) and ``DesktopCommands`` (opening links).
- ``_tools``: ``ToolCommands``, the MCP tool servers.
- ``_providers``: ``ProviderCommands``, remote providers, failover, a conversation's provider.
- ``_rpc``: ``RpcCommands``, the RPC workers' states and a check on demand.
- ``_local_api``: ``LocalApiCommands``, the OpenAI-compatible server's state and key.
"""

from ...bridge import commands_of
from ._app import DesktopCommands, SettingsCommands
from ._attachments import AttachmentCommands
from ._base import AttachmentPicker, FilePicker
from ._chat import ChatCommands, ConversationCommands
from ._local_api import LocalApiCommands
from ._models import DownloadCommands, ModelCommands
from ._providers import ProviderCommands
from ._queue import QueueCommands
from ._rpc import RpcCommands
from ._server import ServerCommands
from ._storage import StorageCommands, recovery_notice
from ._tools import ToolCommands

__all__ = [
    "AttachmentCommands",
    "AttachmentPicker",
    "COMMANDS",
    "ChatCommands",
    "CommandHandlers",
    "ConversationCommands",
    "DesktopCommands",
    "DownloadCommands",
    "FilePicker",
    "LocalApiCommands",
    "ModelCommands",
    "ProviderCommands",
    "QueueCommands",
    "RpcCommands",
    "ServerCommands",
    "SettingsCommands",
    "StorageCommands",
    "ToolCommands",
    "recovery_notice",
]


class CommandHandlers(
    ChatCommands,
    QueueCommands,
    AttachmentCommands,
    ConversationCommands,
    SettingsCommands,
    ModelCommands,
    DownloadCommands,
    ServerCommands,
    StorageCommands,
    ToolCommands,
    RpcCommands,
    ProviderCommands,
    LocalApiCommands,
    DesktopCommands,
):
    """Every bridge command: one async method each, grouped by what they act on."""


COMMANDS = commands_of(CommandHandlers)
"""Every bridge command, read off ``CommandHandlers``."""
