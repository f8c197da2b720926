"""Pure tests of `results.summary` over hand-made runs: percentiles, outcomes, the median run,
summaries, speed-ups, the exit code and the saved row."""

from __future__ import annotations

from typing import Any

import pytest

from clients.records import Attempt
from clients.results.series import percentile
from clients.results.summary import (
    Counts,
    as_dict,
    baseline_of,
    client_overhead,
    count_outcomes,
    exit_code,
    median_run,
    speedups,
    summarize,
)
from tests.builders import make_run, ok, summary_of


def bad(zip_code: str, number: int = 0, error: str = "http_500") -> Attempt:
    status = int(error[5:]) if error.startswith("http_") else None
    return Attempt(zip_code, number, 0.0, 0.05, status=status, error=error)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        pytest.param([], 0.5, 0.0, id="empty"),
        pytest.param([7.0], 0.99, 7.0, id="single"),
        pytest.param([4.0, 1.0, 3.0, 2.0], 0.5, 2.5, id="interpolated-median"),
        pytest.param([1.0, 2.0, 3.0, 4.0, 5.0], 0.0, 1.0, id="min"),
        pytest.param([1.0, 2.0, 3.0, 4.0, 5.0], 1.0, 5.0, id="max"),
        pytest.param([0.0, 10.0], 0.95, 9.5, id="p95"),
    ],
)
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_count_outcomes() -> None:
    attempts = [
        ok("a"),
        bad("b"), ok("b", number=1),
        bad("c", error="timeout"), bad("c", 1, error="connection"), bad("c", 2),
    ]  # fmt: skip
    assert count_outcomes(attempts) == Counts(ok=2, failed=1, retried=3, requests=6)
    assert count_outcomes([]) == Counts(0, 0, 0, 0)


def test_client_overhead_is_the_median_gap() -> None:
    attempts = [
        ok("a", 0.0, 0.015, intended=0.010, queue=0.002),  # 3 ms
        ok("b", 0.0, 0.020, intended=0.010, queue=None),  # 10 ms
        ok("c", 0.0, 0.012, intended=0.010, queue=0.0),  # 2 ms
        ok("d", 0.0, 9.0),  # no Server-Timing: not counted
        Attempt("e", 0, 0.0, 9.0, status=500, error="http_500", intended=0.01),  # failed
    ]
    assert client_overhead(attempts) == pytest.approx(0.003)
    assert client_overhead([ok("d")]) is None
    assert client_overhead([]) is None


def test_median_run_picks_the_lower_middle() -> None:
    runs = [make_run(wall=w) for w in (3.0, 1.0, 2.0)]
    assert median_run(runs).usage.time == 2.0
    assert median_run(runs[:2]).usage.time == 1.0  # 3.0 and 1.0: the lower one


# --- summarize ----------------------------------------------------------------------------


def test_summarize_uses_the_median_run() -> None:
    slow = make_run(wall=3.0, utime=0.9, stime=0.3, mem=3000, peak_threads=7, server_cpu=0.3)
    middle = make_run(
        wall=2.0, utime=0.4, stime=0.2, mem=2000, peak_threads=2, server_cpu=0.2,
        attempts=[ok("a", 0.0, 0.1), bad("b"), ok("b", 0.1, 0.4, number=1), ok("c", 0.0, 0.2)],
    )  # fmt: skip
    fast = make_run(wall=1.0, utime=0.1, stime=0.0, mem=1000, peak_threads=1, server_cpu=None)
    summary = summarize([slow, middle, fast], 3, {"1": 1.5})
    assert summary.client == "blocking" and summary.kind == "blocking"
    assert summary.runs == 3
    assert summary.totals == (3, 3, 3)
    assert summary.correct
    assert (summary.wall, summary.wall_min, summary.wall_max) == (2.0, 1.0, 3.0)
    assert summary.counts == Counts(ok=3, failed=0, retried=1, requests=4)  # the middle run's
    assert summary.utime == pytest.approx(0.4)
    assert summary.stime == pytest.approx(0.2)
    assert summary.cpu == pytest.approx(0.6)
    assert summary.cpu_per_request == pytest.approx(0.6 / 4)
    assert summary.mem == 2000
    assert summary.peak_threads == 7  # the most any run needed
    # every attempt of the middle run, as the client saw it: 0.1, 0.05 (failed), 0.3 and 0.2 s
    assert [summary.p50, summary.p95, summary.p99] == pytest.approx([0.15, 0.285, 0.297])
    assert summary.server_cpu == pytest.approx(0.25)  # median of the runs that know it
    assert summary.concurrency == 1  # blocking: one at a time
    assert summary.ideal == 1.5
    assert summary.efficiency == pytest.approx(0.75)
    assert summary.skipped is None


