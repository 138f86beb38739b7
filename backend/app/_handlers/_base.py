"""What every group of commands shares: the services and the file dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._services import Services

__all__ = ["AttachmentPicker", "FilePicker", "HandlerBase"]

FilePicker = Callable[[], str | None]
"""Shows the desktop's file dialog for a GGUF and returns the chosen path (None: cancelled)."""

AttachmentPicker = Callable[[], list[str]]
"""Shows the desktop's file dialog for attachments and returns the chosen paths ([]: cancelled)."""


class HandlerBase:
    """What every group of commands shares: the services, and the window's file dialog.

    ``file_picker`` and ``attachment_picker`` return the window's file dialogs once a window
    exists (None in browser mode, where the page asks for a typed path or uploads instead).
    """

    def __init__(
        self,
        services: Services,
        file_picker: Callable[[], FilePicker | None] = lambda: None,
        attachment_picker: Callable[[], AttachmentPicker | None] = lambda: None,
    ) -> None:
        self._services = services
        self._file_picker = file_picker
        self._attachment_picker = attachment_picker
