"""Local API commands: its state, URL and key, and a new key.

The switch and the port are settings (``local_api.*``), saved through ``save_config`` like any
other; the server starts and stops as they change.
"""

from __future__ import annotations

from ...contract import EmptyParams, LocalApiStatus
from ._base import HandlerBase

__all__ = ["LocalApiCommands"]


class LocalApiCommands(HandlerBase):
    """The OpenAI-compatible server other apps on this machine may use."""

    async def get_local_api_status(self, params: EmptyParams) -> LocalApiStatus:
        """Whether it runs, its URL, its key and where the key is kept, the model it serves."""
        return self._services.local_api.status()

    async def regenerate_local_api_key(self, params: EmptyParams) -> LocalApiStatus:
        """Replace the key: apps using the old one get 401 from their next request on."""
        return self._services.local_api.regenerate_key()
