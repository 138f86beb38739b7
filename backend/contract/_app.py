"""Settings and the desktop: the settings form's view and save, opening a link outside the app,
and the About section's versions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import Params, Wire

__all__ = [
    "About",
    "ConfigView",
    "OpenExternalParams",
    "Opened",
    "SaveConfigParams",
    "SaveConfigResult",
]


class ConfigView(Wire):
    """Effective settings, where each value came from, and the JSON schema for the form."""

    values: dict[str, Any]
    sources: dict[str, Literal["default", "file", "dotenv", "env", "cli"]]
    locked: list[str] = Field(
        default_factory=list, description="Fields set by env or flags; the page cannot change them."
    )
    json_schema: dict[str, Any]


class SaveConfigResult(Wire):
    """Outcome of a valid save."""

    values: dict[str, Any]
    restart_required: bool
    changed: list[str]


class SaveConfigParams(Params):
    """A partial settings update, nested like the settings model."""

    config: dict[str, Any]


class OpenExternalParams(Params):
    """A link from the page to open in the system browser (http, https or mailto)."""

    url: str = Field(min_length=1, max_length=8192, pattern=r"^(https?://|mailto:)\S+$")


class Opened(Wire):
    """Answer of ``open_external``."""

    opened: bool


class About(Wire):
    """Answer of ``get_about``: what the settings page's About section shows."""

    app_version: str
    packaged: bool = Field(description="Running from the package, not from a source checkout.")
    engine_pin: str = Field(description="The llama.cpp source the engine is built from.")
    engine_version: str | None = Field(description="llama-server's --version; None if none.")
    engine_source: Literal["settings", "env", "bundled", "path", "cache"] | None
    engine_path: str | None
    cpu_variant: str | None = Field(
        description="The CPU code a portable engine loaded here, e.g. haswell; None otherwise."
    )
    engine_problem: str | None = Field(description="Why no engine could be found, if so.")
    default_model: str
