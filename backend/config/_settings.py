"""The one settings model: every value a user can set, with type, bounds, default and help.

The settings page renders its help text from each field's ``description``; ``restart`` in a
field's ``json_schema_extra`` marks values that only take effect after the server restarts.

Long because: it is the one list of every setting the page shows, each field with its bounds and
help text (the RPC section, with its own validation, lives in ``_rpc``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from backend.contract import NgramSpeculation

from ._attachments import AttachmentSettings
from ._local_api import LocalApiSettings
from ._rpc import RpcSettings
from ._tools import ToolsSettings

__all__ = [
    "AppearanceSettings",
    "BehaviourSettings",
    "EngineSettings",
    "GenerationSettings",
    "SAMPLING_KEYS",
    "SETTINGS_SCHEMA_VERSION",
    "SamplingParams",
    "Settings",
]

SETTINGS_SCHEMA_VERSION = 1

_RESTART: JsonDict = {"restart": True}


_Temperature = Annotated[
    float | None,
    Field(ge=0, le=5, description="Randomness; 0 is deterministic.", title="Temperature"),
]
_TopK = Annotated[
    int | None,
    Field(
        ge=0,
        le=1000,
        description="Sample from the k most likely tokens; 0 disables.",
        title="Top-k",
    ),
]
_TopP = Annotated[
    float | None, Field(ge=0, le=1, description="Nucleus sampling threshold.", title="Top-p")
]
_MinP = Annotated[
    float | None,
    Field(ge=0, le=1, description="Drop tokens below this share of the best one.", title="Min-p"),
]
_MaxTokens = Annotated[
    int | None,
    Field(
        ge=-1, le=1_000_000, description="Answer length limit; -1 is unlimited.", title="Max tokens"
    ),
]
_RepeatPenalty = Annotated[
    float | None,
    Field(
        ge=0, le=5, description="Penalty for repeating tokens; 1 disables.", title="Repeat penalty"
    ),
]
_Seed = Annotated[
    int | None,
    Field(ge=-1, le=2**31 - 1, description="Random seed; -1 picks one per answer.", title="Seed"),
]
"""The sampling values' types and bounds: the generation settings and a conversation's own
values (``SamplingParams``) are both declared with these, so the two cannot drift apart."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class EngineSettings(_Section):
    """How llama-server is found, launched and supervised."""

    server_binary: Path | None = Field(
        None,
        description="Path to a llama-server binary; empty uses the built-in engine.",
        json_schema_extra=_RESTART,
        title="llama-server binary",
    )
    model: Path | None = Field(
        None,
        description="GGUF model file to load; empty uses the embedded SmolLM2-135M.",
        json_schema_extra=_RESTART,
        title="Model file",
    )
    models_dirs: list[Path] = Field(
        default_factory=list,
        description="Extra folders scanned for GGUF models.",
        title="Model folders",
    )
    host: str = Field(
        "127.0.0.1",
        min_length=1,
        description="Address the server listens on; keep 127.0.0.1 unless you know why.",
        json_schema_extra=_RESTART,
        title="Host",
    )
    port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Server port; 0 picks a free one.",
        json_schema_extra=_RESTART,
        title="Port",
    )
    context_size: int = Field(
        4096,
        ge=256,
        le=1_048_576,
        description="Context window in tokens, shared by all slots.",
        json_schema_extra=_RESTART,
        title="Context size",
    )
    threads: int = Field(
        0,
        ge=0,
        le=1024,
        description="CPU threads; 0 lets llama-server decide.",
        json_schema_extra=_RESTART,
        title="CPU threads",
    )
    gpu_layers: int = Field(
        0,
        ge=-1,
        le=10_000,
        description="Layers offloaded to the GPU; -1 offloads all.",
        json_schema_extra=_RESTART,
        title="GPU layers",
    )
    parallel_slots: int = Field(
        2,
        ge=1,
        le=64,
        description="Conversations the server can generate for at once.",
        json_schema_extra=_RESTART,
        title="Parallel slots",
    )
    chat_template_file: Path | None = Field(
        None,
        description="A Jinja chat template to use instead of the model's own (e.g. one that "
        "can call tools); empty uses the model's.",
        json_schema_extra=_RESTART,
        title="Chat template file",
    )
    mmproj_file: SkipJsonSchema[Path | None] = Field(
        None,
        exclude=True,
        description="The launch's --mmproj, from the model's load settings or its folder.",
        title="Vision projector",
    )
    speculation: SkipJsonSchema[NgramSpeculation | None] = Field(
        None,
        exclude=True,
        description="The launch's n-gram --spec-type, from the model's load settings.",
        title="N-gram speculation",
    )
    draft_model: SkipJsonSchema[Path | None] = Field(
        None,
        exclude=True,
        description="The launch's draft model (-md), from the model's load settings.",
        title="Draft model",
    )
    ngram_lookup: SkipJsonSchema[int | None] = Field(
        None,
        exclude=True,
        description="The launch's n-gram lookup length, from the model's load settings.",
        title="N-gram lookup",
    )
    draft_max: SkipJsonSchema[int | None] = Field(
        None,
        exclude=True,
        description="The launch's largest draft, from the model's load settings.",
        title="Most drafted tokens",
    )
    draft_min: SkipJsonSchema[int | None] = Field(
        None,
        exclude=True,
        description="The launch's smallest draft, from the model's load settings.",
        title="Fewest drafted tokens",
    )
    extra_args: list[str] = Field(
        default_factory=list,
        description="Extra llama-server command-line arguments.",
        json_schema_extra=_RESTART,
        title="Extra arguments",
    )
    router_mode: bool = Field(
        False,
        description="Serve several models from one llama-server (its router): switching to a "
        "loaded model is instant, and the least recently used one unloads past the limit.",
        json_schema_extra=_RESTART,
        title="Router mode",
    )
    models_max: int = Field(
        2,
        ge=1,
        le=32,
        description="In router mode, how many models may be in memory at once.",
        json_schema_extra=_RESTART,
        title="Models in memory",
    )
    start_timeout_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="Seconds to wait for the model to load.",
        title="Load timeout (s)",
    )
    stop_timeout_s: float = Field(
        5.0,
        gt=0,
        le=120,
        description="Seconds between SIGTERM and SIGKILL when stopping.",
        title="Stop timeout (s)",
    )
    health_interval_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Seconds between health checks of a running server.",
        title="Health check interval (s)",
    )
    health_timeout_s: float = Field(
        2.0,
        gt=0,
        le=60,
        description="Seconds a health check may take before it counts as failed.",
        title="Health check timeout (s)",
    )
    hang_after_failures: int = Field(
        3,
        ge=1,
        le=100,
        description="Failed health checks in a row that mean the server hangs.",
        title="Failed checks before restart",
    )
    restart_max: int = Field(
        5,
        ge=0,
        le=100,
        description="Crashes within the window after which restarting stops.",
        title="Restarts per window",
    )
    restart_window_s: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="Window, in seconds, for counting crashes.",
        title="Restart window (s)",
    )
    restart_backoff_s: float = Field(
        0.2,
        ge=0,
        le=60,
        description="Delay in seconds before the restart after a second crash within the window "
        "(the first restarts at once); doubles after each further crash.",
        title="Restart delay (s)",
    )
    request_timeout_s: float = Field(
        600.0,
        gt=0,
        le=86_400,
        description="Seconds to wait for an answer to begin (a long conversation is read first).",
        title="Answer start timeout (s)",
    )
    stall_timeout_s: float = Field(
        90.0,
        gt=0,
        le=3600,
        description="Seconds an answer may go without a byte from the server once it has begun; "
        "then it ends as stalled, its text kept, and the server is checked. Keep it above 30 s: "
        "while llama-server reads a long prompt it sends only a keep-alive every 30 s.",
        title="Stall timeout (s)",
    )
    idle_unload_minutes: float = Field(
        0,
        ge=0,
        le=10_080,
        description="Unload a model after this many minutes without requests, freeing its "
        "memory (in router mode each model on its own); the next message loads it again. "
        "0 never unloads.",
        title="Unload when idle (minutes)",
    )


