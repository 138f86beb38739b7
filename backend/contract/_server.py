"""The llama-server process as the page sees it: its state, its defaults and its log."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Params, Wire, absent

__all__ = ["LogsParams", "ServerDefaults", "ServerLogs", "ServerState", "ServerStatus"]


ServerState = Literal[
    "stopped", "starting", "ready", "unhealthy", "crashed", "restarting", "failed"
]


class ServerStatus(Wire):
    """The monitor's state: the only source of truth for the header's status."""

    state: ServerState
    pid: int | None = None
    port: int | None = None
    model: str | None = None
    uptime_s: float | None = None
    elapsed_s: float | None = Field(None, description="Seconds spent in the current state.")
    restarts: int = 0
    last_error: str | None = None
    hint: str | None = Field(None, description="What the user can do about last_error.")


class ServerDefaults(Wire):
    """llama-server's own sampling defaults (``/props``): what an empty generation setting uses."""

    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    max_tokens: int | None = None
    repeat_penalty: float | None = None
    seed: int | None = None
    supports_tools: bool | None = Field(
        None,
        description="Whether the loaded model's chat template can take tools "
        "(``chat_template_caps.supports_tools``); null when the server does not say.",
    )
    supports_reasoning_effort: bool | None = Field(
        default_factory=absent,
        description="Whether the template takes a reasoning effort "
        "(``chat_template_caps.supports_reasoning_effort``); null when the server does not say.",
    )
    vision: bool | None = Field(
        None,
        description="Whether the loaded model can see images (``modalities.vision``: it was "
        "loaded with a vision projector); null when the server does not say.",
    )


class ServerLogs(Wire):
    """The last lines llama-server wrote."""

    lines: list[str]


class LogsParams(Params):
    """How many of the server's last log lines."""

    lines: int = Field(200, ge=1, le=5000)
