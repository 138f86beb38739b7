"""``python build.py bench [NAME ...]`` runs all benchmarks or those named."""

from __future__ import annotations

import pytest

import build

SCRIPTS = ["bench_failover", "bench_slot_cache"]


def test_no_names_choose_every_benchmark_of_both_kinds() -> None:
    chosen = build._chosen_benchmarks([], SCRIPTS)
    assert chosen == {*SCRIPTS, *(name for name, _ in build.FRONTEND_BENCHMARKS)}


def test_names_choose_with_or_without_the_prefix() -> None:
    assert build._chosen_benchmarks(["slot_cache", "bench_long_conversation"], SCRIPTS) == {
        "bench_slot_cache",
        "bench_long_conversation",
    }


def test_an_unknown_name_stops_with_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build._chosen_benchmarks(["slotcache"], SCRIPTS)
    said = capsys.readouterr()
    assert (
        "no benchmark bench_slotcache; known: bench_failover, bench_slot_cache"
        in said.err + said.out
    )
