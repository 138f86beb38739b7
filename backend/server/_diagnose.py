"""Turn a dead or unstartable llama-server into a sentence a person can act on.

Peers show "Unknown error (exit code 18446744072635812000)": a status code printed as an unsigned
64-bit number, with the server's own explanation thrown away. Here every failure becomes a
:class:`Failure`: a message naming the cause (the signal by name, the exit code, the line of
stderr that says what went wrong), a hint saying what to do next, the error class the bridge
maps to a code (``EngineError`` for the binary, ``ModelError`` for the model file, ``ServerError``
for the rest) and whether restarting could help. A missing model, a rejected argument or an
illegal instruction (a binary built for another CPU) fails the same way every time, so the monitor
goes to ``failed`` at once instead of burning its restart budget; a segfault or the OOM killer
may not repeat, so it restarts.

The patterns match this engine's stderr (captured in ``tests/server/test_diagnose.py``); an
unknown failure still gets the exit description and the last error line, never "Unknown error".
"""

from __future__ import annotations

import errno
import re
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from ..errors import EngineError, LlamaDeskError, ModelError, ServerError

__all__ = [
    "Failure",
    "describe_returncode",
    "diagnose_engine",
    "diagnose_exit",
    "diagnose_spawn",
    "port_owner",
    "port_taken",
]

_ERROR_LINE = re.compile(r"^[\d.]+\s+E\s+(?P<text>.*)$")
_OOM_HINT = (
    "Not enough memory for this model: choose a smaller model or quantisation, lower the context "
    "size, or offload fewer GPU layers (Settings → Engine)."
)
_MODEL_HINT = "Choose another .gguf file in Settings → Engine → model, or clear it to use SmolLM2."
_SIGILL_HINT = (
    "This llama-server uses CPU instructions this computer cannot run (a binary built for another "
    "CPU, or AVX-512/AMX that a virtual machine reports but does not support). Delete the built-in "
    "engine (`python -m backend engine --info` shows where it is) and build it again with "
    "`python -m backend engine --build`, or choose a llama-server built for this computer in "
    "Settings → Engine."
)
_PROJECTOR_HINT = (
    "A projector (mmproj GGUF) only works with the model it was made for, and a new kind may "
    "need a newer llama-server: choose the right one in the model's load settings (Settings → "
    "Models), or move the wrong one out of the model's folder."
)
_PROJECTOR_REFUSED = re.compile(r"failed to load multimodal model, '(?P<path>[^']+)'")
_CLIP_REASON = re.compile(
    r"clip_init: failed to load model '[^']+': (?:clip_model_loader: )?(?P<reason>.+)$"
)
_DRAFT_HINT = (
    "A draft model must share the model's vocabulary (usually a smaller model of the same "
    "family): choose another one, or none, in the model's load settings (Settings → Models)."
)
_DRAFT_REFUSED = re.compile(r"failed to load draft model, '(?P<path>[^']+)'")
_DRAFT_VOCAB = ("draft vocabs are not compatible", "draft model vocab")
_ARGS_HINT = "Check Settings → Engine → extra arguments; `llama-server --help` lists valid ones."


@dataclass(frozen=True)
class Failure:
    """Why the server is not running: message, hint, error class, and whether to retry."""

    message: str
    hint: str | None = None
    kind: type[LlamaDeskError] = ServerError
    permanent: bool = False
    detail: str | None = None

    def to_error(self) -> LlamaDeskError:
        """The error to raise for this failure; ``detail`` carries the hint and stderr tail."""
        parts = [part for part in (self.hint, self.detail) if part]
        return self.kind(self.message, detail="\n\n".join(parts) or None)


def describe_returncode(returncode: int) -> str:
    """Say how a process ended: a signal by name, or an exit code in a readable base."""
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"was killed by signal {-returncode}"
        reason = signal.strsignal(sig) or sig.name
        return f"was killed by {sig.name} ({reason})"
    if returncode > 255:
        # A status code shown as a huge unsigned number helps nobody: show its low 32 bits.
        return f"exited with status 0x{returncode & 0xFFFFFFFF:08X}"
    return f"exited with code {returncode}"


def _error_lines(lines: Sequence[str]) -> list[str]:
    found = []
    for line in lines:
        match = _ERROR_LINE.match(line.strip())
        if match:
            found.append(match.group("text").strip())
        elif line.lower().startswith(("error", "terminate called")):
            found.append(line.strip())
    return found


def _tail(lines: Sequence[str], count: int = 12) -> str | None:
    kept = [line for line in lines[-count:] if line.strip()]
    return "Last lines from llama-server:\n" + "\n".join(kept) if kept else None


def _model_failure(text: str, model: Path) -> Failure | None:
    checks: list[tuple[tuple[str, ...], str, str]] = [
        (
            ("no such file or directory",),
            f"The model file {model} does not exist.",
            _MODEL_HINT,
        ),
        (
            ("permission denied",),
            f"LlamaDesk may not read the model file {model}.",
            "Give your user read permission on the file, or choose another model.",
        ),
        (
            ("failed to read magic",),
            f"The model file {model} is empty or unreadable.",
            "Download the model again, or choose another .gguf file.",
        ),
        (
            ("invalid magic characters",),
            f"{model} is not a GGUF model file.",
            "llama-server loads only .gguf files: convert the model to GGUF, or "
            "choose another file in Settings → Engine → model.",
        ),
        (
            ("not within the file bounds", "corrupted or incomplete"),
            f"The model file {model} is incomplete or corrupted.",
            "It was probably cut off while downloading or copying: download it again.",
        ),
        (
            ("unknown model architecture",),
            f"This llama-server does not support the architecture of {model.name}.",
            "Choose a model of a supported architecture, or a newer llama-server.",
        ),
    ]
    for needles, message, hint in checks:
        if any(needle in text for needle in needles):
            return Failure(message, hint, ModelError, permanent=True)
    if "failed to load model" in text or "model loading error" in text:
        return Failure(f"llama-server could not load {model}.", _MODEL_HINT, ModelError, True)
    return None


