"""RPC workers as the page sees them: each one's state, the spread of the model, the local one."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Wire

__all__ = [
    "LocalWorkerInfo",
    "RpcDeviceInfo",
    "RpcShare",
    "RpcStatus",
    "RpcWorkerInfo",
    "RpcWorkerState",
]

RpcWorkerState = Literal[
    "unknown", "reachable", "in_use", "refused", "not_answering", "not_a_worker", "error"
]


class RpcDeviceInfo(Wire):
    """One device a worker offers, as llama-server lists it."""

    name: str
    description: str
    total_bytes: int
    free_bytes: int


class RpcWorkerInfo(Wire):
    """One worker from the settings and what its last check found."""

    address: str
    enabled: bool
    state: RpcWorkerState = Field(
        description="reachable: answered its check; in_use: the running server holds it; "
        "refused / not_answering / not_a_worker / error: why it cannot be used (see error)."
    )
    devices: list[RpcDeviceInfo] = Field(default_factory=list)
    free_bytes: int = 0
    error: str | None = None
    checked_at: str | None = Field(None, description="When it was last checked (ISO-8601).")


class RpcShare(Wire):
    """The part of the model one worker's device holds at the last launch."""

    worker: str
    device: str
    share_bytes: int
    free_bytes: int


class LocalWorkerInfo(Wire):
    """The worker this app runs for other machines (Settings → run a worker on this machine)."""

    state: Literal["off", "starting", "running", "restarting", "failed"]
    address: str | None = None
    error: str | None = None
    warning: str | None = Field(
        None, description="Set when it listens on more than this machine: anyone there can use it."
    )


class RpcStatus(Wire):
    """The workers, how the last launch spread the model, and the local worker."""

    workers: list[RpcWorkerInfo]
    spread: list[RpcShare] = Field(
        default_factory=list, description="Per device, at the last launch that used workers."
    )
    model: str | None = Field(None, description="The model the spread is for.")
    fits: bool | None = Field(None, description="Whether the model fitted at the last launch.")
    note: str | None = Field(
        None, description="What the last launch did about workers (one left out, memory short)."
    )
    local: LocalWorkerInfo
