"""`gridgov bench intake` works end to end with a tiny run (its figures are measured, never asserted)."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov import benchmarks
from gridgov.benchmarks import intake


def test_the_bench_serves_a_throwaway_database_and_finds_every_acknowledged_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A default limit far below the run's reports (and its warm-up): the bench's key has none.
    monkeypatch.setenv("GRIDGOV_OPEN311_KEY_LIMIT_HOUR", "5")
    lines: list[str] = []

    figures: dict[str, Any] = intake.run(quick=True, seed=3, log=lines.append, reports=12, clients=2)

    assert (figures["acknowledged"], figures["failed"], figures["lost"], figures["duplicate_ids"]) == (
        12,
        0,
        0,
        0,
    )
    assert figures["reports_per_s"] > 0 and figures["baseline_per_s"] > 0
    assert figures["p99_ms"] >= figures["p50_ms"] > 0
    assert any("gridgov serve is up" in line for line in lines)
    assert any("no hourly limit" in line for line in lines)


def test_the_bench_is_registered_under_its_name() -> None:
    assert benchmarks.load("intake") is intake.run