def _projector_failure(errors: Sequence[str]) -> Failure | None:
    """The vision projector (``--mmproj``) was refused; checked before the model, since the
    projector's own header errors ("invalid magic characters") read like the model's."""
    refused = next((m for line in errors if (m := _PROJECTOR_REFUSED.search(line))), None)
    if refused is None:
        return None
    path = Path(refused["path"])
    reason = next((m["reason"] for line in errors if (m := _CLIP_REASON.search(line))), None)
    why = f": {reason.rstrip('.')}" if reason else ""
    return Failure(
        f"llama-server could not load the vision projector {path.name}{why}.",
        _PROJECTOR_HINT,
        ModelError,
        permanent=True,
    )


def _draft_failure(errors: Sequence[str], model: Path) -> Failure | None:
    """The draft model (``-md``) was refused; checked before the model, since its load errors
    ("failed to load model") read like the model's."""
    text = "\n".join(errors)
    if any(needle in text for needle in _DRAFT_VOCAB):
        message = f"The draft model does not share the vocabulary of {model.name}."
    else:
        refused = _DRAFT_REFUSED.search(text)
        if refused is None:
            return None
        message = f"llama-server could not load the draft model {Path(refused['path']).name}."
    return Failure(message, _DRAFT_HINT, ModelError, permanent=True)


def diagnose_exit(
    returncode: int,
    lines: Sequence[str],
    *,
    model: Path,
    host: str,
    port: int,
    fixed_port: bool,
) -> Failure:
    """Explain why llama-server ended, from its return code and the last lines it printed."""
    detail = _tail(lines)
    errors = _error_lines(lines)
    text = "\n".join(errors).lower()
    how = describe_returncode(returncode)
    if "couldn't bind" in text:
        found = port_taken(host, port, permanent=fixed_port)
        return Failure(found.message, found.hint, found.kind, found.permanent, detail)
    if any(word in text for word in ("out of memory", "failed to allocate", "bad_alloc")):
        return Failure(
            f"llama-server ran out of memory and {how}.", _OOM_HINT, ModelError, True, detail
        )
    model_failure = (
        _projector_failure(errors) or _draft_failure(errors, model) or _model_failure(text, model)
    )
    if model_failure is not None:
        return Failure(model_failure.message, model_failure.hint, ModelError, True, detail)
    if "invalid argument" in text or "error while handling argument" in text:
        return Failure(
            f"llama-server rejected its command line: {errors[-1]}",
            _ARGS_HINT,
            ServerError,
            True,
            detail,
        )
    last = f": {errors[-1]}" if errors else ""
    if returncode == -signal.SIGILL:
        # The same instruction faults on every start: restarting cannot help.
        return Failure(f"llama-server {how}{last}.", _SIGILL_HINT, EngineError, True, detail)
    if returncode == -signal.SIGKILL:
        hint = (
            "If you did not kill it, the system probably ran out of memory (the kernel's OOM "
            "killer); a smaller model or context size needs less."
        )
    elif returncode < 0:
        hint = "llama-server crashed; it is restarted automatically. The log has the details."
    else:
        hint = "See Settings → Engine → logs for the full output."
    return Failure(f"llama-server {how}{last}.", hint, ServerError, False, detail)


def diagnose_engine(exc: EngineError) -> Failure:
    """Explain a binary that ``locate_engine`` rejected, with a hint for the exec errno."""
    cause = exc.__cause__
    if isinstance(cause, OSError) and cause.errno is not None:
        return diagnose_spawn(cause, exc.message)
    return Failure(exc.message, exc.detail, EngineError, permanent=True)


def diagnose_spawn(exc: OSError, message: str | None = None) -> Failure:
    """Explain why the operating system would not run the binary."""
    hints = {
        errno.ENOENT: "The file is missing: choose your llama-server in Settings → Engine, "
        "or clear the setting to use the built-in engine.",
        errno.EACCES: "The file is not executable: run `chmod +x` on it, or choose another binary.",
        errno.ENOEXEC: "The file is not a program for this machine (wrong CPU architecture or "
        "operating system, or not a binary at all): get a llama-server built for this computer.",
    }
    hint = hints.get(exc.errno or 0, "Choose a working llama-server in Settings → Engine.")
    text = message or f"llama-server could not be started: {exc.strerror or exc}."
    return Failure(text, hint, EngineError, permanent=True, detail=str(exc))


def port_owner(port: int) -> str | None:
    """Name the process listening on ``port`` ("python3 (pid 123)"), where psutil can tell."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return None
            try:
                return f"{psutil.Process(conn.pid).name()} (pid {conn.pid})"
            except psutil.Error:
                return f"pid {conn.pid}"
    return None


def port_taken(host: str, port: int, *, permanent: bool = True) -> Failure:
    """The failure for a port another program already listens on, naming that program."""
    owner = port_owner(port)
    by = f" by {owner}" if owner else " by another program"
    return Failure(
        f"Port {port} on {host} is already in use{by}.",
        "Set Settings → Engine → port to 0 to pick a free port automatically, or stop the "
        "program that holds it.",
        ServerError,
        permanent=permanent,
    )
