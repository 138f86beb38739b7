"""Exit codes, signals and stderr become messages with hints (stderr captured from this engine)."""

from __future__ import annotations

import errno
import os
import signal
import socket
from pathlib import Path

import psutil
import pytest

from backend.errors import EngineError, ModelError, ServerError
from backend.server import (
    Failure,
    describe_returncode,
    diagnose_engine,
    diagnose_exit,
    diagnose_spawn,
    port_owner,
)

MODEL = Path("/models/m.gguf")


def _diagnose(returncode: int, lines: list[str], fixed_port: bool = False) -> Failure:
    return diagnose_exit(
        returncode, lines, model=MODEL, host="127.0.0.1", port=1, fixed_port=fixed_port
    )


def _model_exit(*errors: str) -> list[str]:
    return [
        "0.00.001.068 I srv  llama_server: initializing ...",
        *errors,
        f"0.00.004.868 E srv    load_model: failed to load model, '{MODEL}'",
        "0.00.004.869 I srv    operator(): operator(): cleaning up before exit...",
        "0.00.005.286 E srv  llama_server: exiting due to model loading error",
    ]


@pytest.mark.parametrize(
    ("returncode", "expected"),
    [
        (-signal.SIGKILL, "was killed by SIGKILL (Killed)"),
        (-signal.SIGSEGV, "was killed by SIGSEGV (Segmentation fault)"),
        (-signal.SIGABRT, "was killed by SIGABRT (Aborted)"),
        (-200, "was killed by signal 200"),
        (1, "exited with code 1"),
        (18446744072635812000, "exited with status 0xC00008A0"),
        (3221226505, "exited with status 0xC0000409"),
    ],
)
def test_returncodes_are_described_by_name_or_readable_code(returncode: int, expected: str) -> None:
    assert describe_returncode(returncode) == expected


@pytest.mark.parametrize(
    ("error_line", "message", "hint"),
    [
        (
            f"0.00.004.860 E gguf_init_from_file: failed to open GGUF file '{MODEL}' "
            "(No such file or directory)",
            "does not exist",
            "Settings → Engine → model",
        ),
        (
            "0.00.004.528 E gguf_init_from_reader: invalid magic characters: 'hell', "
            "expected 'GGUF'",
            "is not a GGUF model file",
            "convert the model to GGUF",
        ),
        (
            "0.00.004.636 E gguf_init_from_reader: failed to read magic",
            "is empty or unreadable",
            "Download the model again",
        ),
        (
            "0.00.026.455 E llama_model_load: error loading model: tensor 'token_embd.weight' "
            "data is not within the file bounds, model is corrupted or incomplete",
            "is incomplete or corrupted",
            "download it again",
        ),
        (
            "0.00.010.000 E llama_model_load: error loading model: unknown model architecture: "
            "'mamba9'",
            "does not support the architecture of m.gguf",
            "newer llama-server",
        ),
        (
            f"0.00.004.860 E gguf_init_from_file: failed to open GGUF file '{MODEL}' "
            "(Permission denied)",
            "may not read the model file",
            "read permission",
        ),
        ("0.00.004.860 E something new went wrong", "could not load /models/m.gguf", "model"),
    ],
)
def test_model_load_failures_name_the_cause_and_what_to_do(
    error_line: str, message: str, hint: str
) -> None:
    failure = _diagnose(1, _model_exit(error_line))
    assert failure.kind is ModelError
    assert failure.permanent
    assert message in failure.message
    assert failure.hint is not None
    assert hint in failure.hint
    assert "Last lines from llama-server" in (failure.detail or "")


def test_out_of_memory_says_to_use_less_memory() -> None:
    failure = _diagnose(
        1,
        [
            "0.16.236.694 E llama_init_from_model: failed to initialize the context: failed to "
            "allocate buffer for kv cache",
            "0.16.237.184 E srv  llama_server: exiting due to model loading error",
        ],
    )
    assert failure.message == "llama-server ran out of memory and exited with code 1."
    assert failure.permanent
    assert "smaller model" in (failure.hint or "")
    assert "context size" in (failure.hint or "")


def test_a_bad_extra_argument_is_quoted_and_permanent() -> None:
    failure = _diagnose(1, ["error: invalid argument: --bogus"])
    assert (
        failure.message
        == "llama-server rejected its command line: error: invalid argument: --bogus"
    )
    assert failure.permanent
    assert "extra arguments" in (failure.hint or "")


def test_port_lost_to_a_race_names_the_port_and_is_permanent_only_when_fixed() -> None:
    lines = [
        "0.00.002.587 E srv         start: couldn't bind HTTP server socket, hostname: "
        "127.0.0.1, port: 1",
        "0.00.002.690 E srv  llama_server: exiting due to HTTP server error",
    ]
    assert "Port 1 on 127.0.0.1 is already in use" in _diagnose(1, lines).message
    assert not _diagnose(1, lines).permanent
    assert _diagnose(1, lines, fixed_port=True).permanent


