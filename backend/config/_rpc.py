"""The RPC workers' settings: the workers a model may be spread over, and the local worker.

A section of its own (``rpc``); the settings page shows it as Settings → Engine → RPC workers.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

__all__ = ["RpcSettings", "RpcWorker"]

_RESTART: JsonDict = {"restart": True}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


_WORKER_ADDRESS = r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$"
_TENSOR_SPLIT = r"^$|^[0-9]+(\.[0-9]+)?(,[0-9]+(\.[0-9]+)?)*$"


class RpcWorker(_Section):
    """One llama.cpp RPC worker (``ggml-rpc-server``) the model may be spread over."""

    address: str = Field(
        pattern=_WORKER_ADDRESS,
        max_length=300,
        description="Where the worker listens, as host:port (IPv6 in brackets).",
        title="Address",
    )
    enabled: bool = Field(True, description="Use this worker at the next launch.", title="On")


class RpcSettings(_Section):
    """Spreading a model over llama.cpp RPC workers on other machines, and running one here."""

    workers: list[RpcWorker] = Field(
        default_factory=list,
        max_length=64,
        description="RPC workers, each host:port and on or off; the reachable ones that are on "
        "take layers of the model at each launch (single-model mode).",
        json_schema_extra=_RESTART,
        title="RPC workers",
    )
    tensor_split: str = Field(
        "",
        pattern=_TENSOR_SPLIT,
        max_length=300,
        description="Share of the model per worker in list order, e.g. 3,1; empty splits by "
        "free memory.",
        json_schema_extra=_RESTART,
        title="Tensor split",
    )
    probe_timeout_s: float = Field(
        3.0,
        gt=0,
        le=60,
        description="Seconds a worker may take to answer before it counts as not answering.",
        title="Worker check timeout (s)",
    )
    probe_interval_s: float = Field(
        30.0,
        ge=1,
        le=3600,
        description="Seconds between checks of the workers.",
        title="Worker check interval (s)",
    )
    local_worker: bool = Field(
        False,
        description="Run a worker on this machine (ggml-rpc-server) for other machines' "
        "LlamaDesk to use, supervised like the server.",
        title="Run a worker on this machine",
    )
    local_host: str = Field(
        "127.0.0.1",
        min_length=1,
        max_length=300,
        description="Address the local worker listens on. Anything but 127.0.0.1 lets anyone on "
        "that network use it: the RPC protocol has no authentication.",
        title="Local worker address",
    )
    local_port: int = Field(
        50052, ge=1, le=65535, description="Port the local worker listens on.", title="Local port"
    )
