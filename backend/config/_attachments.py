"""The attachments' settings: how large a file may be and how long reading its text may take.

A section of its own (``attachments``), shown as Settings → Attachments. (Images for vision
models add their own fields here.)
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AttachmentSettings"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class AttachmentSettings(_Section):
    """Limits on the files attached to messages."""

    max_file_mb: float = Field(
        50.0,
        ge=0.1,
        le=200,
        description="Larger files are refused, in MB (the window's file dialog and uploads alike).",
        title="Largest attachment (MB)",
    )
    extract_timeout_s: float = Field(
        20.0,
        ge=1,
        le=600,
        description="How long reading the text out of one file may take before it is refused, "
        "in seconds.",
        title="Text extraction time limit (s)",
    )