class GenerationSettings(_Section):
    """Default generation parameters; a conversation may override them.

    A sampling value left empty (None) is not sent, so llama-server's own default applies; the
    settings page shows that default, read from the server's ``/props``.
    """

    system_prompt: str = Field(
        "You are a helpful assistant.",
        max_length=100_000,
        description="Sent before every conversation; empty sends none.",
        title="System prompt",
    )
    temperature: _Temperature = None
    top_k: _TopK = None
    top_p: _TopP = None
    min_p: _MinP = None
    max_tokens: _MaxTokens = None
    repeat_penalty: _RepeatPenalty = None
    seed: _Seed = None


class SamplingParams(_Section):
    """A conversation's own sampling values, over the settings' (None: use the settings').

    The fields are the generation settings' own, with the same bounds, so an imported or saved
    conversation can hold nothing the settings page would refuse.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    temperature: _Temperature = None
    top_k: _TopK = None
    top_p: _TopP = None
    min_p: _MinP = None
    max_tokens: _MaxTokens = None
    repeat_penalty: _RepeatPenalty = None
    seed: _Seed = None


SAMPLING_KEYS: Final = tuple(SamplingParams.model_fields)
"""The sampling values a conversation may override, in settings order."""


class AppearanceSettings(_Section):
    """How the window looks."""

    theme: Literal["system", "light", "dark"] = Field(
        "system", description="Colour theme.", title="Theme"
    )
    window_rendering: Literal["auto", "gpu", "software"] = Field(
        "auto",
        description=(
            "How the window draws: software skips the emulated GPU a machine without one would "
            "use, and takes far less CPU from the model; auto picks software when there is no "
            "GPU. Applies at the next start."
        ),
        title="Window rendering",
    )


class BehaviourSettings(_Section):
    """How the app behaves."""

    send_on_enter: bool = Field(
        True, description="Enter sends; Shift+Enter breaks the line.", title="Send on Enter"
    )
    stream_flush_ms: int = Field(
        25,
        ge=16,
        le=33,
        description="How often streamed text is pushed to the window, in ms.",
        title="Stream flush interval (ms)",
    )
    stream_flush_shared_ms: int = Field(
        250,
        ge=16,
        le=1000,
        description=(
            "How often streamed text is pushed while a local model uses every core (a machine "
            "with few cores), in ms: fewer updates leave more CPU to the model."
        ),
        title="Stream flush interval when the model uses every core (ms)",
    )
    kv_cache_disk_mb: int = Field(
        2048,
        ge=0,
        le=1_048_576,
        description="Disk budget for saved conversation caches, in MB.",
        title="Saved caches on disk (MB)",
    )
    drop_oldest_turns: bool = Field(
        False,
        description="When a chat outgrows the context, drop its oldest turns instead of failing.",
        title="Drop oldest turns when full",
    )


class Settings(_Section):
    """Everything the user can set."""

    schema_version: int = Field(
        SETTINGS_SCHEMA_VERSION, description="Settings file format version.", title="Schema version"
    )
    engine: EngineSettings = Field(
        default_factory=EngineSettings, description="The llama-server engine."
    )
    generation: GenerationSettings = Field(
        default_factory=GenerationSettings, description="Default generation parameters."
    )
    appearance: AppearanceSettings = Field(
        default_factory=AppearanceSettings, description="How the window looks."
    )
    behaviour: BehaviourSettings = Field(
        default_factory=BehaviourSettings, description="How the app behaves."
    )
    tools: ToolsSettings = Field(
        default_factory=ToolsSettings, description="MCP tool servers and tool calls."
    )
    rpc: RpcSettings = Field(
        default_factory=RpcSettings, description="RPC workers: one model over several machines."
    )
    local_api: LocalApiSettings = Field(
        default_factory=LocalApiSettings,
        description="LlamaDesk as an OpenAI-compatible server for other apps on this machine.",
    )
    attachments: AttachmentSettings = Field(
        default_factory=AttachmentSettings, description="Files attached to messages."
    )
