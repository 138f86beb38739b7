"""Launching and supervising llama-server.

``ServerMonitor`` is what the app uses: it launches the server from the settings, restarts it
after a crash or a hang, explains failures, and hands the adapter the current ``Endpoint``. The
pieces it is built from (the lifecycle table, the exit diagnosis, the launcher, the pid files
and the log) are exported too, for tests, tools and the benchmark.
"""

from ._diagnose import (
    Failure,
    describe_returncode,
    diagnose_engine,
    diagnose_exit,
    diagnose_spawn,
    port_owner,
    port_taken,
)
from ._launch import (
    ServerProcess,
    build_argv,
    check_extra_args,
    choose_port,
    connect_url,
    server_environ,
)
from ._log import ServerLog
from ._monitor import ServerMonitor
from ._pidfile import PidRecord, remove_record, sweep, write_record
from ._router import (
    RouterModel,
    RouterPlan,
    RouterSession,
    ini_options,
    parse_states,
    preset_text,
    router_argv,
)
from ._state import ServerPhase, check_transition

__all__ = [
    "Failure",
    "PidRecord",
    "RouterModel",
    "RouterPlan",
    "RouterSession",
    "ServerLog",
    "ServerMonitor",
    "ServerPhase",
    "ServerProcess",
    "build_argv",
    "check_extra_args",
    "check_transition",
    "choose_port",
    "connect_url",
    "describe_returncode",
    "diagnose_engine",
    "diagnose_exit",
    "diagnose_spawn",
    "ini_options",
    "parse_states",
    "port_owner",
    "port_taken",
    "preset_text",
    "remove_record",
    "router_argv",
    "server_environ",
    "sweep",
    "write_record",
]
