"""Can a window be shown here, and how should it draw? Decide before Qt is imported.

Drawing: with no GPU, Qt's OpenGL path runs on Mesa's llvmpipe, an OpenGL emulated on the CPU,
and Chromium's compositor inside QtWebEngine does the same. Each frame of a streaming answer
then costs about three times the CPU of Qt Quick's software renderer (measured on the 2-core
test machine under Xvfb: 33 ms against 11 ms per page update, and the bridge's ``run_js`` round
trips wait behind the emulated GPU on Qt's main thread). So ``appearance.window_rendering``
``auto`` draws in software when the machine has no GPU device (``/dev/dri/renderD*``), and
``software`` always does: ``QT_QUICK_BACKEND=software`` and Chromium's ``--disable-gpu``.
A value the user set in the environment wins.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Literal

__all__ = [
    "NO_DISPLAY_MESSAGE",
    "draws_in_software",
    "has_display",
    "has_gpu_device",
    "prepare_qt_environment",
]

NO_DISPLAY_MESSAGE = (
    "LlamaDesk needs a display and none was found (DISPLAY/WAYLAND_DISPLAY unset): run it in a "
    "desktop session, under `xvfb-run -a python build.py run`, or as `python -m backend --browser` "
    "and open the printed URL in a browser."
)

Rendering = Literal["auto", "gpu", "software"]
_DRI = Path("/dev/dri")


def has_display(environ: Mapping[str, str]) -> bool:
    """True when Qt can open a window (a display, or the offscreen platform for tests)."""
    if environ.get("QT_QPA_PLATFORM") == "offscreen":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def has_gpu_device(dri: Path = _DRI) -> bool:
    """Whether the machine has a GPU render node (Linux DRM) to draw with."""
    return any(dri.glob("renderD*"))


def draws_in_software(rendering: Rendering, *, gpu: bool) -> bool:
    """Whether the window should use software rendering for this setting and machine."""
    return rendering == "software" or (rendering == "auto" and not gpu)


def prepare_qt_environment(
    environ: MutableMapping[str, str], *, is_root: bool, software: bool = False
) -> None:
    """Settings QtWebEngine needs: as root its sandbox refuses to start without --no-sandbox;
    with ``software``, Qt Quick's software renderer and no GPU in Chromium."""
    environ.setdefault("QT_API", "pyqt6")
    wanted = ["--no-sandbox"] if is_root else []
    if software:
        environ.setdefault("QT_QUICK_BACKEND", "software")
        wanted.append("--disable-gpu")
    flags = environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    missing = [flag for flag in wanted if flag not in flags]
    if missing:
        environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags + missing)
