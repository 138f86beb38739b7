"""One model over several machines: llama.cpp's RPC workers, checked and supervised.

A worker (``ggml-rpc-server``, built beside llama-server) exposes a machine's CPU or GPU; the
server takes layers onto the workers with ``--rpc``. ``WorkerPool`` is what the app uses: the
monitor asks it before each launch which workers to take, and why the server exited.

* ``_probe``: one bounded check of one worker (refused, not answering, not a worker, or its
  devices and free memory);
* ``_plan``: which workers a launch takes, the spread of the model, whether it fits;
* ``_pool``: ``WorkerPool``, the checks, the launch's choice, a lost worker, the timer;
* ``_local``: ``LocalWorker``, a worker on this machine supervised like the server, and what
  ``python -m backend worker`` prints.
"""

from ._local import LocalWorker, network_warning, run_worker, worker_argv, worker_line
from ._plan import DeviceShare, RpcPlan, Shortfall, plan_workers
from ._pool import WorkerPool
from ._probe import (
    RemoteDevice,
    WorkerCheck,
    parse_devices,
    probe_worker,
    split_address,
    still_listening,
)

__all__ = [
    "DeviceShare",
    "LocalWorker",
    "RemoteDevice",
    "RpcPlan",
    "Shortfall",
    "WorkerCheck",
    "WorkerPool",
    "network_warning",
    "parse_devices",
    "plan_workers",
    "probe_worker",
    "run_worker",
    "split_address",
    "still_listening",
    "worker_argv",
    "worker_line",
]
