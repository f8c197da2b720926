"""Diffs of constructed results: clear changes, overlapping repeats, added and removed clients.

A change is clear only with enough repeats (four a side; see `test_diff_honesty.py`), so the
results here repeat each run `REPEATS` times."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from clients.records import ClientSettings, RunResult, RunState
from clients.results import diff
from clients.results.diff import UNCLEAR, Change
from tests.builders import repeated, result_of, ten_zip_run


def by_figure(changes: Sequence[Change], client: str) -> dict[str, Change]:
    """One client's changes by figure name."""
    return {c.figure: c for c in changes if c.client == client}


def test_a_clear_improvement() -> None:
    before = repeated(ten_zip_run("asyncio", wall=2.0, cpu=0.2, mem=4096, latency=0.2, failed=2))
    after = repeated(ten_zip_run("asyncio", wall=1.0, cpu=0.1, mem=2048, latency=0.1, failed=0))
    changes = by_figure(diff.diff(before, after), "asyncio")
    assert list(changes) == ["wall", "cpu", "cpu_per_request", "mem", "p50", "p99", "failed"]
    assert changes["wall"] == Change("asyncio", "wall", 2.0, 1.0, -0.5, "faster", "s")
    assert changes["p99"].verdict == "faster"
    assert changes["cpu"].verdict == "less" and changes["cpu"].relative == pytest.approx(-0.5)
    assert changes["mem"].verdict == "less" and changes["mem"].unit == "bytes"
    assert (changes["failed"].a, changes["failed"].b, changes["failed"].verdict) == (2, 0, "less")
    assert all(c.better is True for c in changes.values())
    assert not diff.has_regression(list(changes.values()))


def test_a_clear_regression() -> None:
    before = repeated(ten_zip_run("threaded", wall=1.0, cpu=0.1, failed=0, kind="threaded"))
    after = repeated(ten_zip_run("threaded", wall=1.5, cpu=0.3, failed=3, kind="threaded"))
    changes = diff.diff(before, after)
    figures = by_figure(changes, "threaded")
    assert figures["wall"].verdict == "slower"
    assert figures["wall"].relative == pytest.approx(0.5)
    assert figures["cpu"].verdict == "more"
    assert figures["failed"].verdict == "more"
    assert figures["failed"].better is False
    assert diff.has_regression(changes)


def test_overlapping_repeats_are_no_clear_difference() -> None:
    before = result_of(*(ten_zip_run("asyncio", wall=w) for w in (1.0, 1.5, 2.0)))
    after = result_of(*(ten_zip_run("asyncio", wall=w) for w in (1.8, 2.5, 3.0)))
    wall = by_figure(diff.diff(before, after), "asyncio")["wall"]
    assert (wall.a, wall.b) == (1.5, 2.5)  # the medians: 67 % apart, yet the ranges overlap
    assert wall.verdict == UNCLEAR


def test_separate_repeats_are_clear_even_when_close() -> None:
    before = result_of(*(ten_zip_run("asyncio", wall=w) for w in (1.00, 1.01, 1.02, 1.025)))
    after = result_of(*(ten_zip_run("asyncio", wall=w) for w in (1.03, 1.04, 1.05, 1.055)))
    assert by_figure(diff.diff(before, after), "asyncio")["wall"].verdict == "slower"


def test_many_repeats_on_one_side_compare_by_range() -> None:
    before = result_of(*(ten_zip_run("asyncio", wall=1.0 + w / 7) for w in range(8)))  # 1.0 to 2.0
    inside = result_of(ten_zip_run("asyncio", wall=1.9), ten_zip_run("asyncio", wall=2.05))
    outside = result_of(ten_zip_run("asyncio", wall=2.1), ten_zip_run("asyncio", wall=2.2))
    assert by_figure(diff.diff(before, inside), "asyncio")["wall"].verdict == UNCLEAR
    assert by_figure(diff.diff(before, outside), "asyncio")["wall"].verdict == "slower"


def test_zero_to_something_has_no_relative_change() -> None:
    before, after = (
        repeated(ten_zip_run("asyncio", 1.0, failed=0)),
        repeated(ten_zip_run("asyncio", 1.0, failed=1)),
    )
    failed = by_figure(diff.diff(before, after), "asyncio")["failed"]
    assert (failed.a, failed.b, failed.relative, failed.verdict) == (0, 1, None, "more")
    same = by_figure(diff.diff(before, before), "asyncio")["failed"]
    assert (same.relative, same.verdict) == (0.0, UNCLEAR)


def test_clients_on_one_side_are_added_or_removed() -> None:
    before = result_of(
        ten_zip_run("blocking", 10.0, kind="blocking"),
        ten_zip_run("threaded", 1.0, kind="threaded"),
    )
    after = result_of(
        ten_zip_run("blocking", 10.0, kind="blocking"), ten_zip_run("uvloop", 1.0, kind="uvloop")
    )
    changes = diff.diff(before, after)
    one_sided = [(c.client, c.verdict) for c in changes if c.figure == ""]
    assert one_sided == [("threaded", "removed"), ("uvloop", "added")]
    assert [c.client for c in changes].count("blocking") == len(diff.FIGURES)


def test_a_skipped_client_is_not_compared() -> None:
    skipped = RunResult.without_figures(
        ClientSettings(kind="javascript"), RunState.SKIPPED, "no node"
    )
    before = result_of(ten_zip_run("javascript", 1.0, kind="javascript"))
    changes = diff.diff(before, result_of(skipped))
    assert changes == [
        Change("javascript", "", None, None, None, "not compared", note="B: skipped: no node")
    ]


def test_relative_change() -> None:
    assert diff.relative_change(2.0, 1.0) == -0.5
    assert diff.relative_change(0.0, 0.0) == 0.0
    assert diff.relative_change(0.0, 1.0) is None
