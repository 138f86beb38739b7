"""What every group of commands shares: the services and the file dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._services import Services

__all__ = ["FilePicker", "HandlerBase"]

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
