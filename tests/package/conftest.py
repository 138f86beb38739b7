"""The desktop package, built once per test session (see ``packaged`` for how it is run)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .packaged import ROOT, TEST_USER, TEST_XZ_LEVEL, Homes, Package, world_readable_dir


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    """Build the package once for the whole session (native engine, xz level 1).

    With ``LLAMADESK_TEST_PACKAGE`` set to a ``package-info.json`` (``dist/package-info.json``
    after ``python build.py package --portable``), the tests run against that package instead.
    """
    given = os.environ.get("LLAMADESK_TEST_PACKAGE")
    if given:
        built = json.loads(Path(given).read_text())
        return Package(Path(str(built["tarball"])), Path(str(built["deb"])), built)
    if not (ROOT / "frontend" / "build" / "index.html").exists():
        pytest.fail("the frontend is not built: run `python build.py test` (it builds it first)")
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, str(ROOT / "packaging" / "build_package.py"), "--dist", str(dist)]
    command += ["--xz-level", str(TEST_XZ_LEVEL)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"packaging failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
    info = json.loads((dist / "package-info.json").read_text())
    return Package(Path(str(info["tarball"])), Path(str(info["deb"])), info)


@pytest.fixture(scope="session")
def unpacked(package: Package) -> Iterator[Path]:
    """The tarball unpacked into a fresh folder, like a user would: the app folder inside it."""
    target = world_readable_dir("llamadesk-unpacked-")
    with tarfile.open(package.tarball) as tar:
        tops = {name.split("/", 1)[0] for name in tar.getnames()}
        tar.extractall(target, filter="tar")
    assert len(tops) == 1, f"the tarball should hold one folder, holds {sorted(tops)}"
    yield target / tops.pop()
    shutil.rmtree(target, ignore_errors=True)


@pytest.fixture(scope="session")
def test_user() -> Iterator[str]:
    """A normal user to run the app as (so Chromium's sandbox is on); created when missing."""
    if os.geteuid() != 0:
        yield pwd.getpwuid(os.geteuid()).pw_name
        return
    created = False
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", TEST_USER], check=True)
        created = True
    yield TEST_USER
    if created:
        subprocess.run(["userdel", TEST_USER], check=False)


@pytest.fixture
def fresh_home() -> Iterator[Homes]:
    """Makes empty homes for one test: ``fresh_home()``, ``fresh_home(owner=user)``; all of
    them are removed after it."""
    homes = Homes()
    yield homes
    homes.close()
