"""The app behind any front end: an event loop thread, the services, the commands, the events.

The window (or browser mode) only needs ``api``/``dispatcher`` to call commands and ``attach`` to
choose where events go. Events emitted while nothing is attached are dropped: the page asks for
the current state when it loads, and attaching re-sends the server status so a page that loaded
during a state change still ends up right; so does a database recovery at start.

If the services stop by themselves (a background task failed, e.g. a write on a full disk), the
front end is told through ``on_fatal`` and closes, and ``fatal`` holds the error to print: the app
never keeps serving a page whose database is already closed.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from types import TracebackType
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ..bridge import CommandDispatcher, EventPump, EventTarget, LlamaDeskApi
from ..config import ConfigService
from ..contract import DatabaseRecoveredEvent, ServerStatusEvent
from ..errors import LlamaDeskError
from ..paths import AppPaths
from ._fatal import as_app_error
from ._handlers import COMMANDS, CommandHandlers, FilePicker, recovery_notice
from ._services import Services, open_services

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

    def deliver(self, events: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            target = self._target
        if target is not None:
            target.deliver(events)


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
    """Context manager owning the loop thread and the services."""

    def __init__(self, paths: AppPaths, config: ConfigService) -> None:
        self._paths = paths
        self._config = config
        self._switch = _SwitchTarget()
        self._stack = ExitStack()
        self._file_picker: FilePicker | None = None
        self._fatal_lock = threading.Lock()
        self._stop_front: Callable[[], None] | None = None
        self.fatal: LlamaDeskError | None = None
        """Why the services stopped by themselves, if they did."""
        self.pump = EventPump(self._switch, flush_ms=config.settings.behaviour.stream_flush_ms)

    def __enter__(self) -> AppRuntime:
        try:
            self.portal: BlockingPortal = self._stack.enter_context(
                start_blocking_portal("asyncio")
            )
            services_cm = _watched(
                open_services(self._paths, self._config, self.pump.emit), self._died
            )
            self.services: Services = self._stack.enter_context(
                self.portal.wrap_async_context_manager(services_cm)
            )
        except BaseException:
            self._close()
            raise
        timeout = self._config.settings.engine.request_timeout_s + _COMMAND_GRACE_S
        handlers = CommandHandlers(self.services, lambda: self._file_picker)
        self.dispatcher = CommandDispatcher(COMMANDS, handlers, self.portal, timeout_s=timeout)
        self.api = LlamaDeskApi(self.dispatcher)
        self._stack.callback(
            self._config.subscribe(
                lambda settings, _changed: self.pump.set_flush_ms(
                    settings.behaviour.stream_flush_ms
                )
            )
        )
        return self

    def on_fatal(self, stop: Callable[[], None]) -> None:
        """Have ``stop`` close the front end if the services die (at once if they have)."""
        with self._fatal_lock:
            self._stop_front = stop
            dead = self.fatal is not None
        if dead:
            stop()

    def _died(self, exc: BaseException) -> None:
        with self._fatal_lock:
            self.fatal = as_app_error(exc)
            stop = self._stop_front
        if stop is not None:
            stop()

    def use_file_picker(self, picker: FilePicker) -> None:
        """Answer ``pick_model_file`` with the window's file dialog from now on."""
        self._file_picker = picker

    def attach(self, target: EventTarget | None) -> None:
        """Send events to ``target`` from now on (None: drop them)."""
        self._switch.set(target)
        if target is not None:
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
        try:
            self._stack.close()
        except Exception:
            if self.fatal is None:
                raise
        finally:
            self.pump.close()
