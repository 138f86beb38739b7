"""The bridge commands, each a thin call into one service, and ``COMMANDS`` read off them.

A command is declared once, here: a public ``async def name(self, params: SomeParams) ->
Result`` with a docstring in the class of its topic (``ChatCommands``, ``ModelCommands``, ...;
``CommandHandlers`` joins them), its params and result types in ``backend.contract``. ``COMMANDS``
(``bridge.commands_of``) turns the methods into the registry that the js_api object, browser mode
and the TypeScript types (``python build.py types``) are built from. Arguments arrive validated;
results are contract models. Nothing here decides anything: it only routes, so each service stays
testable on its own. Helpers are private (a leading underscore), or they would become commands.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable
from pathlib import Path

import anyio

from ..bridge import commands_of
from ..contract import (
    AddModelFileParams,
    ConfigView,
    Conversation,
    ConversationRef,
    ConversationSummary,
    CreateConversationParams,
    Deleted,
    DownloadInfo,
    DownloadModelParams,
    DownloadRef,
    EditMessageParams,
    EmptyParams,
    ExportParams,
    ExportResult,
    ImportParams,
    ImportResult,
    LogsParams,
    Message,
    MessageRef,
    ModelInfo,
    ModelRef,
    ModelSettings,
    Opened,
    OpenExternalParams,
    PickedFile,
    PinConversationParams,
    RemoveModelParams,
    RenameConversationParams,
    SaveConfigParams,
    SaveConfigResult,
    SaveModelSettingsParams,
    SearchHit,
    SearchParams,
    SelectModelParams,
    SendMessageParams,
    ServerDefaults,
    ServerLogs,
    ServerStatus,
    Stopped,
    StreamStarted,
)
from ..engine import verify_engine
from ..errors import (
    ConfigError,
    Conflict,
    EngineError,
    FieldError,
    LlamaDeskError,
    ModelError,
    ServerError,
)
from ..llama import parse_server_defaults
from ._services import Services

__all__ = ["COMMANDS", "CommandHandlers", "FilePicker"]

log = logging.getLogger(__name__)


def _check_binary(path: Path) -> None:
    try:
        verify_engine(path, "settings")
    except EngineError as exc:
        field = FieldError("engine.server_binary", exc.message)
        raise ConfigError(exc.message, detail=exc.detail, fields=[field]) from exc


FilePicker = Callable[[], str | None]
"""Shows the desktop's file dialog for a GGUF and returns the chosen path (None: cancelled)."""


class _Handlers:
    """What every group of commands shares: the services, and the window's file dialog.

    ``file_picker`` returns the window's file dialog once a window exists (None in browser
    mode, where the page asks for a typed path instead).
    """

    def __init__(
        self, services: Services, file_picker: Callable[[], FilePicker | None] = lambda: None
    ) -> None:
        self._services = services
        self._file_picker = file_picker

    async def _restart(self) -> ServerStatus:
        """Save the conversations' KV caches while the server still runs, then restart it."""
        await self._save_slot_caches()
        return await self._services.monitor.restart()

    async def _save_slot_caches(self) -> None:
        try:
            await self._services.chat.slots.save_all()
        except ServerError as exc:
            log.warning("Could not save slot caches before stopping the server: %s", exc.message)


class ChatCommands(_Handlers):
    """Sending, stopping, regenerating, continuing and editing answers."""

    async def send_chat_message(self, params: SendMessageParams) -> Message:
        """Answer a message and return the finished assistant message."""
        return await self._services.chat.handle_user_message(params.conversation_id, params.content)

    async def send_chat_message_stream(self, params: SendMessageParams) -> StreamStarted:
        """Start answering; text follows as stream events."""
        return await self._services.chat.handle_user_message_stream(
            params.conversation_id, params.content
        )

    async def stop_generation(self, params: ConversationRef) -> Stopped:
        """Stop the conversation's running answer, keeping its text."""
        return Stopped(stopped=await self._services.chat.stop(params.conversation_id))

    async def regenerate_message(self, params: MessageRef) -> StreamStarted:
        """A new answer beside an existing one."""
        return await self._services.chat.regenerate(params.message_id)

    async def continue_message(self, params: MessageRef) -> StreamStarted:
        """Continue a cut answer."""
        return await self._services.chat.continue_(params.message_id)

    async def edit_message(self, params: EditMessageParams) -> StreamStarted:
        """A new version of a user message, answered."""
        return await self._services.chat.edit(params.message_id, params.content)

    async def select_branch(self, params: MessageRef) -> Conversation:
        """Show the branch through this message."""
        return await self._services.chat.select_branch(params.message_id)

    async def delete_message(self, params: MessageRef) -> Conversation:
        """Delete a message and everything after it on its branch."""
        return await self._services.chat.delete_message(params.message_id)


