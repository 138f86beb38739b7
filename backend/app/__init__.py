"""Wiring: the services behind the bridge, the window, browser mode and the self-test."""

from ._main import run_app

__all__ = ["run_app"]
