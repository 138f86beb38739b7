"""The package's public surface: sorted, complete, and nothing private leaks."""

from __future__ import annotations

import importlib

import backend.server

MODULES = [
    "_diagnose",
    "_launch",
    "_log",
    "_monitor",
    "_pidfile",
    "_plan",
    "_recovery",
    "_router",
    "_speculation",
    "_state",
    "_supervise",
]


def test_all_is_sorted_and_names_exist() -> None:
    assert backend.server.__all__ == sorted(backend.server.__all__)
    for name in backend.server.__all__:
        assert getattr(backend.server, name) is not None


def test_each_module_declares_what_it_exports() -> None:
    exported = set()
    for name in MODULES:
        module = importlib.import_module(f"backend.server.{name}")
        assert module.__all__ == sorted(module.__all__)
        exported.update(module.__all__)
    assert set(backend.server.__all__) == exported
