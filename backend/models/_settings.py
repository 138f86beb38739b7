"""Per-model load settings: values that override the global engine settings for one model.

A small model may want a long context and a large one a short context with fewer GPU layers; the
user sets that once per model. Every field is optional (``None`` inherits the global value) and
has the same bounds as its ``EngineSettings`` counterpart, which a test keeps in step.
"""

from __future__ import annotations

from backend.config import EngineSettings
from backend.contract import ModelSettings

__all__ = ["ModelLoadSettings"]


class ModelLoadSettings(ModelSettings):
    """How one model is loaded; unset fields fall back to the engine settings.

    The fields and their bounds are the wire type's (``contract.ModelSettings``).
    """

    def apply(self, engine: EngineSettings) -> EngineSettings:
        """The engine settings with this model's overrides applied.

        The draft model is named by its catalogue id here; the launch takes its path, which
        only the catalogue knows (``launch_engine``).
        """
        overrides = self.model_dump(exclude_none=True, exclude={"draft_model_id"})
        return engine.model_copy(update=overrides)
