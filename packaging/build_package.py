"""Make the desktop packages: a PyInstaller one-folder build, then a tarball and a .deb of it.

    .venv/bin/python packaging/build_package.py [--portable] [--xz-level N] [--dist DIR]

``python build.py package`` runs this after set-up (venv, frontend build, engine, model). It
writes ``DIST/llamadesk-<version>-linux-x86_64.tar.gz``, ``DIST/llamadesk_<version>_amd64.deb``
and ``DIST/package-info.json`` (sizes and step times). ``--portable`` packages the portable
llama-server (built first if the cache has none); without it, this machine's native build, which
is quicker to get but runs only on CPUs like this one (what the tests use). It exits 1 when a
package is over its size budget (tarball 320 MB; .deb 260 MB at the release xz level, 6). Runs in
the venv, so it can ask the backend where the engine and the model are.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend import __version__  # noqa: E402
from backend.engine import build_portable_engine  # noqa: E402
from backend.paths import AppPaths  # noqa: E402

PACKAGING = ROOT / "packaging"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
RELEASE_XZ_LEVEL = 6  # xz's default; the tests use 1 (4x less CPU, a larger .deb)
TARBALL_BUDGET_MB = 320
DEB_BUDGET_MB = 260
APP = "llamadesk"


def log(message: str) -> None:
    print(f"[package] {message}", flush=True)


@contextmanager
def timed(name: str, times: dict[str, float]) -> Iterator[None]:
    started = time.monotonic()
    yield
    times[name] = round(time.monotonic() - started, 1)
    log(f"{name}: {times[name]} s")


def freeze(work: Path, portable: bool) -> Path:
    """Run PyInstaller on the spec; return the one-folder app."""
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level=WARN"]
    command += ["--distpath", str(work / "dist"), "--workpath", str(work / "build")]
    command += [str(PACKAGING / "llamadesk.spec"), "--"]
    command += ["--portable"] if portable else []
    subprocess.run(command, cwd=ROOT, check=True)
    return work / "dist" / APP


def render_icons(out: Path) -> dict[int, Path]:
    """The hicolor PNG sizes, rendered from the SVG with Qt (no other tool needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import Qt  # noqa: PLC0415 - Qt only for this step
    from PyQt6.QtGui import QGuiApplication, QImage, QPainter  # noqa: PLC0415
    from PyQt6.QtSvg import QSvgRenderer  # noqa: PLC0415

    app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(PACKAGING / "icons" / f"{APP}.svg"))
    pngs = {}
    out.mkdir(parents=True, exist_ok=True)
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        pngs[size] = out / f"{size}.png"
        image.save(str(pngs[size]))
    del app
    return pngs


def make_tarball(folder: Path, tarball: Path) -> None:
    """``llamadesk-<version>/`` with the app, as tar.gz (tar keeps the bundle's symlinks)."""
    top = tarball.name.removesuffix("-linux-x86_64.tar.gz")

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(tarball, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=top, filter=owned_by_root)


def _copy_tree(source: Path, target: Path) -> None:
    """Hard links where possible: the .deb's staging tree costs no copy of 600 MB."""
    shutil.copytree(source, target, symlinks=True, copy_function=os.link)


def _depends() -> str:
    lines = (PACKAGING / "debian" / "depends").read_text().splitlines()
    return ", ".join(line.strip() for line in lines if line.strip() and not line.startswith("#"))


_SHARED_LIBRARY = re.compile(r"\.so(\.[0-9.]+)?$")  # wheels ship them executable; lintian objects


def _gzip(data: bytes, target: Path) -> None:
    """``gzip -9n``: no name or time stamp in the header, as Debian wants."""
    with (
        target.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out,
    ):
        out.write(data)


def _changelog() -> str:
    """The native package's changelog: one entry for this version."""
    date = email.utils.formatdate(time.time())
    return (
        f"{APP} ({__version__}) stable; urgency=medium\n\n"
        f"  * LlamaDesk {__version__}.\n\n"
        f" -- {_maintainer()}  {date}\n"
    )


def _maintainer() -> str:
    control = (PACKAGING / "debian" / "control").read_text()
    return (
        next(line for line in control.splitlines() if line.startswith("Maintainer:"))
        .split(":", 1)[1]
        .strip()
    )


