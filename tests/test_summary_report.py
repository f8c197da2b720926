"""Pure tests of `clients.summary` and `clients.report` over hand-made runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from rich.console import Console

from clients.records import Attempt, ClientSettings, RunResult, Usage
from clients.report.table import COLUMNS, caption_text, natural_width, report_table
from clients.results.summary import (
    Counts,
    Summary,
    as_dict,
    client_overhead,
    count_outcomes,
    exit_code,
    median_run,
    percentile,
    speedups,
    summarize,
)
from clients.results.units import percent, ratio, seconds, size
from tests.helpers import state_of


def ok(zip_code: str, start: float = 0.0, end: float = 0.1, number: int = 0, **kw: Any) -> Attempt:
    return Attempt(zip_code, number, start, end, status=200, jobs=kw.pop("jobs", 1), **kw)


def bad(zip_code: str, number: int = 0, error: str = "http_500") -> Attempt:
    status = int(error[5:]) if error.startswith("http_") else None
    return Attempt(zip_code, number, 0.0, 0.05, status=status, error=error)


def make_run(
    client: str = "blocking",
    *,
    kind: str | None = None,
    wall: float = 1.0,
    total: int = 3,
    attempts: Sequence[Attempt] = (),
    utime: float = 0.2,
    stime: float = 0.1,
    mem: int = 1024,
    peak_threads: int = 1,
    concurrency: int = 0,
    server_cpu: float | None = None,
    skipped: str | None = None,
) -> RunResult:
    settings = ClientSettings(
        kind=kind or client, label="" if kind in (None, client) else client,
        concurrency=concurrency,
    )  # fmt: skip
    return RunResult(
        client=settings.name,
        settings=settings,
        total=total,
        usage=Usage(mem=mem, utime=utime, stime=stime, time=wall, peak_threads=peak_threads),
        attempts=tuple(attempts) or (ok("a"), ok("b"), ok("c")),
        server_cpu=server_cpu,
        **state_of(skipped),
    )


# --- helpers ------------------------------------------------------------------------------


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


def summary_of(client: str, kind: str, wall: float, *, correct: bool = True, **kw: Any) -> Summary:
    run = make_run(client, kind=kind, wall=wall, total=3 if correct else 2, **kw)
    return summarize([run], 3, {})


def test_speedups_against_blocking() -> None:
    rows = [
        summary_of("blocking", "blocking", 4.0),
        summary_of("asyncio", "asyncio", 0.5),
        summary_of("threaded", "threaded", 8.0),
    ]
    assert speedups(rows) == pytest.approx({"blocking": 1.0, "asyncio": 8.0, "threaded": 0.5})


def test_speedups_without_blocking_are_none() -> None:
    rows = [summary_of("asyncio", "asyncio", 0.5), summary_of("uvloop", "uvloop", 0.4)]
    assert speedups(rows) == {"asyncio": None, "uvloop": None}
    assert speedups([]) == {}


def test_speedups_with_skipped_rows() -> None:
    rows = [
        summary_of("blocking", "blocking", 4.0, skipped="skipped: no"),
        summary_of("asyncio", "asyncio", 0.5),
    ]
    assert speedups(rows) == {"blocking": None, "asyncio": None}
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


# --- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(None, "–", id="none"),
        pytest.param(3.912, "3.91 s", id="seconds"),
        pytest.param(0.412, "412 ms", id="ms"),
        pytest.param(0.0051, "5.1 ms", id="small-ms"),
        pytest.param(0.000085, "85 µs", id="us"),
    ],
)
def test_seconds(value: float | None, text: str) -> None:
    assert seconds(value) == text


def test_small_formatters() -> None:
    assert size(512) == "512 B"
    assert size(2048) == "2.0 KiB"
    assert size(3 * 1024**3) == "3.0 GiB"
    assert ratio(12.345) == "12.3×"
    assert ratio(None) == "–"
    assert percent(0.874) == "87%"
    assert percent(None) == "–"


def render(table: Any, width: int = 200) -> str:
    console = Console(record=True, width=width)
    console.print(table)
    return console.export_text()


def rows() -> tuple[list[Summary], dict[str, float | None]]:
    summaries = [
        summary_of("blocking", "blocking", 4.0),
        summary_of("asyncio", "asyncio", 0.5),
        summary_of("threaded-pool-5", "threaded", 1.0, correct=False, concurrency=5),
        summary_of("node", "asyncio", 1.0, skipped="skipped: node not installed"),
    ]
    return summaries, speedups(summaries)


def test_report_table() -> None:
    summaries, ups = rows()
    table = report_table(summaries, ups, 3, "quick: the talk", "a caption")
    assert len(table.columns) == len(COLUMNS)
    text = render(table)
    lines = text.splitlines()
    for name in ("blocking", "asyncio", "threaded-pool-5", "node"):
        assert any(line.lstrip().startswith(name) for line in lines), name
    asyncio_line = next(line for line in lines if line.lstrip().startswith("asyncio"))
    assert "3 ✓" in asyncio_line
    assert "8.0×" in asyncio_line
    blocking_line = next(line for line in lines if line.lstrip().startswith("blocking"))
    assert "3 ✓" in blocking_line and "1.0×" in blocking_line
    pool_line = next(line for line in lines if line.lstrip().startswith("threaded-pool-5"))
    assert "2 ✗" in pool_line
    assert "want 3" in text
    assert "skipped: node not installed" in text
    assert "quick: the talk" in text
    assert "a caption" in text
    assert text.count("✓") == 2 and text.count("✗") == 1


def test_report_table_shows_the_spread_of_repeats() -> None:
    runs = [make_run(wall=w) for w in (1.0, 2.0, 3.0)]
    summary = summarize(runs, 3, {})
    text = render(report_table([summary], {"blocking": 1.0}, 3, "t"))
    assert "2.00 s" in text and "1.00 s–3.00 s" in text


def test_report_table_transposed() -> None:
    summaries, ups = rows()
    table = report_table(summaries, ups, 3, "quick", transpose=True)
    assert [str(c.header) for c in table.columns] == [
        "figure", "blocking", "asyncio", "threaded-pool-5", "node",
    ]  # fmt: skip
    assert table.row_count == len(COLUMNS) - 1
    text = render(table)
    header = next(line for line in text.splitlines() if "figure" in line)
    for name in ("blocking", "asyncio", "threaded-pool-5", "node"):
        assert name in header
    assert "speed-up vs blocking" in text
    speed_line = next(line for line in text.splitlines() if "speed-up vs blocking" in line)
    assert "1.0×" in speed_line and "8.0×" in speed_line
    assert "✓" in text and "✗" in text and "want 3" in text


def test_natural_width_ignores_the_console_width() -> None:
    summaries, ups = rows()
    table = report_table(summaries, ups, 3, "quick")
    narrow, wide = Console(width=40), Console(width=300)
    assert natural_width(narrow, table) == natural_width(wide, table) > 40


CONTEXT = {
    "scenario": "quick",
    "seed": 2015,
    "speed": 4.0,
    "requests": 100,
    "api": "jobs",
    "expected": 1651,
    "environment": {
        "python": "3.11.9",
        "implementation": "CPython",
        "gil_enabled": True,
        "cpus": 8,
        "platform": "Linux-6.1-x86_64",
        "libraries": {"requests": "2.31", "aiohttp": "3.9.5"},
    },
}


def test_caption_text() -> None:
    text = caption_text(CONTEXT)
    assert "scenario quick" in text
    assert "seed 2015" in text
    assert "speed 4" in text
    assert "100 zips via /api/jobs" in text
    assert "expected 1651" in text
    assert "Python 3.11.9 (CPython)" in text
    assert "8 CPUs" in text
    assert "aiohttp 3.9.5, requests 2.31" in text  # sorted
    assert "free-threaded" not in text


def test_caption_text_free_threaded_and_sparse() -> None:
    env = {**CONTEXT["environment"], "gil_enabled": False}  # type: ignore[dict-item]
    assert "free-threaded" in caption_text({**CONTEXT, "environment": env})
    sparse = caption_text({**CONTEXT, "environment": {}})
    assert "Python ?" in sparse and "? CPUs" in sparse
