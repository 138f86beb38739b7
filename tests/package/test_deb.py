"""The .deb: its Depends against ``ldd``, then install, start and remove it as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend import __version__

from .packaged import (
    ANSWER_FLAGS,
    PROMPT,
    Homes,
    Package,
    run_clean,
    self_test_report,
)

# The first test also waits for the session's package build (about 3 min on 2 idle cores).
pytestmark = [pytest.mark.gui, pytest.mark.real_server, pytest.mark.timeout(1800)]

GLIBC_FLOOR = 35  # Ubuntu 22.04
_LOCK_WAIT_S = 300.0  # another apt/dpkg on this machine (a set-up) holds the lock meanwhile


def _dpkg(*args: str) -> subprocess.CompletedProcess[str]:
    """dpkg, waiting for its lock while another package tool on the machine holds it."""
    deadline = time.monotonic() + _LOCK_WAIT_S
    while True:
        result = subprocess.run(["dpkg", *args], capture_output=True, text=True, check=False)
        if "lock" not in result.stderr or time.monotonic() > deadline:
            return result
        time.sleep(1)


def _elf_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def _outside_libraries(bundle: Path) -> tuple[set[str], list[str]]:
    """Libraries the bundle's ELF files load from the system, and lines ldd could not resolve.

    The app's bootloader puts ``_internal`` on the library path, so ldd gets it too.
    """
    internal = bundle / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    files = [str(path) for path in _elf_files(bundle)]
    result = subprocess.run(["ldd", *files], capture_output=True, text=True, env=env, check=False)
    outside: set[str] = set()
    missing: list[str] = []
    current = ""
    for line in result.stdout.splitlines():
        if not line.startswith("\t"):
            current = line.rstrip(":")
            continue
        if "not found" in line:
            missing.append(f"{current}: {line.strip()}")
        elif "=>" in line:
            target = line.split("=>", 1)[1].split("(")[0].strip()
            if target and not Path(target).resolve().is_relative_to(bundle):
                outside.add(target)
    return outside, missing


def _owning_packages(paths: set[str]) -> dict[str, str]:
    """Map each library path to its Debian package (dpkg knows /usr/lib or /lib, merged-/usr)."""
    owners: dict[str, str] = {}
    for path in sorted(paths):
        candidates = {path, str(Path(path).resolve())}
        candidates |= {c.removeprefix("/usr") for c in list(candidates)}
        candidates |= {"/usr" + c for c in list(candidates) if not c.startswith("/usr")}
        for candidate in sorted(candidates):
            result = _dpkg("-S", candidate)
            if result.returncode == 0:
                owners[path] = result.stdout.split(":", 1)[0].strip()
                break
        else:
            owners[path] = "(no package)"
    return owners


def _depends(deb: Path) -> set[str]:
    field = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    alternatives = (part.split("|") for part in field.split(","))
    return {alt.split("(")[0].strip() for group in alternatives for alt in group}


def test_the_depends_field_covers_every_system_library_the_bundle_loads(
    package: Package, unpacked: Path
) -> None:
    outside, missing = _outside_libraries(unpacked)
    assert not missing, "libraries nothing provides:\n" + "\n".join(missing[:40])
    bundled = {p.name for p in (unpacked / "_internal").iterdir()}
    assert not bundled & {"libstdc++.so.6", "libgcc_s.so.1"}, "these are left to the system"
    owners = _owning_packages(outside)
    uncovered = {path: pkg for path, pkg in owners.items() if pkg not in _depends(package.deb)}
    assert not uncovered, f"add these packages to packaging/debian/depends: {uncovered}"


def test_nothing_in_the_bundle_needs_a_newer_glibc_than_ubuntu_22_04s(unpacked: Path) -> None:
    # A library copied from the build machine can ask for its glibc (Debian 12's libexpat: 2.36).
    needs: dict[str, int] = {}
    for path in _elf_files(unpacked):
        minors = [int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", path.read_bytes())]
        if minors:
            needs[str(path.relative_to(unpacked))] = max(minors)
    assert needs, "no ELF file names a glibc version: the scan is broken"
    too_new = {name: f"2.{minor}" for name, minor in needs.items() if minor > GLIBC_FLOOR}
    assert not too_new, f"these need a glibc newer than 2.{GLIBC_FLOOR}: {too_new}"


def test_the_deb_has_a_changelog_a_man_page_and_no_executable_libraries(
    package: Package,
) -> None:
    # what lintian asks for (the rest is overridden with reasons, packaging/debian/)
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(package.deb)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    names = {line.split()[-1] for line in listing}
    for needed in (
        "./usr/share/doc/llamadesk/changelog.gz",
        "./usr/share/doc/llamadesk/copyright",
        "./usr/share/man/man1/llamadesk.1.gz",
        "./usr/share/lintian/overrides/llamadesk",
    ):
        assert needed in names, needed
    libraries = [line for line in listing if re.search(r"\.so(\.[0-9.]+)?$", line.split()[-1])]
    assert libraries, "no shared library listed: the check is broken"
    executable = [line.split()[-1] for line in libraries if line.startswith("-rwx")]
    assert executable == [], executable[:10]


@pytest.fixture(scope="module")
def installed(package: Package) -> Iterator[list[str]]:
    """The .deb installed with dpkg -i; yields the files it put in place. Removed afterwards."""
    if os.geteuid() != 0:
        pytest.fail("installing the .deb needs root: run the tests as root (CI does)")
    done = _dpkg("-i", str(package.deb))
    assert done.returncode == 0, done.stdout + done.stderr
    listed = _dpkg("-L", "llamadesk").stdout.splitlines()
    yield listed
    _dpkg("-r", "llamadesk")


def test_the_deb_installs_the_app_a_menu_entry_and_icons(installed: list[str]) -> None:
    files = set(installed)
    assert "/opt/llamadesk/llamadesk" in files
    assert str(Path("/usr/bin/llamadesk").readlink()) == "/opt/llamadesk/llamadesk"
    desktop = Path("/usr/share/applications/llamadesk.desktop").read_text()
    assert "Exec=llamadesk\n" in desktop
    assert "Icon=llamadesk\n" in desktop
    for size in (16, 32, 48, 128, 256, 512):
        assert f"/usr/share/icons/hicolor/{size}x{size}/apps/llamadesk.png" in files
    status = _dpkg("-s", "llamadesk").stdout
    assert f"Version: {__version__}" in status


def test_the_installed_app_starts_from_usr_bin_and_answers(
    installed: list[str], x_display: str, tmp_path: Path, fresh_home: Homes
) -> None:
    home = fresh_home()
    args = [*ANSWER_FLAGS, "--self-test", PROMPT, "--self-test-dir", str(tmp_path)]
    self_test_report(run_clean(Path("/usr/bin/llamadesk"), args, home, x_display))


def test_dpkg_r_leaves_nothing_behind(installed: list[str], fresh_home: Homes) -> None:
    # runs last in this module: it removes what the fixture installed
    home = fresh_home()
    started = run_clean(Path("/usr/bin/llamadesk"), ["engine", "--info"], home)
    assert started.returncode == 0, started.stderr
    assert "source:  bundled" in started.stdout
    removed = _dpkg("-r", "llamadesk")
    assert removed.returncode == 0, removed.stderr
    left = [p for p in installed if Path(p).is_file() or Path(p).is_symlink()]
    assert not left, left
    assert not Path("/opt/llamadesk").exists()
    assert not Path("/etc/apparmor.d/llamadesk").exists()
    assert _dpkg("-s", "llamadesk").returncode != 0, "no config files may stay behind either"
