"""Supervised children: the one way the app starts a process that must not outlive it.

llama-server, MCP stdio servers and RPC workers are all started here, with the same guarantees:

- its own session and process group, so a Ctrl-C in a terminal or a signal to the app's group does
  not reach it, and :func:`signal_group` reaches its whole group;
- on Linux ``PR_SET_PDEATHSIG(SIGKILL)``: the kernel kills it when the *thread* that forked it
  exits, even if the app was SIGKILLed. So a spawn is a plain synchronous call made on the event
  loop's thread (a long-lived thread), never from a worker thread that ends after the call. The
  child checks after ``prctl`` that its parent is still the app, closing the window in which the
  app died between fork and prctl.

Waiting for the exit (a pidfd, so it is seen at once) and reaping stay with each caller, which
knows what the exit means.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

__all__ = ["signal_group", "spawn_child"]

_PR_SET_PDEATHSIG = 1
_Pipe = int | None


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    return prctl


_PRCTL = _load_prctl()


def _die_with(parent_pid: int) -> Callable[[], None] | None:
    prctl = _PRCTL
    if prctl is None:
        return None

    def child_setup() -> None:
        if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent_pid:
            os._exit(1)

    return child_setup


def spawn_child(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin: _Pipe = subprocess.DEVNULL,
    stdout: _Pipe = subprocess.PIPE,
    stderr: _Pipe = subprocess.STDOUT,
    cwd: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session, killed with the app; call it on the loop's thread.

    Raises ``OSError`` as ``subprocess.Popen`` does (the caller says what it was starting).
    """
    return subprocess.Popen(
        list(argv),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        cwd=cwd,
        env=dict(env),
        start_new_session=True,
        preexec_fn=_die_with(os.getpid()),  # noqa: PLW1509 - prctl must run in the child
    )


def signal_group(popen: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Send ``sig`` to the child's whole process group, unless it has been reaped."""
    if popen.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(popen.pid, sig)
