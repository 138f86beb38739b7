"""Settings: one validated model, layered from defaults to flags, stored safely.

``ConfigService`` gives the effective ``Settings`` and where each value came from, saves
validated changes from the settings page, and survives a broken settings file.
"""

from backend.config._attachments import AttachmentSettings
from backend.config._format import format_paths, format_show
from backend.config._local_api import LOCAL_API_HOST, LocalApiSettings
from backend.config._rpc import RpcSettings, RpcWorker
from backend.config._service import ConfigService, Subscriber, default_form
from backend.config._settings import (
    SAMPLING_KEYS,
    SETTINGS_SCHEMA_VERSION,
    AppearanceSettings,
    BehaviourSettings,
    EngineSettings,
    GenerationSettings,
    SamplingParams,
    Settings,
)
from backend.config._tools import ToolsSettings

__all__ = [
    "AppearanceSettings",
    "AttachmentSettings",
    "BehaviourSettings",
    "ConfigService",
    "EngineSettings",
    "GenerationSettings",
    "LOCAL_API_HOST",
    "LocalApiSettings",
    "RpcSettings",
    "RpcWorker",
    "SAMPLING_KEYS",
    "SETTINGS_SCHEMA_VERSION",
    "SamplingParams",
    "Settings",
    "Subscriber",
    "ToolsSettings",
    "default_form",
    "format_paths",
    "format_show",
]