class ConversationCommands(_Handlers):
    """The conversation list: create, rename, pin, search, delete, export, import."""

    async def list_conversations(self, params: EmptyParams) -> list[ConversationSummary]:
        """Every conversation, newest first."""
        return await self._services.chat.list_conversations()

    async def get_conversation(self, params: ConversationRef) -> Conversation:
        """One conversation with its active branch."""
        return await self._services.chat.get_conversation(params.conversation_id)

    async def create_conversation(self, params: CreateConversationParams) -> Conversation:
        """A new, empty conversation."""
        return await self._services.chat.create_conversation(params.title)

    async def rename_conversation(self, params: RenameConversationParams) -> ConversationSummary:
        """Give a conversation a title."""
        return await self._services.chat.rename(params.conversation_id, params.title)

    async def delete_conversation(self, params: ConversationRef) -> Deleted:
        """Delete a conversation and its messages."""
        return Deleted(
            deleted=await self._services.chat.delete_conversation(params.conversation_id)
        )

    async def clear_conversation(self, params: ConversationRef) -> Conversation:
        """Remove every message of a conversation."""
        return await self._services.chat.clear_conversation(params.conversation_id)

    async def pin_conversation(self, params: PinConversationParams) -> ConversationSummary:
        """Pin or unpin a conversation."""
        return await self._services.chat.pin(params.conversation_id, params.pinned)

    async def search_conversations(self, params: SearchParams) -> list[SearchHit]:
        """Full-text search over titles and messages."""
        return await self._services.chat.search(params.query, params.limit)

    async def export_conversations(self, params: ExportParams) -> ExportResult:
        """Export conversations as JSON or Markdown."""
        return await self._services.chat.export(params.conversation_ids, params.format)

    async def import_conversations(self, params: ImportParams) -> ImportResult:
        """Import a JSON export; never overwrites."""
        return await self._services.chat.import_(params.data)


class SettingsCommands(_Handlers):
    """The settings page: read and save settings."""

    async def get_config(self, params: EmptyParams) -> ConfigView:
        """Effective settings, their sources and the form schema."""
        return self._services.config.view()

    async def save_config(self, params: SaveConfigParams) -> SaveConfigResult:
        """Validate and save a partial settings update (file I/O off the loop).

        A server binary is proved to be llama-server before it is saved, not at the next launch.
        """
        engine = params.config.get("engine")
        binary = engine.get("server_binary") if isinstance(engine, dict) else None
        if isinstance(binary, str) and binary:
            await anyio.to_thread.run_sync(_check_binary, Path(binary))
        return await anyio.to_thread.run_sync(self._services.config.save, params.config)


class ModelCommands(_Handlers):
    """The model list: select, unload, add, remove, and each model's load settings."""

    async def list_models(self, params: EmptyParams) -> list[ModelInfo]:
        """The models the app can load."""
        return self._services.model_infos()

    async def refresh_models(self, params: EmptyParams) -> list[ModelInfo]:
        """Rescan the model folders."""
        await anyio.to_thread.run_sync(self._services.models.refresh)
        return self._services.model_infos()

    async def select_model(self, params: SelectModelParams) -> ModelInfo:
        """Load another model: the server restarts on it (a router loads it alongside).

        When the new model does not come up, the previous one is selected (and started again),
        and the error says why the new one failed: a bad pick never leaves the app modelless.
        """
        model = self._services.models.get(params.model_id)
        if model.error is not None:
            raise ModelError(f"{model.name} cannot be loaded: {model.error}")
        engine = self._services.config.settings.engine
        previous = self._services.models.selected(engine)
        back = previous.name if previous is not None else "The previous model"
        router = self._services.monitor.is_router and engine.router_mode
        await self._save_model(None if model.is_default else model.path)
        try:
            if router:
                await self._services.monitor.select(model.id)
            else:
                await self._restart()
        except LlamaDeskError as exc:
            await self._save_model(engine.model)
            if router:
                raise ModelError(
                    f"{model.name} failed to load: {exc.message} {back} stays selected.",
                    detail=exc.detail,
                ) from exc
            await self._services.monitor.restart()
            raise ModelError(
                f"{model.name} failed to load: {exc.message} {back} is loaded again.",
                detail=exc.detail,
            ) from exc
        return self._model_info(model.id)

    async def unload_model(self, params: ModelRef) -> list[ModelInfo]:
        """Free a loaded model's memory; the next message to it loads it again."""
        model = self._services.models.get(params.model_id)
        if self._services.monitor.is_router:
            await self._services.monitor.unload(model.id)
        else:
            selected = self._services.models.selected(self._services.config.settings.engine)
            if selected is not None and selected.id == model.id:
                await self._save_slot_caches()
                await self._services.monitor.stop(unload=True)
        return self._services.model_infos()

    async def pick_model_file(self, params: EmptyParams) -> PickedFile:
        """Ask for a GGUF file with the desktop's file dialog."""
        picker = self._file_picker()
        if picker is None:
            raise Conflict(
                "There is no file dialog in browser mode.",
                detail="Type or paste the model file's full path instead.",
            )
        return PickedFile(path=await anyio.to_thread.run_sync(picker))

    async def _save_model(self, path: Path | None) -> None:
        model = None if path is None else str(path)
        await anyio.to_thread.run_sync(self._services.config.save, {"engine": {"model": model}})

    async def add_model_file(self, params: AddModelFileParams) -> ModelInfo:
        """List a GGUF file where it lies (no copy)."""
        model = await anyio.to_thread.run_sync(self._services.models.link, Path(params.path))
        return self._model_info(model.id)

    async def remove_model(self, params: RemoveModelParams) -> list[ModelInfo]:
        """Take a model off the list (deleting its file on request); not the loaded one."""
        selected = self._services.models.selected(self._services.config.settings.engine)
        if selected is not None and selected.id == params.model_id:
            raise Conflict(f"{selected.name} is loaded; select another model before removing it.")
        if self._services.monitor.model_states().get(params.model_id) in ("loaded", "loading"):
            await self._services.monitor.unload(params.model_id)  # a router may still hold it
        await anyio.to_thread.run_sync(
            lambda: self._services.models.remove(params.model_id, delete_file=params.delete_file)
        )
        return self._services.model_infos()

    async def get_model_settings(self, params: ModelRef) -> ModelSettings:
        """A model's load settings (null fields inherit the engine's)."""
        return self._services.models.load_settings(params.model_id)

    async def save_model_settings(self, params: SaveModelSettingsParams) -> ModelSettings:
        """Save a model's load settings; they apply when it next (re)starts."""
        values = params.settings.model_dump()
        return await anyio.to_thread.run_sync(
            self._services.models.save_settings, params.model_id, values
        )

    def _model_info(self, model_id: str) -> ModelInfo:
        return next(info for info in self._services.model_infos() if info.id == model_id)


