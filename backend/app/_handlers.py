"""The bridge commands, each a thin call into one service.

Arguments arrive validated (see ``bridge._commands``); results are contract models. Nothing here
decides anything: it only routes, so each service stays testable on its own.
"""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable
from pathlib import Path

import anyio

from ..bridge._commands import (
    AddModelFileParams,
    ConversationRef,
    CreateConversationParams,
    Deleted,
    DownloadModelParams,
    DownloadRef,
    EditMessageParams,
    EmptyParams,
    ExportParams,
    ImportParams,
    LogsParams,
    MessageRef,
    ModelRef,
    Opened,
    OpenExternalParams,
    PickedFile,
    PinConversationParams,
    RemoveModelParams,
    RenameConversationParams,
    SaveConfigParams,
    SaveModelSettingsParams,
    SearchParams,
    SelectModelParams,
    SendMessageParams,
    Stopped,
)
from ..contract import (
    ConfigView,
    Conversation,
    ConversationSummary,
    DownloadInfo,
    ExportResult,
    ImportResult,
    Message,
    ModelInfo,
    ModelSettings,
    SaveConfigResult,
    SearchHit,
    ServerDefaults,
    ServerLogs,
    ServerStatus,
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

__all__ = ["CommandHandlers"]

log = logging.getLogger(__name__)


def _check_binary(path: Path) -> None:
    try:
        verify_engine(path, "settings")
    except EngineError as exc:
        field = FieldError("engine.server_binary", exc.message)
        raise ConfigError(exc.message, detail=exc.detail, fields=[field]) from exc


FilePicker = Callable[[], str | None]
"""Shows the desktop's file dialog for a GGUF and returns the chosen path (None: cancelled)."""


class CommandHandlers:
    """One async method per bridge command.

    ``file_picker`` returns the window's file dialog once a window exists (None in browser
    mode, where the page asks for a typed path instead).
    """

    def __init__(
        self, services: Services, file_picker: Callable[[], FilePicker | None] = lambda: None
    ) -> None:
        self._s = services
        self._file_picker = file_picker

    # -- chat ---------------------------------------------------------------------------------
    async def send_chat_message(self, p: SendMessageParams) -> Message:
        """Answer a message and return the finished assistant message."""
        return await self._s.chat.handle_user_message(p.conversation_id, p.content)

    async def send_chat_message_stream(self, p: SendMessageParams) -> StreamStarted:
        """Start answering; text follows as stream events."""
        return await self._s.chat.handle_user_message_stream(p.conversation_id, p.content)

    async def stop_generation(self, p: ConversationRef) -> Stopped:
        """Stop the conversation's running answer, keeping its text."""
        return Stopped(stopped=await self._s.chat.stop(p.conversation_id))

    async def regenerate_message(self, p: MessageRef) -> StreamStarted:
        """A new answer beside an existing one."""
        return await self._s.chat.regenerate(p.message_id)

    async def continue_message(self, p: MessageRef) -> StreamStarted:
        """Continue a cut answer."""
        return await self._s.chat.continue_(p.message_id)

    async def edit_message(self, p: EditMessageParams) -> StreamStarted:
        """A new version of a user message, answered."""
        return await self._s.chat.edit(p.message_id, p.content)

    async def select_branch(self, p: MessageRef) -> Conversation:
        """Show the branch through this message."""
        return await self._s.chat.select_branch(p.message_id)

    async def delete_message(self, p: MessageRef) -> Conversation:
        """Delete a message and everything after it on its branch."""
        return await self._s.chat.delete_message(p.message_id)

    # -- conversations ------------------------------------------------------------------------
    async def list_conversations(self, p: EmptyParams) -> list[ConversationSummary]:
        """Every conversation, newest first."""
        return await self._s.chat.list_conversations()

    async def get_conversation(self, p: ConversationRef) -> Conversation:
        """One conversation with its active branch."""
        return await self._s.chat.get_conversation(p.conversation_id)

    async def create_conversation(self, p: CreateConversationParams) -> Conversation:
        """A new, empty conversation."""
        return await self._s.chat.create_conversation(p.title)

    async def rename_conversation(self, p: RenameConversationParams) -> ConversationSummary:
        """Give a conversation a title."""
        return await self._s.chat.rename(p.conversation_id, p.title)

    async def delete_conversation(self, p: ConversationRef) -> Deleted:
        """Delete a conversation and its messages."""
        return Deleted(deleted=await self._s.chat.delete_conversation(p.conversation_id))

    async def clear_conversation(self, p: ConversationRef) -> Conversation:
        """Remove every message of a conversation."""
        return await self._s.chat.clear_conversation(p.conversation_id)

    async def pin_conversation(self, p: PinConversationParams) -> ConversationSummary:
        """Pin or unpin a conversation."""
        return await self._s.chat.pin(p.conversation_id, p.pinned)

    async def search_conversations(self, p: SearchParams) -> list[SearchHit]:
        """Full-text search over titles and messages."""
        return await self._s.chat.search(p.query, p.limit)

    async def export_conversations(self, p: ExportParams) -> ExportResult:
        """Export conversations as JSON or Markdown."""
        return await self._s.chat.export(p.conversation_ids, p.format)

    async def import_conversations(self, p: ImportParams) -> ImportResult:
        """Import a JSON export; never overwrites."""
        return await self._s.chat.import_(p.data)

    # -- settings -----------------------------------------------------------------------------
    async def get_config(self, p: EmptyParams) -> ConfigView:
        """Effective settings, their sources and the form schema."""
        return self._s.config.view()

    async def save_config(self, p: SaveConfigParams) -> SaveConfigResult:
        """Validate and save a partial settings update (file I/O off the loop).

        A server binary is proved to be llama-server before it is saved, not at the next launch.
        """
        engine = p.config.get("engine")
        binary = engine.get("server_binary") if isinstance(engine, dict) else None
        if isinstance(binary, str) and binary:
            await anyio.to_thread.run_sync(_check_binary, Path(binary))
        return await anyio.to_thread.run_sync(self._s.config.save, p.config)

    # -- models -------------------------------------------------------------------------------
    async def list_models(self, p: EmptyParams) -> list[ModelInfo]:
        """The models the app can load."""
        return self._s.model_infos()

    async def refresh_models(self, p: EmptyParams) -> list[ModelInfo]:
        """Rescan the model folders."""
        await anyio.to_thread.run_sync(self._s.models.refresh)
        return self._s.model_infos()

    async def select_model(self, p: SelectModelParams) -> ModelInfo:
        """Load another model: the server restarts on it (a router loads it alongside).

        When the new model does not come up, the previous one is selected (and started again),
        and the error says why the new one failed: a bad pick never leaves the app modelless.
        """
        model = self._s.models.get(p.model_id)
        if model.error is not None:
            raise ModelError(f"{model.name} cannot be loaded: {model.error}")
        engine = self._s.config.settings.engine
        previous = self._s.models.selected(engine)
        back = previous.name if previous is not None else "The previous model"
        router = self._s.monitor.is_router and engine.router_mode
        await self._save_model(None if model.is_default else model.path)
        try:
            if router:
                await self._s.monitor.select(model.id)
            else:
                await self._restart()
        except LlamaDeskError as exc:
            await self._save_model(engine.model)
            if router:
                raise ModelError(
                    f"{model.name} failed to load: {exc.message} {back} stays selected.",
                    detail=exc.detail,
                ) from exc
            await self._s.monitor.restart()
            raise ModelError(
                f"{model.name} failed to load: {exc.message} {back} is loaded again.",
                detail=exc.detail,
            ) from exc
        return self._model_info(model.id)

    async def unload_model(self, p: ModelRef) -> list[ModelInfo]:
        """Free a loaded model's memory; the next message to it loads it again."""
        model = self._s.models.get(p.model_id)
        if self._s.monitor.is_router:
            await self._s.monitor.unload(model.id)
        else:
            selected = self._s.models.selected(self._s.config.settings.engine)
            if selected is not None and selected.id == model.id:
                await self._save_slot_caches()
                await self._s.monitor.stop(unload=True)
        return self._s.model_infos()

    async def pick_model_file(self, p: EmptyParams) -> PickedFile:
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
        await anyio.to_thread.run_sync(self._s.config.save, {"engine": {"model": model}})

    async def add_model_file(self, p: AddModelFileParams) -> ModelInfo:
        """List a GGUF file where it lies (no copy)."""
        model = await anyio.to_thread.run_sync(self._s.models.link, Path(p.path))
        return self._model_info(model.id)

    async def remove_model(self, p: RemoveModelParams) -> list[ModelInfo]:
        """Take a model off the list (deleting its file on request); not the loaded one."""
        selected = self._s.models.selected(self._s.config.settings.engine)
        if selected is not None and selected.id == p.model_id:
            raise Conflict(f"{selected.name} is loaded; select another model before removing it.")
        if self._s.monitor.model_states().get(p.model_id) in ("loaded", "loading"):
            await self._s.monitor.unload(p.model_id)  # a router may still hold it
        await anyio.to_thread.run_sync(
            lambda: self._s.models.remove(p.model_id, delete_file=p.delete_file)
        )
        return self._s.model_infos()

    async def get_model_settings(self, p: ModelRef) -> ModelSettings:
        """A model's load settings (null fields inherit the engine's)."""
        return self._s.models.load_settings(p.model_id)

    async def save_model_settings(self, p: SaveModelSettingsParams) -> ModelSettings:
        """Save a model's load settings; they apply when it next (re)starts."""
        values = p.settings.model_dump()
        return await anyio.to_thread.run_sync(self._s.models.save_settings, p.model_id, values)

    def _model_info(self, model_id: str) -> ModelInfo:
        return next(info for info in self._s.model_infos() if info.id == model_id)

    # -- downloads ----------------------------------------------------------------------------
    async def download_model(self, p: DownloadModelParams) -> DownloadInfo:
        """Start downloading a GGUF, or resume a paused or failed one; progress follows."""
        state = self._s.downloads.start(p.url, filename=p.filename, sha256=p.sha256)
        return state.info()

    async def cancel_download(self, p: DownloadRef) -> list[DownloadInfo]:
        """Stop a download and delete its partial file; the remaining downloads."""
        await self._s.downloads.cancel_and_wait(p.download_id)
        return await self.list_downloads(EmptyParams())

    async def list_downloads(self, p: EmptyParams) -> list[DownloadInfo]:
        """Running, paused, failed and finished downloads."""
        return [state.info() for state in self._s.downloads.list_downloads()]

    async def clear_finished_downloads(self, p: EmptyParams) -> list[DownloadInfo]:
        """Take finished downloads off the list; their models stay."""
        return [state.info() for state in self._s.downloads.clear_finished()]

    # -- server -------------------------------------------------------------------------------
    async def get_server_status(self, p: EmptyParams) -> ServerStatus:
        """The server's state."""
        return self._s.monitor.status()

    async def start_server(self, p: EmptyParams) -> ServerStatus:
        """Start the server if it is stopped or failed."""
        return await self._s.monitor.start()

    async def stop_server(self, p: EmptyParams) -> ServerStatus:
        """Stop the server."""
        return await self._s.monitor.stop()

    async def restart_server(self, p: EmptyParams) -> ServerStatus:
        """Restart the server (e.g. after a setting that needs it)."""
        return await self._restart()

    async def _restart(self) -> ServerStatus:
        """Save the conversations' KV caches while the server still runs, then restart it."""
        await self._save_slot_caches()
        return await self._s.monitor.restart()

    async def _save_slot_caches(self) -> None:
        try:
            await self._s.chat.slots.save_all()
        except ServerError as exc:
            log.warning("Could not save slot caches before stopping the server: %s", exc.message)

    async def get_server_defaults(self, p: EmptyParams) -> ServerDefaults | None:
        """llama-server's sampling defaults, or None while it is not ready (asking never loads a
        model that was unloaded)."""
        if self._s.monitor.status().state != "ready":
            return None
        return parse_server_defaults(await self._s.chat.adapter.props())

    async def get_server_logs(self, p: LogsParams) -> ServerLogs:
        """The server's last log lines."""
        return ServerLogs(lines=self._s.monitor.logs(p.lines))

    # -- desktop ------------------------------------------------------------------------------
    async def open_external(self, p: OpenExternalParams) -> Opened:
        """Open a link in the system browser; the window itself never leaves the app."""
        return Opened(opened=await anyio.to_thread.run_sync(webbrowser.open, p.url))