def stage_deb(folder: Path, icons: dict[int, Path], root: Path) -> None:
    """The .deb's file tree: /opt/llamadesk, /usr/bin/llamadesk, the menu entry and icons."""
    shutil.rmtree(root, ignore_errors=True)
    opt = root / "opt" / APP
    _copy_tree(folder, opt)
    (opt / "share" / "apparmor").mkdir(parents=True)
    shutil.copy2(PACKAGING / "apparmor" / APP, opt / "share" / "apparmor" / APP)
    usr = root / "usr"
    (usr / "bin").mkdir(parents=True)
    (usr / "bin" / APP).symlink_to(f"/opt/{APP}/{APP}")
    (usr / "share" / "applications").mkdir(parents=True)
    shutil.copy2(PACKAGING / f"{APP}.desktop", usr / "share" / "applications" / f"{APP}.desktop")
    hicolor = usr / "share" / "icons" / "hicolor"
    for size, png in icons.items():
        (hicolor / f"{size}x{size}" / "apps").mkdir(parents=True)
        shutil.copy2(png, hicolor / f"{size}x{size}" / "apps" / f"{APP}.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(PACKAGING / "icons" / f"{APP}.svg", hicolor / "scalable" / "apps" / f"{APP}.svg")
    doc = usr / "share" / "doc" / APP
    doc.mkdir(parents=True)
    shutil.copy2(PACKAGING / "debian" / "copyright", doc / "copyright")
    _gzip(_changelog().encode(), doc / "changelog.gz")
    (usr / "share" / "man" / "man1").mkdir(parents=True)
    _gzip((PACKAGING / f"{APP}.1").read_bytes(), usr / "share" / "man" / "man1" / f"{APP}.1.gz")
    overrides = usr / "share" / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    shutil.copy2(PACKAGING / "debian" / "lintian-overrides", overrides / APP)
    for path in root.rglob("*"):
        if not path.is_symlink():
            executable = os.access(path, os.X_OK) and not _SHARED_LIBRARY.search(path.name)
            path.chmod(0o755 if path.is_dir() or executable else 0o644)
    control_dir = root / "DEBIAN"
    control_dir.mkdir()
    installed_kb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) // 1024
    control = (PACKAGING / "debian" / "control").read_text()
    control = control.replace("@VERSION@", __version__)
    control = control.replace("@INSTALLED_SIZE@", str(installed_kb))
    (control_dir / "control").write_text(control.replace("@DEPENDS@", _depends()))
    for script in ("postinst", "prerm"):
        shutil.copy2(PACKAGING / "debian" / script, control_dir / script)
        (control_dir / script).chmod(0o755)


def start_deb(root: Path, deb: Path, xz_level: int) -> subprocess.Popen[bytes]:
    """dpkg-deb in the background (xz on its own threads) while the tarball is written."""
    command = ["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{xz_level}", "--build"]
    return subprocess.Popen([*command, str(root), str(deb)], stdout=subprocess.DEVNULL)


def _size_mb(path: Path) -> float:
    if path.is_file():
        return round(path.stat().st_size / 1e6, 1)
    files = (p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return round(sum(p.stat().st_size for p in files) / 1e6, 1)


def package(args: argparse.Namespace, progress: Callable[[str], None] = log) -> dict[str, object]:
    """Every step, timed; returns what package-info.json holds."""
    times: dict[str, float] = {}
    dist: Path = args.dist
    work = dist / "work"
    dist.mkdir(parents=True, exist_ok=True)
    if args.portable:
        with timed("portable engine", times):
            build_portable_engine(AppPaths.from_env().engine_cache, progress)
    with timed("pyinstaller", times):
        folder = freeze(work, args.portable)
    tarball = dist / f"{APP}-{__version__}-linux-x86_64.tar.gz"
    deb = dist / f"{APP}_{__version__}_amd64.deb"
    with timed("tarball and deb", times):
        stage_deb(folder, render_icons(work / "icons"), work / "deb")
        dpkg_deb = start_deb(work / "deb", deb, args.xz_level)
        make_tarball(folder, tarball)
        if dpkg_deb.wait() != 0:
            raise SystemExit(f"dpkg-deb failed with exit code {dpkg_deb.returncode}")
    info: dict[str, object] = {
        "version": __version__,
        "engine": "portable" if args.portable else "native",
        "folder": str(folder),
        "tarball": str(tarball),
        "deb": str(deb),
        "folder_mb": _size_mb(folder),
        "tarball_mb": _size_mb(tarball),
        "deb_mb": _size_mb(deb),
        "xz_level": args.xz_level,
        "seconds": times,
    }
    (dist / "package-info.json").write_text(json.dumps(info, indent=2))
    return info


def over_budget(info: dict[str, object]) -> list[str]:
    """Sizes past the release budgets (the .deb's only counts at the release xz level)."""
    sizes = {"tarball": (info["tarball_mb"], TARBALL_BUDGET_MB)}
    if int(str(info["xz_level"])) >= RELEASE_XZ_LEVEL:
        sizes["deb"] = (info["deb_mb"], DEB_BUDGET_MB)
    return [
        f"{name} is {size} MB, over its {budget} MB budget"
        for name, (size, budget) in sizes.items()
        if float(str(size)) >= budget
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portable", action="store_true", help="ship the portable llama-server")
    parser.add_argument(
        "--xz-level", type=int, default=RELEASE_XZ_LEVEL, help=".deb xz level (default 6)"
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    info = package(parser.parse_args(argv))
    log(
        f"{info['tarball']} ({info['tarball_mb']} MB), {info['deb']} ({info['deb_mb']} MB); "
        f"folder {info['folder_mb']} MB"
    )
    for problem in over_budget(info):
        log(f"error: {problem}")
    return 1 if over_budget(info) else 0


if __name__ == "__main__":
    sys.exit(main())
