"""Launching and supervising llama-server.

``ServerMonitor`` is what the app uses: it launches the server from the settings, restarts it
after a crash or a hang, explains failures, and hands the adapter the current ``Endpoint``.
Its parts, one job per module (all exported, for tests, tools and the benchmarks):

* ``_monitor``: ``ServerMonitor``, the conductor: the commands under one lock, the endpoint,
  router-mode switching, and what to do when the supervisor reports an exit or idleness;
* ``_state``: ``ServerPhase`` and its transition table, the single source of truth, and the
  ``Lifecycle`` that holds the current phase and announces each change;
* ``_plan``: settings into a ``LaunchPlan`` (pure ``plan_launch``; ``resolve_launch`` finds the
  binary, the model and a port first);
* ``_launch``: the command line, the port, and ``ServerProcess``, a child that cannot outlive us;
* ``_speculation``: a model's speculative decoding (n-gram, draft model) as arguments;
* ``_supervise``: one ``ServerRun`` per process and the ``Supervisor`` watching it (output,
  readiness, health, hangs, idleness);
* ``_recovery``: the restart backoff and the crash-loop guard (``Recovery``);
* ``_router``: router mode's presets file, command line and ``RouterSession`` (model states,
  load, unload, idle models);
* ``_diagnose``: an exit or a failed start as a ``Failure`` a person can act on;
* ``_pidfile``: pid records, and the sweep of servers orphaned by a dead app;
* ``_log``: the server's output on disk and its last lines in memory.
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
from ._plan import (
    LaunchPlan,
    RemoteWorkers,
    WorkerArgs,
    plan_launch,
    resolve_launch,
    write_launch_files,
)
from ._recovery import Recovery, endpoint_patience
from ._router import (
    RouterModel,
    RouterPlan,
    RouterSession,
    ini_options,
    parse_states,
    preset_text,
    router_argv,
)
from ._speculation import speculation_argv
from ._state import Lifecycle, ServerPhase, check_transition
from ._supervise import ServerRun, Supervisor

__all__ = [
    "Failure",
    "LaunchPlan",
    "Lifecycle",
    "PidRecord",
    "Recovery",
    "RemoteWorkers",
    "RouterModel",
    "RouterPlan",
    "RouterSession",
    "ServerLog",
    "ServerMonitor",
    "ServerPhase",
    "ServerProcess",
    "ServerRun",
    "Supervisor",
    "WorkerArgs",
    "build_argv",
    "check_extra_args",
    "check_transition",
    "choose_port",
    "connect_url",
    "describe_returncode",
    "diagnose_engine",
    "diagnose_exit",
    "diagnose_spawn",
    "endpoint_patience",
    "ini_options",
    "parse_states",
    "plan_launch",
    "port_owner",
    "port_taken",
    "preset_text",
    "remove_record",
    "resolve_launch",
    "router_argv",
    "server_environ",
    "speculation_argv",
    "sweep",
    "write_launch_files",
    "write_record",
]
