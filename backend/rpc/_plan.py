"""Which workers a launch takes, how the model is spread over them, and whether it fits.

Pure: given the workers in the settings, the last check of each and the model's size, it
decides. The enabled workers that answered take the model's layers (``--rpc`` in list order and
``--n-gpu-layers all``, since llama.cpp treats each remote device like a GPU); each gets a share by
its free memory, or by the user's ``tensor_split`` (one number per worker, in list order; a
worker left out drops its number). The model fits when every worker's share fits its free
memory. When workers are enabled but none can be used, the model runs on this machine alone if
it fits there. Otherwise the launch is refused with the missing workers named and the memory
short. The size compared is the model file's (weights are loaded whole); the context's cache and
compute buffers come on top, so the estimate errs on the hopeful side, as the model list's does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import RpcSettings
from ..models import format_bytes
from ._probe import WorkerCheck

__all__ = ["DeviceShare", "RpcPlan", "Shortfall", "plan_workers"]


@dataclass(frozen=True)
class DeviceShare:
    """The part of the model one device holds."""

    worker: str
    device: str
    share_bytes: int
    free_bytes: int

    @property
    def fits(self) -> bool:
        """Whether this device has room for its share."""
        return self.share_bytes <= self.free_bytes


@dataclass(frozen=True)
class RpcPlan:
    """A launch over workers (or, with none left, on this machine alone), and what it leaves out."""

    workers: tuple[str, ...]
    spread: tuple[DeviceShare, ...]
    left_out: tuple[WorkerCheck, ...]
    split: tuple[float, ...] = ()

    def argv(self) -> tuple[str, ...]:
        """llama-server's arguments for this plan (none when it runs on this machine alone)."""
        if not self.workers:
            return ()
        argv: tuple[str, ...] = ("--rpc", ",".join(self.workers))
        if self.split:
            argv += ("--tensor-split", ",".join(f"{share:g}" for share in self.split))
        return argv

    def note(self) -> str | None:
        """What the user should hear about workers left out; None when all enabled ones run."""
        if not self.left_out:
            return None
        missing = "; ".join(_why(check) for check in self.left_out)
        where = "on the other workers" if self.workers else "on this machine alone"
        return f"Started without {missing}. The model still fits {where}."


@dataclass(frozen=True)
class Shortfall:
    """Why no launch fits: the workers missing and how much memory is short."""

    message: str
    hint: str


def _why(check: WorkerCheck) -> str:
    return f"worker {check.address} ({check.error or check.state})"


def _split(
    used: Sequence[str], settings: RpcSettings, checks: Mapping[str, WorkerCheck]
) -> tuple[tuple[float, ...], bool]:
    """Each used worker's weight, and whether it is the user's split (else: free memory)."""
    if settings.tensor_split:
        numbers = [float(part) for part in settings.tensor_split.split(",")]
        order = [worker.address for worker in settings.workers]
        weights = [numbers[order.index(a)] if order.index(a) < len(numbers) else 0 for a in used]
        if sum(weights) > 0:
            return tuple(weights), True
    return tuple(float(checks[address].free_bytes) for address in used), False


def _spread(
    used: Sequence[str], weights: Sequence[float], checks: Mapping[str, WorkerCheck], size: int
) -> tuple[DeviceShare, ...]:
    total = sum(weights) or 1.0
    shares = []
    for address, weight in zip(used, weights, strict=True):
        devices = checks[address].devices
        for device in devices:
            part = int(size * weight / total / len(devices))
            shares.append(DeviceShare(address, device.name, part, device.free_bytes))
    return tuple(shares)


def plan_workers(
    settings: RpcSettings,
    checks: Mapping[str, WorkerCheck],
    *,
    model_bytes: int,
    local_free_bytes: int,
) -> RpcPlan | Shortfall | None:
    """The plan for this launch; None when no worker is enabled (a plain local launch)."""
    enabled = [worker.address for worker in settings.workers if worker.enabled]
    if not enabled:
        return None
    unknown = WorkerCheck("", "unknown", error="not checked yet")
    state = {address: checks.get(address, unknown) for address in enabled}
    used = [address for address in enabled if state[address].usable and state[address].devices]
    left_out = tuple(
        state[address] if state[address].address else WorkerCheck(address, "unknown")
        for address in enabled
        if address not in used
    )
    if not used:
        if model_bytes <= local_free_bytes:
            return RpcPlan((), (), left_out)
        return _short(left_out, model_bytes, local_free_bytes, "this machine has")
    weights, by_user = _split(used, settings, state)
    spread = _spread(used, weights, state, model_bytes)
    if all(share.fits for share in spread):
        return RpcPlan(tuple(used), spread, left_out, weights if by_user else ())
    free = sum(state[address].free_bytes for address in used)
    return _short(
        left_out, model_bytes, free, "the workers left have" if left_out else "the workers have"
    )


def _short(left_out: Sequence[WorkerCheck], needed: int, free: int, where: str) -> Shortfall:
    short = format_bytes(max(needed - free, 0))
    missing = "; ".join(_why(check) for check in left_out)
    lost = f"Missing {missing}. " if missing else ""
    return Shortfall(
        f"{lost}The model needs about {format_bytes(needed)} but {where} "
        f"{format_bytes(free)} free: {short} short.",
        "Start the missing worker again (it is used at the next launch), add another worker, "
        "change the tensor split, or choose a smaller model.",
    )
