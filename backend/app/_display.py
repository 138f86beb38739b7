"""Can a window be shown here? Decide before Qt is imported, and say what to do if not."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

__all__ = ["NO_DISPLAY_MESSAGE", "has_display", "prepare_qt_environment"]

NO_DISPLAY_MESSAGE = (
    "LlamaDesk needs a display and none was found (DISPLAY/WAYLAND_DISPLAY unset): run it in a "
    "desktop session, under `xvfb-run -a python build.py run`, or as `python -m backend --browser` "
    "and open the printed URL in a browser."
)


def has_display(environ: Mapping[str, str]) -> bool:
    """True when Qt can open a window (a display, or the offscreen platform for tests)."""
    if environ.get("QT_QPA_PLATFORM") == "offscreen":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def prepare_qt_environment(environ: MutableMapping[str, str], *, is_root: bool) -> None:
    """Settings QtWebEngine needs: as root its sandbox refuses to start without --no-sandbox."""
    environ.setdefault("QT_API", "pyqt6")
    if is_root:
        flags = environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()
