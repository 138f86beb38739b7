"""The local API's settings: LlamaDesk as an OpenAI-compatible server for other apps.

A section of its own (``local_api``); the settings page shows it as Settings → Local API, a
panel of its own (the switch, the port, the state, the URL and the key). The key is no setting:
it lives with the secrets (``backend.secrets``), never in the settings file.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LOCAL_API_HOST", "LocalApiSettings"]

LOCAL_API_HOST = "127.0.0.1"
"""The only address the local API listens on: other apps on this machine, nobody else."""


class LocalApiSettings(BaseModel):
    """Whether the local API runs, and on which port of 127.0.0.1."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enabled: bool = Field(
        False,
        description="Serve an OpenAI-compatible API (/v1/chat/completions, /v1/models) on "
        "127.0.0.1 for editors and scripts, answered by the selected model.",
        title="Local API",
    )
    port: int = Field(
        7337,
        ge=1,
        le=65535,
        description="The port the local API listens on (127.0.0.1 only).",
        title="Local API port",
    )
