"""The MCP tool servers' limits: start-up and call timeouts, result size, rounds per answer.

A section of its own (``tools``); the servers themselves live in ``tools.json`` (``backend.tools``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ToolsSettings"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ToolsSettings(_Section):
    """Limits on MCP servers and their tool calls."""

    start_timeout_s: float = Field(
        20.0,
        ge=1,
        le=600,
        description="How long a tool server may take to start and list its tools, in seconds.",
        title="Tool server start timeout (s)",
    )
    call_timeout_s: float = Field(
        30.0,
        ge=1,
        le=3600,
        description="How long one tool call may run before it is stopped, in seconds.",
        title="Tool call timeout (s)",
    )
    result_max_chars: int = Field(
        32_000,
        ge=100,
        le=10_000_000,
        description="Longer tool results are cut to this many characters, with a note.",
        title="Tool result limit (characters)",
    )
    max_rounds: int = Field(
        10,
        ge=1,
        le=100,
        description="How many rounds of tool calls one answer may make; after the last, the "
        "model is asked to answer without tools.",
        title="Tool rounds per answer",
    )
