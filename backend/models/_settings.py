"""Per-model load settings: values that override the global engine settings for one model.

A small model may want a long context and a large one a short context with fewer GPU layers; the
user sets that once per model. Every field is optional (``None`` inherits the global value) and
has the same bounds as its ``EngineSettings`` counterpart, which a test keeps in step.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from backend.config import EngineSettings

__all__ = ["ModelLoadSettings"]


class ModelLoadSettings(BaseModel):
    """How one model is loaded; unset fields fall back to the engine settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    context_size: int | None = Field(
        None, ge=256, le=1_048_576, description="Context window in tokens."
    )
    threads: int | None = Field(
        None, ge=0, le=1024, description="CPU threads; 0 lets llama-server decide."
    )
    gpu_layers: int | None = Field(
        None, ge=-1, le=10_000, description="Layers offloaded to the GPU; -1 offloads all."
    )
    extra_args: list[str] | None = Field(
        None, description="Extra llama-server arguments, replacing the global ones."
    )

    def apply(self, engine: EngineSettings) -> EngineSettings:
        """The engine settings with this model's overrides applied."""
        return engine.model_copy(update=self.model_dump(exclude_none=True))
