"""Browser mode is not exposed by accident: beyond loopback needs a flag, warns, and offers TLS.

Real app processes. A host other machines can reach is refused without ``--allow-network``
before anything starts; with it, the app warns on stderr (plain HTTP says so) and answers only
requests addressed to it. ``--tls-cert``/``--tls-key`` serve HTTPS with a certificate made here
by ``openssl``. The tests send traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.real_server


@dataclass
class Launched:
    process: subprocess.Popen[str]
    url: str
    port: int
    token: str

    def stop(self) -> str:
        """SIGTERM, wait for a clean exit, and return what it wrote on stderr."""
        self.process.send_signal(signal.SIGTERM)
        _, stderr = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, stderr
        return stderr


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "backend", "--browser", "--port", "0", *args]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "LLAMADESK_HOME": str(home)}


@pytest.fixture
def launch(llamadesk_home: Path, engine_binary: Path) -> Iterator[Callable[..., Launched]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> Launched:
        process = subprocess.Popen(
            _command(*args),
            cwd=ROOT,
            env=_env(llamadesk_home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(https?://\S+?:(\d+))/\?token=(\S+)", line)
        assert match, f"no URL line, got {line!r}"
        return Launched(process, match.group(1), int(match.group(2)), match.group(3))

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _refused_at_once(home: Path, *args: str) -> str:
    done = subprocess.run(
        _command(*args),
        check=False,
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done
    assert "running at" not in done.stdout
    assert not (home / "run").exists() or not any((home / "run").iterdir()), "something started"
    return done.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_a_host_beyond_loopback_needs_allow_network(llamadesk_home: Path, host: str) -> None:
    stderr = _refused_at_once(llamadesk_home, "--host", host)
    assert f"--host {host} can be reached from other machines" in stderr
    assert "--allow-network" in stderr


def test_allowed_network_warns_and_answers_only_its_own_hosts(
    launch: Callable[..., Launched],
) -> None:
    app = launch("--host", "0.0.0.0", "--allow-network")
    auth = {"Authorization": f"Bearer {app.token}"}
    local = f"http://127.0.0.1:{app.port}"
    assert httpx.post(f"{local}/api/get_server_status", headers=auth, timeout=30).is_success
    rebound = {**auth, "Host": f"evil.example:{app.port}"}
    refused = httpx.post(f"{local}/api/get_server_status", headers=rebound, timeout=30)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "invalid_argument"
    stderr = app.stop()
    assert "warning: LlamaDesk listens on 0.0.0.0, reachable from other machines" in stderr
    assert "plain HTTP" in stderr
    assert "--tls-cert FILE --tls-key FILE" in stderr


def _certificate(folder: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is needed to make a test certificate: apt-get install openssl")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    subject = ["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
    subject += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [openssl, *request, *subject, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_serves_https_with_the_given_certificate(
    launch: Callable[..., Launched], tmp_path: Path
) -> None:
    cert, key = _certificate(tmp_path)
    app = launch("--tls-cert", str(cert), "--tls-key", str(key))
    assert app.url.startswith("https://127.0.0.1:")
    trusted = ssl.create_default_context(cafile=cert)
    auth = {"Authorization": f"Bearer {app.token}"}
    answer = httpx.post(f"{app.url}/api/get_server_status", headers=auth, verify=trusted)
    assert answer.is_success
    assert "<html" in httpx.get(f"{app.url}/", verify=trusted).text.lower()
    with pytest.raises(httpx.TransportError):
        httpx.post(f"http://127.0.0.1:{app.port}/api/get_server_status", headers=auth)
    assert "warning" not in app.stop()


def test_tls_over_the_network_does_not_warn_about_plain_http(
    launch: Callable[..., Launched], tmp_path: Path
) -> None:
    cert, key = _certificate(tmp_path)
    app = launch(
        "--host", "0.0.0.0", "--allow-network", "--tls-cert", str(cert), "--tls-key", str(key)
    )
    stderr = app.stop()
    assert "reachable from other machines" in stderr
    assert "plain HTTP" not in stderr


def test_unusable_tls_files_stop_before_anything_starts(
    llamadesk_home: Path, tmp_path: Path
) -> None:
    cert, key = _certificate(tmp_path)
    stderr = _refused_at_once(llamadesk_home, "--tls-cert", str(cert), "--tls-key", str(cert))
    assert f"Cannot use {cert} with {cert} for TLS" in stderr
    stderr = _refused_at_once(llamadesk_home, "--tls-cert", str(cert))
    assert "--tls-cert and --tls-key go together" in stderr
    missing = tmp_path / "missing.pem"
    stderr = _refused_at_once(llamadesk_home, "--tls-cert", str(missing), "--tls-key", str(key))
    assert "No such file" in stderr
