"""The stream's update rate adapts to the machine: slower when the model uses every core."""

from __future__ import annotations

import pytest

from backend.app import cores_shared, stream_flush_ms
from backend.config import Settings


@pytest.mark.parametrize(
    ("threads", "logical", "physical", "shared"),
    [
        (0, 2, 2, True),  # llama-server's default on a 2-core machine: both cores
        (0, 4, 4, True),
        (0, 16, 8, False),  # one thread per physical core leaves the SMT siblings free
        (1, 2, 2, False),
        (2, 2, 1, True),  # the user asked for every CPU
        (8, 4, 4, True),
        (0, 1, 1, True),
    ],
)
def test_the_engine_shares_the_cores_when_its_threads_cover_every_cpu(
    threads: int, logical: int, physical: int, shared: bool
) -> None:
    assert cores_shared(threads, logical, physical) is shared


def test_the_flush_interval_is_the_shared_one_while_the_model_takes_every_core() -> None:
    settings = Settings()
    assert settings.behaviour.stream_flush_ms == 25
    assert settings.behaviour.stream_flush_shared_ms == 250
    assert stream_flush_ms(settings, (2, 2)) == 250
    assert stream_flush_ms(settings, (16, 8)) == 25
    settings.engine.threads = 16
    assert stream_flush_ms(settings, (16, 8)) == 250


def test_the_shared_interval_is_never_faster_than_the_usual_one() -> None:
    settings = Settings()
    settings.behaviour.stream_flush_ms = 33
    settings.behaviour.stream_flush_shared_ms = 16
    assert stream_flush_ms(settings, (2, 2)) == 33
