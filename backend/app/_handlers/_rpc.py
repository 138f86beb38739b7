"""RPC worker commands: the workers' states and the spread of the model, and a check on demand.

The workers themselves (the list, each on or off, the tensor split, the local worker) are
settings (``rpc.*``), saved through ``save_config`` like any other.
"""

from __future__ import annotations

from ...contract import EmptyParams, RpcStatus
from ._base import HandlerBase

__all__ = ["RpcCommands"]


class RpcCommands(HandlerBase):
    """The RPC workers a model may be spread over, and the worker this machine may run."""

    async def get_rpc_status(self, params: EmptyParams) -> RpcStatus:
        """Each worker's last check, the model's spread at the last launch, the local worker."""
        return self._services.workers.status()

    async def check_rpc_workers(self, params: EmptyParams) -> RpcStatus:
        """Check every worker now (each bounded by ``rpc.probe_timeout_s``)."""
        return await self._services.workers.check()
