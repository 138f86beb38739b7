"""Links open in the user's browser, which never gets the packaged app's loader variables."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from backend.app._handlers._app import open_in_browser
from tests.test_child_env import FROZEN


def test_a_link_opens_in_a_browser_that_gets_the_restored_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.json"
    browser = tmp_path / "browser"
    browser.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        f"open({str(seen)!r}, 'w').write(json.dumps([sys.argv[1:], dict(os.environ)]))\n"
    )
    browser.chmod(0o755)
    for key, value in FROZEN.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("BROWSER", f"{tmp_path / 'missing'}:{browser} --new %s")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert open_in_browser("https://example.org/a b")
    argv, env = json.loads(seen.read_text())
    assert argv == ["--new", "https://example.org/a b"]
    assert env["LD_LIBRARY_PATH"] == "/opt/lib"
    assert not [key for key in env if key.startswith("_PYI_") or key.endswith("_ORIG")]


def test_no_browser_that_works_means_not_opened(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BROWSER", "/bin/false")
    monkeypatch.setenv("PATH", str(tmp_path))  # no xdg-open either
    assert not open_in_browser("https://example.org/")