def test_sigkill_hints_at_the_oom_killer_and_is_restartable() -> None:
    failure = _diagnose(-signal.SIGKILL, [])
    assert failure.message == "llama-server was killed by SIGKILL (Killed)."
    assert "OOM killer" in (failure.hint or "")
    assert not failure.permanent
    assert failure.kind is ServerError


def test_an_illegal_instruction_says_the_binary_does_not_fit_this_cpu() -> None:
    failure = _diagnose(-signal.SIGILL, [])
    assert failure.message == "llama-server was killed by SIGILL (Illegal instruction)."
    assert "engine --build" in (failure.hint or "")
    assert failure.permanent
    assert failure.kind is EngineError


def test_a_crash_quotes_the_last_error_line() -> None:
    failure = _diagnose(
        -signal.SIGSEGV,
        ["0.00.001.000 I fine", "0.00.002.000 E srv  fake: about to crash", "plain output"],
    )
    assert failure.message == (
        "llama-server was killed by SIGSEGV (Segmentation fault): srv  fake: about to crash."
    )
    assert not failure.permanent
    assert "restarted automatically" in (failure.hint or "")


def test_an_unknown_exit_still_says_how_it_ended() -> None:
    failure = _diagnose(3, ["nothing useful"])
    assert failure.message == "llama-server exited with code 3."
    assert "logs" in (failure.hint or "")


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.ENOENT, "The file is missing"),
        (errno.EACCES, "not executable"),
        (errno.ENOEXEC, "wrong CPU architecture"),
        (errno.EIO, "Choose a working llama-server"),
    ],
)
def test_exec_errors_get_a_hint_per_errno(code: int, hint: str) -> None:
    failure = diagnose_spawn(OSError(code, "boom"))
    assert failure.kind is EngineError
    assert failure.permanent
    assert hint in (failure.hint or "")


def test_engine_errors_keep_their_message_and_use_the_cause_errno() -> None:
    plain = EngineError("x does not look like llama-server.", detail="`--version` exited 1")
    assert diagnose_engine(plain).message == plain.message
    assert diagnose_engine(plain).hint == "`--version` exited 1"
    try:
        raise EngineError("x could not be run") from OSError(errno.ENOEXEC, "Exec format error")
    except EngineError as caused:
        failure = diagnose_engine(caused)
    assert failure.message == "x could not be run"
    assert "wrong CPU architecture" in (failure.hint or "")


def test_to_error_carries_hint_and_detail() -> None:
    failure = _diagnose(
        1, _model_exit("0.00.004.636 E gguf_init_from_reader: failed to read magic")
    )
    error = failure.to_error()
    assert isinstance(error, ModelError)
    assert error.message == failure.message
    assert error.detail is not None
    assert error.detail.startswith("Download the model again")
    assert "failed to read magic" in error.detail


def test_port_owner_names_the_listening_process() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        owner = port_owner(port)
    assert owner == f"{psutil.Process().name()} (pid {os.getpid()})"


def test_a_refused_projector_is_named_not_blamed_on_the_model() -> None:
    """The pinned engine's stderr for ``--mmproj`` pointing at a GGUF that is not a full
    projector (and at one that is not a GGUF at all), captured here."""
    hollow = "/models/mmproj-m-f16.gguf"
    lines = [
        "0.00.055.132 I srv    load_model: loading model '/models/m.gguf'",
        f"0.00.059.971 E mtmd_get_memory_usage: error: Failed to load CLIP model from {hollow}",
        "0.00.059.985 E srv    load_model: [mtmd] failed to get memory usage of mmproj",
        f"0.01.143.587 E clip_init: failed to load model '{hollow}': Key not found: "
        "clip.vision.embedding_length",
        f"0.01.149.882 E mtmd_init_from_file: error: Failed to load CLIP model from {hollow}",
        f"0.01.149.923 E srv    load_model: failed to load multimodal model, '{hollow}'",
        "0.01.173.870 E srv  llama_server: exiting due to model loading error",
    ]
    garbage = "/models/mmproj-noise.gguf"
    not_gguf = [
        "0.00.055.371 E gguf_init_from_reader: invalid magic characters: '????', expected 'GGUF'",
        f"0.02.362.019 E clip_init: failed to load model '{garbage}': clip_model_loader: failed "
        f"to load CLIP model from {garbage}. Does this file exist?",
        f"0.02.362.069 E srv    load_model: failed to load multimodal model, '{garbage}'",
        "0.02.372.367 E srv  llama_server: exiting due to model loading error",
    ]

    found = _diagnose(1, lines)
    other = _diagnose(1, not_gguf)

    assert found.message == (
        "llama-server could not load the vision projector mmproj-m-f16.gguf: "
        "Key not found: clip.vision.embedding_length."
    )
    assert (found.kind, found.permanent) == (ModelError, True)
    assert "Settings → Models" in str(found.hint)
    assert "Last lines from llama-server" in str(found.detail)
    assert other.message.startswith("llama-server could not load the vision projector ")
    assert "failed to load CLIP model from /models/mmproj-noise.gguf" in other.message
    assert str(MODEL) not in other.message, "the model is not the one at fault"
