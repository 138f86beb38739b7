"""The app behind any front end: an event loop thread, the services, the commands, the events.

The window (or browser mode) only needs ``api``/``dispatcher`` to call commands and ``attach`` to
choose where events go. Events emitted while nothing is attached are dropped: the page asks for
the current state when it loads, and attaching re-sends the server status so a page that loaded
during a state change still ends up right; so does a database recovery at start.

The window opens before the services are up (``background=True``): the database check, the
service stack's imports (the MCP SDK, gguf and numpy are most of the start-up's CPU time) and
llama-server's launch run on a helper thread while Qt starts and the page paints. Commands that
arrive meanwhile wait for the services, and attaching announces the state once they are up.

If the services stop by themselves (a background task failed, e.g. a write on a full disk), or
cannot start in the background, the front end is told through ``on_fatal`` and closes, and
``fatal`` holds the error to print: the app never keeps serving a page whose database is
already closed.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ..bridge import CommandDispatcher, EventPump, EventTarget, LlamaDeskApi
from ..config import ConfigService
from ..contract import DatabaseRecoveredEvent, ServerStatusEvent
from ..errors import InternalError, LlamaDeskError
from ..paths import AppPaths
from ._fatal import as_app_error
from ._handlers import COMMANDS, AttachmentPicker, CommandHandlers, FilePicker, recovery_notice
from ._pace import stream_flush_ms

if TYPE_CHECKING:
    from ._services import Services

__all__ = ["AppRuntime"]

_COMMAND_GRACE_S = 30.0


class _SwitchTarget:
    """Forwards events to whichever target is attached (or drops them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: EventTarget | None = None

    def set(self, target: EventTarget | None) -> None:
        with self._lock:
            self._target = target

    @property
    def attached(self) -> bool:
        with self._lock:
            return self._target is not None

    def deliver(self, events: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            target = self._target
        if target is not None:
            target.deliver(events)


class _WhenStarted:
    """The command handlers, once the services are up: each command waits for them first.

    Commands run on the loop; ``opened`` is set there when the start ended either way, and a
    start that failed fails every command with its error.
    """

    def __init__(self, runtime: AppRuntime) -> None:
        self._runtime = runtime
        self._handlers: CommandHandlers | None = None

    def __getattr__(self, name: str) -> Callable[[Any], Awaitable[Any]]:
        async def run(params: Any) -> Any:
            await self._runtime.opened.wait()
            if self._handlers is None:
                services = self._runtime.services_or_raise()
                self._handlers = CommandHandlers(
                    services, self._runtime.file_picker, self._runtime.attachment_picker
                )
            return await getattr(self._handlers, name)(params)

        run.__name__ = name
        return run


@asynccontextmanager
async def _watched(
    services: AbstractAsyncContextManager[Services], died: Callable[[BaseException], None]
) -> AsyncIterator[Services]:
    """``services``, reporting an exception from its exit (its tasks' failures) to ``died``."""
    try:
        async with services as running:
            yield running
    except Exception as exc:
        died(exc)
        raise


class AppRuntime:
    """Context manager owning the loop thread and the services.

    Entered, it has the services up (``background=False``, browser mode and the tests) or is
    opening them on a helper thread (``background=True``, the window).
    """

    services: Services
    """The running services (set once they are up)."""

    def __init__(self, paths: AppPaths, config: ConfigService, *, background: bool = False) -> None:
        self._paths = paths
        self._config = config
        self._background = background
        self._switch = _SwitchTarget()
        self._stack = ExitStack()
        self._file_picker: FilePicker | None = None
        self._attachment_picker: AttachmentPicker | None = None
        self._fatal_lock = threading.Lock()
        self._stop_front: Callable[[], None] | None = None
        self._start_error: BaseException | None = None
        self._up = False
        self._starter: threading.Thread | None = None
        self.fatal: LlamaDeskError | None = None
        """Why the services stopped by themselves (or could not start), if they did."""
        self.pump = EventPump(self._switch, flush_ms=stream_flush_ms(config.settings))

    def __enter__(self) -> AppRuntime:
        try:
            self.portal: BlockingPortal = self._stack.enter_context(
                start_blocking_portal("asyncio")
            )
            self.opened: anyio.Event = self.portal.call(anyio.Event)
            """Set on the loop when the services' start has ended, well or not."""
            timeout = self._config.settings.engine.request_timeout_s + _COMMAND_GRACE_S
            handlers = _WhenStarted(self)
            self.dispatcher = CommandDispatcher(COMMANDS, handlers, self.portal, timeout_s=timeout)
            self.api = LlamaDeskApi(self.dispatcher)
            self._stack.callback(
                self._config.subscribe(
                    lambda settings, _changed: self.pump.set_flush_ms(stream_flush_ms(settings))
                )
            )
            if self._background:
                self._starter = threading.Thread(
                    target=self._open_in_background, name="services-start", daemon=True
                )
                self._starter.start()
            else:
                self._open()
        except BaseException:
            self._close()
            raise
        return self

    def _open(self) -> None:
        """Open the services (this thread waits); raise what stopped them from starting."""
        from ._services import open_services  # noqa: PLC0415 - the heavy imports, off the GUI path

        services_cm = _watched(open_services(self._paths, self._config, self.pump.emit), self._died)
        try:
            services = self.portal.wrap_async_context_manager(services_cm)
            self.services = self._stack.enter_context(services)
        except BaseException as exc:
            self._start_error = exc
            raise
        finally:
            self.portal.call(self.opened.set)
        with self._fatal_lock:
            self._up = True
            announce = self._switch.attached
        if announce:
            self._announce()

    def _open_in_background(self) -> None:
        try:
            self._open()
        except Exception as exc:
            if isinstance(as_app_error(exc), InternalError):
                traceback.print_exception(exc)
            self._died(exc)

    def services_or_raise(self) -> Services:
        """The services, or what stopped them from starting (for commands that waited)."""
        if self._start_error is not None:
            raise as_app_error(self._start_error)
        return self.services

    def server_ready(self) -> bool:
        """True once the services are up and llama-server answers."""
        with self._fatal_lock:
            up = self._up
        return up and self.services.monitor.status().state == "ready"

    def on_fatal(self, stop: Callable[[], None]) -> None:
        """Have ``stop`` close the front end if the services die (at once if they have)."""
        with self._fatal_lock:
            self._stop_front = stop
            dead = self.fatal is not None
        if dead:
            stop()

    def _died(self, exc: BaseException) -> None:
        """The first error that stopped the services is the one to report."""
        with self._fatal_lock:
            if self.fatal is not None:
                return
            self.fatal = as_app_error(exc)
            stop = self._stop_front
        if stop is not None:
            stop()

    def file_picker(self) -> FilePicker | None:
        """The window's file dialog (None in browser mode)."""
        return self._file_picker

    def use_file_picker(self, picker: FilePicker) -> None:
        """Answer ``pick_model_file`` with the window's file dialog from now on."""
        self._file_picker = picker

    def attachment_picker(self) -> AttachmentPicker | None:
        """The window's file dialog for attachments (None in browser mode)."""
        return self._attachment_picker

    def use_attachment_picker(self, picker: AttachmentPicker) -> None:
        """Answer ``pick_attachments`` with the window's file dialog from now on."""
        self._attachment_picker = picker

    def attach(self, target: EventTarget | None) -> None:
        """Send events to ``target`` from now on (None: drop them).

        A target attached before the services are up hears the state once they are.
        """
        with self._fatal_lock:
            self._switch.set(target)
            announce = target is not None and self._up
        if announce:
            self._announce()

    def _announce(self) -> None:
        self.pump.emit(ServerStatusEvent(status=self.services.monitor.status()))
        recovery = recovery_notice(self.services)
        if recovery is not None:
            self.pump.emit(DatabaseRecoveredEvent(recovery=recovery))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()

    def _close(self) -> None:
        self._switch.set(None)
        if self._starter is not None:
            self._starter.join()
        try:
            self._stack.close()
        except Exception:
            if self.fatal is None:
                raise
        finally:
            self.pump.close()
