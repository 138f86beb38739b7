"""Fixtures for bridge tests: a blocking portal and recording fakes."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from .fakes import FakeHandlers


@pytest.fixture
def portal() -> Iterator[BlockingPortal]:
    """An event loop in a background thread, as the app runs one."""
    with start_blocking_portal("asyncio") as running:
        yield running


class RecordingTarget:
    """An event target that records batches, optionally slow like a busy page."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.delay_s = delay_s
        self.delivered = threading.Event()

    def deliver(self, events: Sequence[dict[str, Any]]) -> None:
        if self.delay_s:
            threading.Event().wait(self.delay_s)
        self.batches.append(list(events))
        self.delivered.set()

    @property
    def events(self) -> list[dict[str, Any]]:
        return [event for batch in self.batches for event in batch]


@pytest.fixture
def target() -> RecordingTarget:
    return RecordingTarget()


@pytest.fixture
def handlers() -> FakeHandlers:
    """Answers every command with a sample of its result type."""
    return FakeHandlers()