@pytest.mark.parametrize(
    ("totals", "expected", "correct"),
    [
        pytest.param((30, 30), 30, True, id="all-right"),
        pytest.param((30, 29), 30, False, id="one-short"),
        pytest.param((31,), 30, False, id="too-many"),
        pytest.param((30,), None, False, id="nothing-expected"),
    ],
)
def test_summarize_correctness(
    totals: tuple[int, ...], expected: int | None, correct: bool
) -> None:
    summary = summarize([make_run(total=t) for t in totals], expected, {})
    assert summary.totals == totals
    assert summary.correct is correct


@pytest.mark.parametrize(
    ("settings", "makespans", "ideal"),
    [
        pytest.param({"kind": "blocking"}, {"1": 2.0, "0": 0.1}, 2.0, id="blocking-uses-1"),
        pytest.param({"kind": "asyncio"}, {"1": 2.0, "0": 0.1}, 0.1, id="unlimited-uses-0"),
        pytest.param(
            {"kind": "threaded", "concurrency": 5}, {"5": 0.4, "0": 0.1}, 0.4, id="pool-uses-5"
        ),
        pytest.param({"kind": "asyncio"}, {}, None, id="no-makespan"),
    ],
)
def test_summarize_efficiency(
    settings: dict[str, Any], makespans: dict[str, float], ideal: float | None
) -> None:
    run = make_run(settings["kind"], wall=0.5, concurrency=settings.get("concurrency", 0))
    summary = summarize([run], 3, makespans)
    assert summary.ideal == ideal
    assert summary.efficiency == (None if ideal is None else pytest.approx(ideal / 0.5))


def test_efficiency_of_zero_wall_is_none() -> None:
    assert summarize([make_run(wall=0.0)], 3, {"1": 1.0}).efficiency is None


def test_summarize_all_skipped() -> None:
    runs = [make_run("node", kind="asyncio", skipped="skipped: node not installed")] * 2
    summary = summarize(runs, 3, {"0": 0.1})
    assert summary.skipped == "skipped: node not installed"
    assert (summary.runs, summary.totals, summary.correct) == (0, (), False)
    assert summary.counts == Counts(0, 0, 0, 0)


def test_summarize_ignores_skipped_repeats() -> None:
    runs = [make_run(wall=4.0, skipped="failed: killed"), make_run(wall=1.0)]
    summary = summarize(runs, 3, {})
    assert summary.runs == 1
    assert (summary.wall, summary.wall_min, summary.wall_max) == (1.0, 1.0, 1.0)
    assert summary.skipped is None


# --- speedups and the exit code -----------------------------------------------------------


def test_speedups_against_blocking() -> None:
    rows = [
        summary_of("blocking", "blocking", 4.0),
        summary_of("asyncio", "asyncio", 0.5),
        summary_of("threaded", "threaded", 8.0),
    ]
    assert speedups(rows) == pytest.approx({"blocking": 1.0, "asyncio": 8.0, "threaded": 0.5})


def test_speedups_without_blocking_are_against_the_slowest() -> None:
    rows = [summary_of("asyncio", "asyncio", 0.5), summary_of("uvloop", "uvloop", 0.4)]
    assert speedups(rows) == pytest.approx({"asyncio": 1.0, "uvloop": 1.25})
    assert baseline_of(rows) is rows[0]
    assert speedups([]) == {} and baseline_of([]) is None


def test_speedups_with_skipped_rows() -> None:
    rows = [
        summary_of("blocking", "blocking", 4.0, skipped="skipped: no"),
        summary_of("asyncio", "asyncio", 0.5),
    ]
    assert speedups(rows) == {"blocking": None, "asyncio": 1.0}  # against itself, the slowest
    rows = [
        summary_of("blocking", "blocking", 4.0),
        summary_of("node", "asyncio", 1.0, skipped="skipped: no node"),
    ]
    assert speedups(rows) == {"blocking": 1.0, "node": None}


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        pytest.param([], 0, id="nothing"),
        pytest.param([("blocking", True, None), ("asyncio", True, None)], 0, id="all-correct"),
        pytest.param([("blocking", True, None), ("asyncio", False, None)], 1, id="one-wrong"),
        pytest.param(
            [("blocking", True, None), ("node", True, "skipped: node not installed")],
            0,
            id="skip-ignored",
        ),
        pytest.param(
            [("blocking", True, None), ("asyncio", True, "failed: asyncio: killed")],
            1,
            id="failed-run-counts",
        ),
    ],
)
def test_exit_code(rows: list[tuple[str, bool, str | None]], code: int) -> None:
    summaries = [
        summary_of(name, "asyncio" if name == "node" else name, 1.0, correct=right, skipped=why)
        for name, right, why in rows
    ]
    assert exit_code(summaries) == code


def test_as_dict_adds_efficiency_and_speedup() -> None:
    summary = summarize([make_run(wall=2.0)], 3, {"1": 1.0})
    row = as_dict(summary, 1.0)
    assert row["client"] == "blocking"
    assert row["efficiency"] == pytest.approx(0.5)
    assert row["speedup"] == 1.0
    assert row["counts"] == {"ok": 3, "failed": 0, "retried": 0, "requests": 3}
