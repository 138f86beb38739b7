"""One model of the catalogue: its files, what its GGUF header says, and its wire form."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from backend.contract import ModelInfo, ModelSettings
from backend.models._fit import FitEstimate

if TYPE_CHECKING:
    from backend.models._draft import Vocabulary

__all__ = ["Model", "ModelSource", "model_id"]

ModelSource = Literal["default", "folder", "linked"]


@dataclass(frozen=True)
class Model:
    """One loadable model (or one that would be, but for ``error``)."""

    id: str
    name: str
    path: Path
    files: tuple[Path, ...]
    size_bytes: int
    source: ModelSource
    architecture: str | None = None
    parameters: int | None = None
    quantization: str | None = None
    context_length: int | None = None
    embedding_length: int | None = None
    has_chat_template: bool = False
    kv_bytes_per_token: int | None = None
    projector: Path | None = None
    """The vision projector found beside the model (see ``_projector``)."""
    vocabulary: Vocabulary | None = None
    """What its header says about its tokenizer, for drafting (see ``_draft``)."""
    error: str | None = None

    @property
    def is_default(self) -> bool:
        """The embedded SmolLM2."""
        return self.source == "default"

    def projector_with(self, settings: ModelSettings) -> Path | None:
        """The projector it loads with under ``settings``: theirs, else the one found."""
        return Path(settings.mmproj_file) if settings.mmproj_file else self.projector

    def info(
        self,
        *,
        selected: bool = False,
        fit: FitEstimate | None = None,
        projector: Path | None = None,
    ) -> ModelInfo:
        """The wire form the page lists; ``fit`` as estimated for the context it would load
        with, ``projector`` the one it would load with (its setting's, else the one found)."""
        return ModelInfo(
            id=self.id,
            name=self.name,
            path=str(self.path),
            size_bytes=self.size_bytes,
            is_default=self.is_default,
            selected=selected,
            error=self.error,
            architecture=self.architecture,
            parameters=self.parameters,
            quantization=self.quantization,
            context_length=self.context_length,
            has_chat_template=self.has_chat_template,
            source=self.source,
            fit=None if fit is None else fit.info(),
            projector=None if projector is None else str(projector),
        )


def model_id(path: Path) -> str:
    """A stable id: 12 hex digits of the SHA-256 of the resolved path."""
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
