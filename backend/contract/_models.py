"""Models and downloads: the model list, a model's load settings, and downloads into the folder."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from ._base import ID, Params, Wire
from ._speculation import SpeculationSettings

__all__ = [
    "AddModelFileParams",
    "DownloadInfo",
    "DownloadModelParams",
    "DownloadRef",
    "DownloadStatus",
    "ModelFit",
    "ModelInfo",
    "ModelLoadState",
    "ModelRef",
    "ModelSettings",
    "PickedFile",
    "RemoveModelParams",
    "SaveModelSettingsParams",
    "SelectModelParams",
]


class ModelFit(Wire):
    """Whether a model fits in free memory at a context size: an estimate, never a refusal."""

    fits: bool
    needed_bytes: int = Field(description="Weights plus the KV cache for context_size tokens.")
    available_bytes: int = Field(description="Memory free now (including reclaimable cache).")
    context_size: int
    warning: str | None = None


ModelLoadState = Literal["loaded", "loading", "unloaded", "failed"]


class ModelInfo(Wire):
    """A model the app can load, what its GGUF header says, and whether it fits."""

    id: str
    name: str
    path: str
    size_bytes: int
    is_default: bool = False
    selected: bool = False
    error: str | None = None
    architecture: str | None = None
    parameters: int | None = None
    quantization: str | None = None
    context_length: int | None = Field(None, description="The context the model was trained on.")
    has_chat_template: bool = False
    source: Literal["default", "folder", "linked"]
    projector: str | None = Field(
        None,
        description="The vision projector (mmproj GGUF) it loads with: its load settings' one, "
        "else one found beside it; null when none. Whether the model sees is what the server "
        "reports once it is loaded (ServerDefaults.vision).",
    )
    fit: ModelFit | None = Field(
        None, description="At the context size it would load with; null when it cannot load."
    )
    load_state: ModelLoadState = Field(
        "unloaded",
        description="Whether the model is in memory: the selected one while the server runs, "
        "and in router mode every model the router has loaded.",
    )


class ModelSettings(SpeculationSettings):
    """How one model loads; a null field inherits the engine setting of the same name.

    Bounds match ``EngineSettings``. Saved settings apply at the model's next (re)start. It is
    an argument too (``save_model_settings``), so it is strict like ``Params``. Speculative
    decoding (``SpeculationSettings``: the method, the draft model and the sizes) is the model's
    own: null is off, or the default size (LlamaDesk's for an n-gram method).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    context_size: int | None = Field(
        None, ge=256, le=1_048_576, description="Context window in tokens."
    )
    threads: int | None = Field(
        None, ge=0, le=1024, description="CPU threads; 0 lets llama-server decide."
    )
    gpu_layers: int | None = Field(
        None, ge=-1, le=10_000, description="Layers offloaded to the GPU; -1 offloads all."
    )
    chat_template_file: str | None = Field(
        None,
        min_length=1,
        max_length=4096,
        description="A Jinja chat template file to use instead of the model's own.",
    )
    mmproj_file: str | None = Field(
        None,
        min_length=1,
        max_length=4096,
        description="A vision projector (mmproj GGUF) to load with the model (--mmproj); "
        "empty uses the one found beside the model file.",
    )
    extra_args: list[str] | None = Field(
        None, description="Extra llama-server arguments, replacing the global ones."
    )


DownloadStatus = Literal["queued", "running", "paused", "failed", "done"]


class DownloadInfo(Wire):
    """One download into the models folder; its id is the file name."""

    id: str
    url: str
    path: str
    status: DownloadStatus
    bytes_done: int = 0
    total: int | None = None
    rate_bps: float | None = None
    eta_s: float | None = None
    error: str | None = None
    sha256: str | None = None


class PickedFile(Wire):
    """Answer of ``pick_model_file``: the chosen file's path, or null when cancelled."""

    path: str | None


class SelectModelParams(Params):
    """The model to load."""

    model_id: str = Field(min_length=1, max_length=4096)


class AddModelFileParams(Params):
    """A GGUF file to list where it lies (no copy): its full path."""

    path: str = Field(min_length=1, max_length=4096)


class ModelRef(Params):
    """Names one model."""

    model_id: str = ID


class RemoveModelParams(Params):
    """A model to take off the list; its file is deleted only when ``delete_file`` is true."""

    model_id: str = ID
    delete_file: bool


class SaveModelSettingsParams(Params):
    """A model's load settings, replacing the saved ones (null fields inherit the engine's)."""

    model_id: str = ID
    settings: ModelSettings


class DownloadModelParams(Params):
    """A GGUF to download into the models folder, its file name, and its SHA-256 to check."""

    url: str = Field(min_length=1, max_length=8192, pattern=r"^https?://\S+$")
    filename: str | None = Field(None, min_length=1, max_length=255)
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$")


class DownloadRef(Params):
    """Names one download (its file name)."""

    download_id: str = Field(min_length=1, max_length=255)
