"""How the window draws: software rendering where there is no GPU, and the flags it needs."""

from __future__ import annotations

from pathlib import Path

from backend.app import draws_in_software, has_gpu_device, prepare_qt_environment


def test_a_render_node_is_a_gpu(tmp_path: Path) -> None:
    assert not has_gpu_device(tmp_path / "missing")
    (tmp_path / "card0").touch()
    assert not has_gpu_device(tmp_path)
    (tmp_path / "renderD128").touch()
    assert has_gpu_device(tmp_path)


def test_auto_draws_in_software_only_without_a_gpu() -> None:
    assert draws_in_software("auto", gpu=False)
    assert not draws_in_software("auto", gpu=True)
    assert draws_in_software("software", gpu=True)
    assert not draws_in_software("gpu", gpu=False)


def test_software_rendering_sets_qt_quick_and_chromium_flags() -> None:
    environ: dict[str, str] = {}
    prepare_qt_environment(environ, is_root=True, software=True)
    assert environ["QT_QUICK_BACKEND"] == "software"
    assert environ["QTWEBENGINE_CHROMIUM_FLAGS"].split() == ["--no-sandbox", "--disable-gpu"]


def test_the_users_own_values_win_and_flags_are_not_repeated() -> None:
    environ = {"QT_QUICK_BACKEND": "rhi", "QTWEBENGINE_CHROMIUM_FLAGS": "--disable-gpu --foo"}
    prepare_qt_environment(environ, is_root=True, software=True)
    assert environ["QT_QUICK_BACKEND"] == "rhi"
    assert environ["QTWEBENGINE_CHROMIUM_FLAGS"].split() == [
        "--disable-gpu",
        "--foo",
        "--no-sandbox",
    ]


def test_gpu_rendering_leaves_qt_alone() -> None:
    environ: dict[str, str] = {}
    prepare_qt_environment(environ, is_root=False, software=False)
    assert environ == {"QT_API": "pyqt6"}
