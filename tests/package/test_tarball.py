"""The unpacked tarball, started with a clean environment the way a user starts it."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from backend import __version__

from .packaged import (
    ANSWER_FLAGS,
    PROMPT,
    RELEASE_XZ_LEVEL,
    TEST_XZ_LEVEL,
    Homes,
    Package,
    clean_env,
    run_clean,
    self_test_report,
)

# The first test also waits for the session's package build (about 3 min on 2 idle cores).
SHOWN_LINE = "[llamadesk] start-up error shown in a dialog"  # what the app prints once it is up
pytestmark = [pytest.mark.gui, pytest.mark.real_server, pytest.mark.timeout(1800)]


def test_the_packages_are_named_by_version_and_the_tarball_is_within_budget(
    package: Package,
) -> None:
    assert package.tarball.name == f"llamadesk-{__version__}-linux-x86_64.tar.gz"
    assert package.deb.name == f"llamadesk_{__version__}_amd64.deb"
    assert package.tarball.stat().st_size < 320e6
    # the .deb's 260 MB budget holds at the release xz level: build_package.py checks it there
    if package.info["xz_level"] == RELEASE_XZ_LEVEL:  # a release package (LLAMADESK_TEST_PACKAGE)
        assert package.deb.stat().st_size < 260e6
    else:
        assert package.info["xz_level"] == TEST_XZ_LEVEL


def test_version_and_help_need_no_display(unpacked: Path, fresh_home: Homes) -> None:
    home = fresh_home()
    version = run_clean(unpacked / "llamadesk", ["--version"], home)
    assert version.returncode == 0, version.stderr
    assert version.stdout.splitlines()[0] == f"LlamaDesk {__version__}"
    shown = run_clean(unpacked / "llamadesk", ["--help"], home)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: llamadesk ")
    assert "--self-test" in shown.stdout
    assert "--browser" in shown.stdout


def test_it_uses_the_engine_it_carries_and_never_builds(unpacked: Path, fresh_home: Homes) -> None:
    home = fresh_home()
    info = run_clean(unpacked / "llamadesk", ["engine", "--info"], home)
    assert info.returncode == 0, info.stderr
    assert "source:  bundled" in info.stdout
    assert str(unpacked / "_internal" / "engine" / "llama-server") in info.stdout
    build = run_clean(unpacked / "llamadesk", ["engine", "--build", "--portable"], home)
    assert build.returncode == 1
    assert "packaged LlamaDesk does not build llama-server" in build.stderr


def test_it_carries_the_rpc_worker_and_runs_it_as_llamadesk_worker(
    unpacked: Path, fresh_home: Homes
) -> None:
    home = fresh_home()
    worker = unpacked / "_internal" / "engine" / "ggml-rpc-server"
    info = run_clean(unpacked / "llamadesk", ["engine", "--info"], home)
    assert info.returncode == 0, info.stderr
    assert "rpc:     compiled in" in info.stdout
    assert f"worker:  {worker}" in info.stdout
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = [f"{key}={value}" for key, value in clean_env(home, None).items()]
    command = ["env", "-i", *env, "LD_LIBRARY_PATH=/usr/local/lib", str(unpacked / "llamadesk")]
    process = subprocess.Popen(
        [*command, "worker", "--host", "127.0.0.1", "--port", str(port)],
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        listening = False
        while not listening and process.poll() is None and time.monotonic() < deadline:
            with socket.socket() as client:
                listening = client.connect_ex(("127.0.0.1", port)) == 0
            time.sleep(0 if listening else 0.1)
        assert listening, f"no worker listens on {port} (exit {process.poll()})"
        children = psutil.Process(process.pid).children(recursive=True)
        spawned = [c for c in children if c.name() == "ggml-rpc-server"]
        assert [c.exe() for c in spawned] == [str(worker)]
        # the user's library path, not the bundle's, and none of the loader's variables
        loader = {k: v for k, v in spawned[0].environ().items() if k.startswith(("LD_", "_PYI"))}
        assert loader == {"LD_LIBRARY_PATH": "/usr/local/lib"}, loader
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert f"127.0.0.1:{port}" in output, output


def test_a_question_in_the_window_is_answered(
    unpacked: Path, x_display: str, tmp_path: Path, fresh_home: Homes
) -> None:
    home = fresh_home()
    args = [*ANSWER_FLAGS, "--self-test", PROMPT, "--self-test-dir", str(tmp_path)]
    report = self_test_report(run_clean(unpacked / "llamadesk", args, home, x_display))
    assert int(str(report["chunks"])) > 1
    # user data goes to the platform folders under HOME; nothing was built or downloaded
    assert (home / ".local" / "share" / "llamadesk" / "conversations.db").exists()
    assert not (home / ".cache" / "llamadesk" / "engine").exists()
    assert not (home / ".cache" / "llamadesk" / "models").exists()


def test_browser_mode_answers_over_http_ignores_a_dotenv_and_runs_once(
    unpacked: Path, fresh_home: Homes
) -> None:
    home = fresh_home()
    # From a source checkout this .env would stop the start (a port that is not a number).
    (home / ".env").write_text("LLAMADESK_ENGINE__PORT=not-a-port\n")
    env = [f"{key}={value}" for key, value in clean_env(home, None).items()]
    command = ["env", "-i", *env, str(unpacked / "llamadesk"), "--browser", "--port", "0"]
    process = subprocess.Popen(command, cwd=home, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
        assert match, f"no URL line, got {line!r}"
        base, token = match.groups()
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 90
        status: dict[str, object] = {}
        while time.monotonic() < deadline and status.get("state") != "ready":
            answer = httpx.post(f"{base}/api/get_server_status", json={}, headers=headers)
            status = answer.json()["result"]
            time.sleep(0.1)
        assert status.get("state") == "ready", status
        server = psutil.Process(int(str(status["pid"])))
        assert server.exe() == str(unpacked / "_internal" / "engine" / "llama-server")
        # the bootloader's library path is the app's own: llama-server gets none of it
        loader = {k: v for k, v in server.environ().items() if k.startswith(("LD_", "_PYI_"))}
        assert loader == {}, loader
        assert "<html" in httpx.get(base + "/").text.lower()
        # a second launch on the same data does not start a second app: it points to this one
        second = run_clean(unpacked / "llamadesk", ["--browser", "--port", "0"], home, timeout=60)
        assert second.returncode == 0, second.stderr
        assert f"already running at {base}/" in second.stdout
    finally:
        process.terminate()
        code = process.wait(30)
        if process.stdout is not None:
            process.stdout.close()
    assert code == 0


def test_a_normal_user_runs_it_with_chromiums_sandbox_on(
    unpacked: Path, x_display: str, test_user: str, fresh_home: Homes
) -> None:
    home = fresh_home(owner=test_user)
    args = [*ANSWER_FLAGS, "--self-test", PROMPT, "--self-test-dir", str(home / "shots")]
    env = [f"{key}={value}" for key, value in clean_env(home, x_display).items()]
    command = ["env", "-i", *env, str(unpacked / "llamadesk"), *args]
    out, err = home.parent / f"{home.name}.out", home.parent / f"{home.name}.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(command, cwd=home, user=test_user, stdout=stdout, stderr=stderr)
        web = _web_processes(process, deadline=time.monotonic() + 240)
        code = process.wait(30)
    result = subprocess.CompletedProcess(command, code, out.read_text(), err.read_text())
    self_test_report(result)
    assert web, "no QtWebEngineProcess was seen"
    assert all("--no-sandbox" not in cmdline for cmdline, _ in web.values()), web
    # Chromium's sandboxed processes run under a seccomp-bpf filter (Seccomp: 2)
    assert any(seccomp == "2" for _, seccomp in web.values()), web


def _web_processes(
    process: subprocess.Popen[bytes], deadline: float
) -> dict[int, tuple[list[str], str]]:
    """Each QtWebEngineProcess the app starts: its command line and its Seccomp mode."""
    seen: dict[int, tuple[list[str], str]] = {}
    while process.poll() is None and time.monotonic() < deadline:
        try:
            children = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            break
        for child in children:
            try:
                if child.name() != "QtWebEngineProcess":
                    continue
                status = Path(f"/proc/{child.pid}/status").read_text()
                seccomp = next(
                    (
                        line.split()[1]
                        for line in status.splitlines()
                        if line.startswith("Seccomp:")
                    ),
                    "?",
                )
                seen[child.pid] = (child.cmdline(), seccomp)
            except (psutil.Error, OSError):
                continue
        time.sleep(0.2)
    return seen


def test_a_start_up_error_with_no_terminal_is_logged_and_shown_in_a_dialog(
    unpacked: Path, x_display: str, fresh_home: Homes
) -> None:
    # As from the desktop menu: no terminal, so stderr alone would reach nobody.
    home = fresh_home()
    env = [f"{key}={value}" for key, value in clean_env(home, x_display).items()]
    command = ["env", "-i", *env, str(unpacked / "llamadesk"), "--set", "engine.port=not-a-port"]
    process = subprocess.Popen(
        command, cwd=home, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        said = []
        while SHOWN_LINE not in said and (line := process.stderr.readline()):
            said.append(line.strip())
        assert SHOWN_LINE in said, said
        assert said[0].startswith("error: "), said
        assert process.poll() is None, "the dialog waits for the user"
        logs = list(home.rglob("llamadesk.log"))
        assert logs, f"no llamadesk.log under {home}"
        logged = logs[0].read_text()
        assert "Some settings given at launch are invalid." in logged
        assert "engine.port: " in logged
    finally:
        process.kill()
        process.wait()
        if process.stderr is not None:
            process.stderr.close()
