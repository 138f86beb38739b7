"""What every group of commands shares: the services, the file dialog, saving slot caches."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ...contract import ServerStatus
from ...errors import ServerError
from .._services import Services

__all__ = ["FilePicker", "HandlerBase"]

log = logging.getLogger(__name__)


FilePicker = Callable[[], str | None]
"""Shows the desktop's file dialog for a GGUF and returns the chosen path (None: cancelled)."""


class HandlerBase:
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