class DownloadCommands(_Handlers):
    """Downloads into the models folder."""

    async def download_model(self, params: DownloadModelParams) -> DownloadInfo:
        """Start downloading a GGUF, or resume a paused or failed one; progress follows."""
        state = self._services.downloads.start(
            params.url, filename=params.filename, sha256=params.sha256
        )
        return state.info()

    async def cancel_download(self, params: DownloadRef) -> list[DownloadInfo]:
        """Stop a download and delete its partial file; the remaining downloads."""
        await self._services.downloads.cancel_and_wait(params.download_id)
        return await self.list_downloads(EmptyParams())

    async def list_downloads(self, params: EmptyParams) -> list[DownloadInfo]:
        """Running, paused, failed and finished downloads."""
        return [state.info() for state in self._services.downloads.list_downloads()]

    async def clear_finished_downloads(self, params: EmptyParams) -> list[DownloadInfo]:
        """Take finished downloads off the list; their models stay."""
        return [state.info() for state in self._services.downloads.clear_finished()]


class ServerCommands(_Handlers):
    """The llama-server process: status, start, stop, restart, defaults, log."""

    async def get_server_status(self, params: EmptyParams) -> ServerStatus:
        """The server's state."""
        return self._services.monitor.status()

    async def start_server(self, params: EmptyParams) -> ServerStatus:
        """Start the server if it is stopped or failed."""
        return await self._services.monitor.start()

    async def stop_server(self, params: EmptyParams) -> ServerStatus:
        """Stop the server."""
        return await self._services.monitor.stop()

    async def restart_server(self, params: EmptyParams) -> ServerStatus:
        """Restart the server (e.g. after a setting that needs it)."""
        return await self._restart()

    async def get_server_defaults(self, params: EmptyParams) -> ServerDefaults | None:
        """llama-server's sampling defaults, or None while it is not ready (asking never loads a
        model that was unloaded)."""
        if self._services.monitor.status().state != "ready":
            return None
        return parse_server_defaults(await self._services.chat.adapter.props())

    async def get_server_logs(self, params: LogsParams) -> ServerLogs:
        """The server's last log lines."""
        return ServerLogs(lines=self._services.monitor.logs(params.lines))


class DesktopCommands(_Handlers):
    """The desktop around the window."""

    async def open_external(self, params: OpenExternalParams) -> Opened:
        """Open a link in the system browser; the window itself never leaves the app."""
        return Opened(opened=await anyio.to_thread.run_sync(webbrowser.open, params.url))


class CommandHandlers(
    ChatCommands,
    ConversationCommands,
    SettingsCommands,
    ModelCommands,
    DownloadCommands,
    ServerCommands,
    DesktopCommands,
):
    """Every bridge command: one async method each, grouped by what they act on."""


COMMANDS = commands_of(CommandHandlers)
"""Every bridge command, read off ``CommandHandlers``."""
