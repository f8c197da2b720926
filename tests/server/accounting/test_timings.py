"""The timing series: kept as histograms as values come, so a read costs what the buckets do,
never what the requests did — and a quantile is within 0.05 % of a value that was served."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from server.accounting import timings
from server.accounting.journal import Journal
from server.accounting.metrics import render_metrics
from server.accounting.stats import Stats, percentile
from server.accounting.timings import FOLD, QUANTILES, Series, TimingLog
from tests.helpers import FakeClock, asker


def exact(values: list[float]) -> list[float]:
    ordered = sorted(values)
    return [percentile(ordered, q) for q in QUANTILES]


@pytest.mark.parametrize(
    "draw",
    [
        pytest.param(lambda r: r.lognormvariate(-3.0, 1.0), id="lognormal"),
        pytest.param(lambda r: r.uniform(0.0001, 0.0002), id="narrow"),
        pytest.param(lambda r: r.choice((0.05, 0.4)) + r.uniform(0, 1e-4), id="two-modes"),
    ],
)
def test_quantiles_are_within_a_twentieth_of_a_percent(draw: object) -> None:
    rng = random.Random(7)
    values = [draw(rng) for _ in range(3 * FOLD + 17)]  # type: ignore[operator]
    series = Series()
    for value in values:
        series.add(value)
    for got, want in zip(series.quantiles(), exact(values), strict=True):
        assert got == pytest.approx(want, rel=5e-4)


def test_identical_values_have_exact_quantiles_and_signs_and_zeros_keep_their_order() -> None:
    fixed = Series()
    for _ in range(1_000):
        fixed.add(0.05)
    assert fixed.quantiles() == [0.05] * len(QUANTILES)
    mixed = Series()
    values = [-0.002, -0.001, 0.0, 0.0, 0.001, 0.003] * 50
    for value in values:
        mixed.add(value)
    for got, want in zip(mixed.quantiles(), exact(values), strict=True):
        assert got == pytest.approx(want, rel=5e-4, abs=1e-12)


def test_the_common_path_and_the_others_merge_as_four_series() -> None:
    log = TimingLog()
    log.common.add(0.001)  # what Stats.finished does on the common path
    log.add(0.05, 0.01, 0.07)
    summaries = log.summaries()
    assert summaries["intended"]["count"] == 2.0 and summaries["intended"]["max_ms"] == 50.0
    assert summaries["queue_wait"]["p50_ms"] == pytest.approx(5.0, rel=5e-4)  # between 0 and 10
    assert summaries["actual"]["mean_ms"] == pytest.approx(35.5)
    assert summaries["overshoot"]["max_ms"] == pytest.approx(20.0)


def test_the_timings_memory_does_not_grow_with_the_requests() -> None:
    stats = Stats()
    rng = random.Random(3)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(100_000):
        stats.finished(1.0, 1.0, "jobs", "90011", 0, 0.0, 0.0, 200, None, 10, asker(),
                       served=rng.uniform(0.0001, 0.001))  # fmt: skip
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert held < 300_000  # 100,000 samples kept would be 800,000 bytes; buckets are a few hundred


class Unreadable:
    """Entries no read may walk: a stats read costs what its figures do, not the journal."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> object:
        raise AssertionError("a stats read walked the journal's entries")


def test_stats_and_metrics_read_no_journal_entry() -> None:
    journal = Journal(1_000, FakeClock())
    stats = Stats(journal)
    connections = [asker(("127.0.0.1", 5000 + n)) for n in range(8)]  # one peer object each
    for index in range(500):
        stats.finished(1.0, 1.0, "jobs", "90011", index, 0.0, 0.0, 200, None, 10,
                       connections[index % 8], served=0.001)  # fmt: skip
    entries = journal.entries
    journal.entries = Unreadable(len(entries))  # type: ignore[assignment]
    snapshot = stats.snapshot()
    journal.entries = entries
    assert (snapshot["connections"], snapshot["requests_per_connection"]) == (8, 62.5)
    assert snapshot["journal"]["entries"] == 500
    assert "asynchronicity_actual_seconds_count 500" in render_metrics(snapshot)


def test_a_read_looks_at_the_buckets_its_quantiles_land_in_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stats = Stats()
    rng = random.Random(11)
    for _ in range(4 * FOLD):  # lognormal delays spread over thousands of buckets
        stats.finished(1.0, 1.0, "jobs", "90011", 0, 0.0, 0.0, 200, None, 10, asker(),
                       served=rng.lognormvariate(-6.0, 1.5))  # fmt: skip
        stats.record("search", "200", timing=(0.05, 0.0, 0.05 + rng.expovariate(100.0)))
    assert len(stats.timings.common.merged(stats.timings.actual).buckets) > 2_000
    looked = [0]
    real = timings.middle

    def counted(key: int) -> float:
        looked[0] += 1
        return real(key)

    monkeypatch.setattr(timings, "middle", counted)
    text = render_metrics(stats.snapshot())
    assert f"asynchronicity_actual_seconds_count {8 * FOLD}" in text
    assert looked[0] <= 4 * 2 * len(QUANTILES)  # two ranks a quantile, four series
