"""The attachments' settings: how large a file may be, how long reading its text may take, and
how large an image is sent to a vision model.

A section of its own (``attachments``), shown as Settings → Attachments.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AttachmentSettings"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class AttachmentSettings(_Section):
    """Limits on the files attached to messages, and the size of the images sent."""

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
    image_max_side: int = Field(
        1024,
        ge=64,
        le=4096,
        description="Images are scaled down (never up) so their longest side is at most this "
        "many pixels before they are sent to a vision model, in pixels.",
        title="Longest side of an image sent (px)",
    )
