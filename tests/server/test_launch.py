"""The command line, the port choice and the process wrapper, without llama-server."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import anyio
import psutil
import pytest

from backend.config import EngineSettings
from backend.server import (
    ServerProcess,
    build_argv,
    check_extra_args,
    choose_port,
    connect_url,
    server_environ,
)

pytestmark = pytest.mark.anyio


def _argv(**engine: object) -> list[str]:
    return build_argv(
        EngineSettings(**engine),
        binary=Path("/bin/llama-server"),
        model=Path("/m/model.gguf"),
        port=4242,
        slot_dir=Path("/home/data/slots"),
    )


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_argv_carries_every_setting() -> None:
    argv = _argv(
        context_size=2048, parallel_slots=3, gpu_layers=12, threads=4, extra_args=["--metrics"]
    )
    assert argv[0] == "/bin/llama-server"
    assert _option(argv, "--model") == "/m/model.gguf"
    assert _option(argv, "--host") == "127.0.0.1"
    assert _option(argv, "--port") == "4242"
    assert _option(argv, "--ctx-size") == "2048"
    assert _option(argv, "--parallel") == "3"
    assert _option(argv, "--n-gpu-layers") == "12"
    assert _option(argv, "--threads") == "4"
    assert _option(argv, "--slot-save-path") == "/home/data/slots"
    assert argv[-1] == "--metrics"


def test_argv_leaves_threads_to_the_server_and_maps_all_gpu_layers() -> None:
    argv = _argv(threads=0, gpu_layers=-1, host="0.0.0.0")
    assert "--threads" not in argv
    assert _option(argv, "--n-gpu-layers") == "all"
    assert _option(argv, "--host") == "0.0.0.0"


def test_argv_never_contains_an_api_key() -> None:
    assert not any("api-key" in arg for arg in _argv())


@pytest.mark.parametrize(
    ("extra", "flag", "instead"),
    [
        (["--port", "9"], "--port", "Settings → Engine → port"),
        (["--metrics", "--host=0.0.0.0"], "--host", "Settings → Engine → host"),
        (["-m", "x.gguf"], "-m", "Settings → Engine → model"),
        (["--api-key", "k"], "--api-key", "LlamaDesk sets a key"),
    ],
)
def test_extra_args_may_not_take_the_server_away(extra: list[str], flag: str, instead: str) -> None:
    failure = check_extra_args(extra)
    assert failure is not None
    assert failure.message == f"The extra arguments set {flag}, which LlamaDesk sets itself."
    assert instead in (failure.hint or "")
    assert failure.permanent


def test_harmless_extra_args_pass() -> None:
    assert check_extra_args(["--metrics", "--ctx-size", "8192", "--portable"]) is None


def test_the_environment_carries_the_key_and_skips_the_fit_unless_the_user_says() -> None:
    env = server_environ({"PATH": "/bin", "LLAMA_API_KEY": "old"}, "secret")
    assert env == {
        "PATH": "/bin",
        "LLAMA_API_KEY": "secret",
        "LLAMA_ARG_FIT": "off",
        "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1",
    }
    assert server_environ({"LLAMA_ARG_FIT": "on"}, "k")["LLAMA_ARG_FIT"] == "on"


@pytest.mark.parametrize(
    ("theirs", "given"),
    [
        ("glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"),
        ("glibc.malloc.hugetlb=0", "glibc.malloc.hugetlb=0"),
        ("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", None),
        ("", "glibc.malloc.hugetlb=1"),
    ],
)
def test_huge_pages_join_the_users_tunables_and_their_own_choice_wins(
    theirs: str, given: str | None
) -> None:
    env = server_environ({"GLIBC_TUNABLES": theirs}, "k")
    assert env["GLIBC_TUNABLES"] == (theirs if given is None else given)


def test_port_zero_picks_a_free_port() -> None:
    port = choose_port("127.0.0.1", 0)
    assert isinstance(port, int)
    assert port > 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_a_free_configured_port_is_kept() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert choose_port("127.0.0.1", port) == port


def test_a_taken_port_names_the_port_and_its_owner() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        failure = choose_port("127.0.0.1", port)
    assert not isinstance(failure, int)
    assert failure.message.startswith(f"Port {port} on 127.0.0.1 is already in use by ")
    assert f"(pid {os.getpid()})" in failure.message
    assert failure.permanent
    assert "port to 0" in (failure.hint or "")


def test_an_unusable_host_is_a_failure_with_a_hint() -> None:
    failure = choose_port("192.0.2.1", 0)
    assert not isinstance(failure, int)
    assert "cannot listen on 192.0.2.1:0" in failure.message
    assert "host" in (failure.hint or "")


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:5"),
        ("0.0.0.0", "http://127.0.0.1:5"),
        ("::", "http://[::1]:5"),
        ("::1", "http://[::1]:5"),
        ("localhost", "http://localhost:5"),
    ],
)
def test_connect_url(host: str, url: str) -> None:
    assert connect_url(host, 5) == url


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def test_process_output_lines_and_exit_code_are_captured() -> None:
    lines: list[str] = []
    process = ServerProcess.spawn(
        _python(
            "import sys; print('one'); print('two', file=sys.stderr); print('tail', end='')"
            "; sys.exit(7)"
        ),
        os.environ,
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(process.pump, lines.append)
        assert await process.watch() == 7
    assert lines == ["one", "two", "tail"]
    assert process.returncode == 7


async def test_process_runs_in_its_own_session_and_stops_on_sigterm() -> None:
    process = ServerProcess.spawn(_python("import time; time.sleep(60)"), os.environ)
    async with anyio.create_task_group() as tg:
        tg.start_soon(process.pump, lambda line: None)
        tg.start_soon(process.watch)
        assert os.getsid(process.pid) == process.pid
        assert os.getpgid(process.pid) == process.pid
        await process.terminate(2.0)
    assert process.returncode == -signal.SIGTERM


async def test_terminate_kills_what_ignores_sigterm() -> None:
    process = ServerProcess.spawn(
        _python(
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)"
        ),
        os.environ,
    )
    ready = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(process.pump, lambda line: ready.set())
        tg.start_soon(process.watch)
        await ready.wait()
        with anyio.fail_after(5):
            await process.terminate(0.3)
    assert process.returncode == -signal.SIGKILL


async def test_a_cancelled_watch_kills_and_reaps_the_child() -> None:
    process = ServerProcess.spawn(_python("import time; time.sleep(60)"), os.environ)
    async with anyio.create_task_group() as tg:
        tg.start_soon(process.pump, lambda line: None)
        with anyio.move_on_after(0.2):
            await process.watch()
    assert process.returncode == -signal.SIGKILL
    assert process.exited.is_set()
    assert not psutil.pid_exists(process.pid)
