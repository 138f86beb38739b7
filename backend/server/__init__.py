"""Launching and supervising llama-server.

``ServerMonitor`` is the whole public surface the app needs: it launches the server from the
settings, restarts it after a crash or a hang, explains failures, and hands the adapter the
current ``Endpoint``. The pieces it is built from (the lifecycle table, the exit diagnosis, the
launcher, the pid files and the log) are exported for tests and tools.
"""

from ._diagnose import Failure, describe_returncode, diagnose_exit
from ._launch import ServerProcess, build_argv, choose_port, connect_url
from ._log import ServerLog
from ._monitor import ServerMonitor
from ._pidfile import PidRecord, sweep
from ._state import ServerPhase, check_transition

__all__ = [
    "Failure",
    "PidRecord",
    "ServerLog",
    "ServerMonitor",
    "ServerPhase",
    "ServerProcess",
    "build_argv",
    "check_transition",
    "choose_port",
    "connect_url",
    "describe_returncode",
    "diagnose_exit",
    "sweep",
]
