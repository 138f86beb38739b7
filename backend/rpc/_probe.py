"""Is a worker there, and what does it offer? One bounded check per worker address.

A worker (``ggml-rpc-server``) serves one client at a time and never says no: a second client's
connection waits in its listen queue until the first one leaves. So there are two checks:

- :func:`probe_worker`, for a worker nobody here uses: first a plain TCP connect (refused, no
  route, unknown host are told apart at once), then ``llama-server --rpc ADDR --list-devices``,
  which does the RPC handshake and prints each remote device with its memory. It runs with a
  deadline and is killed past it, so an address that accepts and never answers cannot hang a
  launch. llama-server aborts on any worker it cannot use, so each worker gets its own run: one
  bad address never hides the good ones.
- :func:`still_listening`, for a worker the running llama-server holds: only the TCP connect (it
  lands in the listen queue and is closed unanswered), since a handshake would wait behind the
  server. A refused connect means the worker is gone, before the server finds out at its next
  token.
"""

from __future__ import annotations

import errno
import re
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "RemoteDevice",
    "WorkerCheck",
    "WorkerState",
    "parse_devices",
    "probe_worker",
    "split_address",
    "still_listening",
]

WorkerState = Literal[
    "unknown", "reachable", "in_use", "refused", "not_answering", "not_a_worker", "error"
]
_MIB = 1024 * 1024
# "  RPC0: 127.0.0.1:50052 (24105 MiB, 24105 MiB free)" (the name may carry [host:port]).
_DEVICE = re.compile(r"^\s*(RPC\d*(?:\[[^\]]*\])?):\s*(.*?)\s*\((\d+) MiB, (\d+) MiB free\)\s*$")
_NOT_A_WORKER = ("handshake failed", "version mismatch", "malformed response")


@dataclass(frozen=True)
class RemoteDevice:
    """One device a worker exposes, as llama-server lists it."""

    name: str
    description: str
    total_bytes: int
    free_bytes: int


@dataclass(frozen=True)
class WorkerCheck:
    """What one check of one worker found."""

    address: str
    state: WorkerState
    devices: tuple[RemoteDevice, ...] = ()
    error: str | None = None
    checked_at: float = field(default_factory=time.time)

    @property
    def usable(self) -> bool:
        """Whether a launch can take this worker."""
        return self.state in ("reachable", "in_use")

    @property
    def free_bytes(self) -> int:
        """Free memory over the worker's devices."""
        return sum(device.free_bytes for device in self.devices)


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port``) as host and port; ``ValueError`` when it is not one."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{address!r} is not host:port")
    return host.removeprefix("[").removesuffix("]"), int(port)


def parse_devices(output: str) -> tuple[RemoteDevice, ...]:
    """The RPC devices in ``llama-server --list-devices`` output."""
    found = []
    for line in output.splitlines():
        match = _DEVICE.match(line)
        if match:
            name, description, total, free = match.groups()
            found.append(RemoteDevice(name, description, int(total) * _MIB, int(free) * _MIB))
    return tuple(found)


def _connect(address: str, timeout_s: float) -> WorkerCheck | None:
    """None when a TCP connection opened; else the check that says why not."""
    try:
        host, port = split_address(address)
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except ValueError as exc:
        return WorkerCheck(address, "error", error=str(exc))
    except TimeoutError:
        return WorkerCheck(address, "not_answering", error=f"no answer within {timeout_s:g} s")
    except ConnectionRefusedError:
        return WorkerCheck(address, "refused", error="connection refused: no worker listens there")
    except socket.gaierror as exc:
        return WorkerCheck(address, "error", error=f"unknown host ({exc.strerror})")
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
        return WorkerCheck(address, "refused", error=f"cannot connect: {reason}")


def still_listening(address: str, timeout_s: float) -> WorkerCheck | None:
    """None while something still accepts connections at ``address``; else why not."""
    return _connect(address, timeout_s)


def probe_worker(
    binary: Path, address: str, timeout_s: float, environ: Mapping[str, str]
) -> WorkerCheck:
    """Check one worker (blocking; run it in a thread): reachable with its devices, or why not."""
    refused = _connect(address, timeout_s)
    if refused is not None:
        return refused
    try:
        listed = subprocess.run(
            [str(binary), "--rpc", address, "--list-devices"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**environ, "GGML_NO_BACKTRACE": "1"},  # an abort need not start gdb
            check=False,
        )
    except subprocess.TimeoutExpired:
        return WorkerCheck(
            address,
            "not_answering",
            error=f"accepts connections but did not answer within {timeout_s:g} s "
            "(busy with another client, or not a worker)",
        )
    except OSError as exc:
        return WorkerCheck(address, "error", error=f"could not run {binary}: {exc.strerror}")
    output = listed.stdout + listed.stderr
    devices = parse_devices(output)
    if listed.returncode == 0 and devices:
        return WorkerCheck(address, "reachable", devices)
    if any(marker in output for marker in _NOT_A_WORKER):
        return WorkerCheck(address, "not_a_worker", error="answers, but not as an RPC worker")
    last = next((line for line in reversed(output.splitlines()) if line.strip()), "")
    return WorkerCheck(address, "error", error=f"llama-server could not use it: {last[:300]}")
