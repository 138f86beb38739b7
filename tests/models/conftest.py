"""Fixtures for the models tests: small generated GGUF files, a catalogue, the async backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gguf import GGUFWriter, LlamaFileType

from backend.models import ModelCatalogue
from backend.paths import AppPaths

GGUFFactory = Callable[..., Path]
CatalogueFactory = Callable[..., ModelCatalogue]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def write_gguf(
    path: Path,
    *,
    arch: str = "llama",
    context_length: int | None = 2048,
    block_count: int = 2,
    embedding_length: int = 64,
    head_count: int = 4,
    head_count_kv: int = 2,
    file_type: int | None = LlamaFileType.ALL_F32,
    chat_template: str | None = "{{ messages }}",
    extra: dict[str, Any] | None = None,
    tensors: int = 2,
) -> Path:
    """Write a small but real GGUF file with llama-like metadata and f32 tensors."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(path, arch)
    if context_length is not None:
        writer.add_context_length(context_length)
    writer.add_block_count(block_count)
    writer.add_embedding_length(embedding_length)
    writer.add_head_count(head_count)
    writer.add_head_count_kv(head_count_kv)
    if file_type is not None:
        writer.add_file_type(file_type)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    for key, value in (extra or {}).items():
        if isinstance(value, str):
            writer.add_string(key, value)
        else:
            writer.add_uint64(key, value)
    for index in range(tensors):
        writer.add_tensor(f"blk.{index}.weight", np.ones((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def make_gguf() -> GGUFFactory:
    return write_gguf


@pytest.fixture
def make_catalogue(app_paths: AppPaths, default_model: Path) -> CatalogueFactory:
    """A catalogue over the isolated home, the real SmolLM2 as the default model."""

    def factory(extra_dirs: list[Path] | None = None, **options: Any) -> ModelCatalogue:
        options.setdefault("default_model", default_model)
        return ModelCatalogue(app_paths, extra_dirs or [], **options)

    return factory
