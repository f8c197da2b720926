"""Expectations: every form parsed from TOML, passing and failing; every mistake's message."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from typing import Any

import pytest

from clients import expectations as verdicts
from clients.errors import ScenarioFileError
from clients.expectations import Bound, Faster, Relative, check, parse_expectations
from clients.records import LoopLag
from clients.results.series import Series, Span
from clients.results.summary import Counts, Lateness, Summary
from clients.results.verdicts import Verdict
from tests.helpers import state_of

CLIENTS = ("blocking", "threaded", "asyncio")
MIB = 1024**2

BASE = Summary(
    client="", kind="", runs=1, totals=(1651,), correct=True, counts=Counts(100, 0, 0, 100),
    wall=1.0, wall_min=1.0, wall_max=1.0, utime=0.1, stime=0.05, cpu=0.15,
    cpu_per_request=0.0015, mem=0, peak_threads=1, p50=0.1, p95=0.2, p99=0.25,
    overhead=0.002, server_cpu=0.05, ideal=0.9, concurrency=0, vmem=0, server_busy=0.4,
    loop_lag=LoopLag(p99=0.01, max=0.02, samples=50, every=0.01),
)  # fmt: skip


def summary(client: str, **figures: Any) -> Summary:
    """A row for `client` (its kind is its name) with some figures changed."""
    return replace(BASE, client=client, kind=client, **figures)


SUMMARIES = [
    summary("blocking", wall=40.0, concurrency=1, mem=0),
    summary("threaded", wall=3.5, mem=3 * MIB, peak_threads=101),
    summary("asyncio", wall=3.2, mem=2 * MIB, p99=0.25, counts=Counts(98, 2, 5, 105)),
]
SPEEDUPS = {"blocking": 1.0, "threaded": 40 / 3.5, "asyncio": 12.5}


def parse(text: str, clients: tuple[str, ...] = CLIENTS) -> tuple[verdicts.Expectation, ...]:
    """The expectations of a scenario file's text."""
    return parse_expectations(tomllib.loads(text).get("expect", []), clients, "s.toml")


def outcome(text: str) -> list[tuple[str, bool, str]]:
    """(text, passed, detail) of each verdict for the expectations in `text`."""
    return [(v.text, v.passed, v.detail) for v in check(parse(text), SUMMARIES, SPEEDUPS)]


def test_the_documented_forms_parse() -> None:
    text = """
    [[expect]]
    faster = "asyncio"
    than = "blocking"
    by = 5
    [[expect]]
    client = "asyncio"
    figure = "p99"
    max = 0.3
    [[expect]]
    client = "*"
    figure = "failed"
    max = 0
    [[expect]]
    client = "threaded"
    figure = "mem"
    at_most_times = 3
    of = "asyncio"
    """
    assert parse(text) == (
        Faster("asyncio", "blocking", 5.0),
        Bound("asyncio", "p99", max=0.3),
        Bound("*", "failed", max=0.0),
        Relative("threaded", "mem", "asyncio", at_most=3.0),
    )
    assert parse("") == ()


def test_faster_by_a_factor() -> None:
    assert outcome('[[expect]]\nfaster = "asyncio"\nthan = "blocking"\nby = 5') == [
        ("asyncio at least 5× faster than blocking", True, "measured 12.5× (3.20 s vs 40.00 s)")
    ]
    assert outcome('[[expect]]\nfaster = "asyncio"\nthan = "blocking"\nby = 20')[0][1] is False


def test_faster_without_a_factor_means_strictly_faster() -> None:
    assert outcome('[[expect]]\nfaster = "asyncio"\nthan = "threaded"') == [
        ("asyncio faster than threaded", True, "measured 1.1× (3.20 s vs 3.50 s)")
    ]
    assert outcome('[[expect]]\nfaster = "threaded"\nthan = "asyncio"')[0][1] is False
    same = [summary("a", wall=1.0), summary("b", wall=1.0)]
    verdict = check([Faster("a", "b")], same, {})
    assert verdict[0].passed is False


def test_a_bound_on_one_client() -> None:
    assert outcome('[[expect]]\nclient = "asyncio"\nfigure = "p99"\nmax = 0.3') == [
        ("asyncio p99 ≤ 300 ms", True, "measured 250 ms")
    ]
    assert outcome('[[expect]]\nclient = "asyncio"\nfigure = "p99"\nmax = 0.2') == [
        ("asyncio p99 ≤ 200 ms", False, "measured 250 ms")
    ]
    assert outcome('[[expect]]\nclient = "threaded"\nfigure = "threads"\nmin = 100\nmax = 200') == [
        ("threaded threads ≥ 100 and ≤ 200", True, "measured 101")
    ]
    assert outcome('[[expect]]\nclient = "blocking"\nfigure = "speedup"\nmin = 2')[0][1] is False
    assert outcome('[[expect]]\nclient = "asyncio"\nfigure = "efficiency"\nmin = 0.25') == [
        ("asyncio efficiency ≥ 25%", True, "measured 28%")
    ]


def test_a_bound_on_every_client_gives_a_verdict_each() -> None:
    assert outcome('[[expect]]\nclient = "*"\nfigure = "failed"\nmax = 0') == [
        ("blocking failed ≤ 0", True, "measured 0"),
        ("threaded failed ≤ 0", True, "measured 0"),
        ("asyncio failed ≤ 0", False, "measured 2"),
    ]


def test_every_client_skips_rows_without_figures() -> None:
    rows = [*SUMMARIES, summary("javascript", **state_of("skipped: node not found"))]
    found = check([Bound("*", "wall", max=100.0)], rows, SPEEDUPS)
    assert [v.text for v in found] == [f"{c} wall ≤ 100.00 s" for c in CLIENTS]
    assert all(v.passed for v in found)


def test_a_figure_against_another_clients() -> None:
    text = '[[expect]]\nclient = "threaded"\nfigure = "mem"\nat_most_times = 3\nof = "asyncio"'
    assert outcome(text) == [
        ("threaded mem ≤ 3× asyncio's", True, "measured 3.0 MiB vs 2.0 MiB (1.5×)")
    ]
    text = '[[expect]]\nclient = "threaded"\nfigure = "mem"\nat_least_times = 2\nof = "asyncio"'
    assert outcome(text) == [
        ("threaded mem ≥ 2× asyncio's", False, "measured 3.0 MiB vs 2.0 MiB (1.5×)")
    ]


def test_every_other_client_against_one() -> None:
    text = '[[expect]]\nclient = "*"\nfigure = "wall"\nat_least_times = 1\nof = "asyncio"'
    assert [(t, ok) for t, ok, _ in outcome(text)] == [
        ("blocking wall ≥ 1× asyncio's", True),
        ("threaded wall ≥ 1× asyncio's", True),
    ]


def test_against_zero_has_no_ratio() -> None:
    text = '[[expect]]\nclient = "threaded"\nfigure = "mem"\nat_most_times = 3\nof = "blocking"'
    assert outcome(text) == [("threaded mem ≤ 3× blocking's", False, "measured 3.0 MiB vs 0 B (–)")]


def test_a_client_without_figures_fails_as_not_measured() -> None:
    rows = [*SUMMARIES[:2], summary("asyncio", **state_of("failed: worker died"))]
    found = check(parse('[[expect]]\nfaster = "asyncio"\nthan = "blocking"'), rows, SPEEDUPS)
    assert found == [
        Verdict("asyncio faster than blocking", False, "not measured: asyncio: failed: worker died")
    ]
    found = check([Bound("asyncio", "p99", max=1.0)], SUMMARIES[:2], SPEEDUPS)
    assert found[0].detail == "not measured: asyncio did not run" and not found[0].passed
    no_overhead = [summary("asyncio", overhead=None)]
    found = check([Bound("asyncio", "overhead", max=1.0)], no_overhead, {})
    assert found[0].detail == "not measured: asyncio has no overhead"


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            'client = "asynco"\nfigure = "p99"\nmax = 1',
            "expect[0].client",
            "unknown client 'asynco' (did you mean 'asyncio'?); "
            'clients: blocking, threaded, asyncio, or "*" for every client',
        ),
        (
            'faster = "asyncio"\nthan = "gevent"',
            "expect[0].than",
            "unknown client 'gevent'; clients: blocking, threaded, asyncio",
        ),
        (
            'client = "asyncio"\nfigure = "p98"\nmax = 1',
            "expect[0].figure",
            "unknown figure 'p98' (did you mean 'p99'?); figures: "
            + ", ".join(dict.fromkeys([*verdicts.FIGURES, *verdicts.WINDOWED])),
        ),
        (
            'client = "asyncio"\nfigure = "p99"\nmax = "300 ms"',
            "expect[0].max",
            "must be a number, got '300 ms'",
        ),
        ('client = 3\nfigure = "p99"\nmax = 1', "expect[0].client",
         "must be a client's name (a string), got 3"),
        ('faster = "asyncio"\nthan = "blocking"\nby = true', "expect[0].by",
         "must be a number, got True"),
        ('faster = "asyncio"\nthan = "blocking"\nby = 0.5', "expect[0].by",
         "must be a finite number >= 1, got 0.5"),
        ('client = "asyncio"\nfigure = "p99"\nmax = -1', "expect[0].max",
         "must be a finite number >= 0, got -1"),
        (
            'clinet = "asyncio"\nfigure = "p99"\nmax = 1',
            "expect[0].clinet",
            "unknown key (did you mean 'client'?); valid keys: client, figure, max, min, during, "
            "after, from, to",
        ),
        (
            'faster = "asyncio"\nthan = "blocking"\nfigure = "p99"',
            "expect[0].figure",
            "unknown key; valid keys: faster, than, by",
        ),
        ('faster = "asyncio"', "expect[0].than",
         'is required: name the slower client: than = "blocking"'),
        ('than = "asyncio"', "expect[0].faster",
         'is required: name the faster client: faster = "asyncio"'),
        ('client = "asyncio"\nmax = 1', "expect[0].figure",
         "is required: one of " + ", ".join(verdicts.FIGURES)),
        ('client = "asyncio"\nfigure = "p99"', "expect[0].max",
         "is required: give max = X, min = X, or both"),
        ('figure = "p99"\nmax = 1', "expect[0].client",
         'is required: name a client, or "*" for every client'),
        ('client = "threaded"\nfigure = "mem"\nat_most_times = 3', "expect[0].of",
         'is required: name the client to compare with: of = "asyncio"'),
        ('client = "threaded"\nfigure = "mem"\nof = "asyncio"', "expect[0].at_most_times",
         "is required: give at_most_times = N, at_least_times = N, or both"),
        ('client = "threaded"\nfigure = "mem"\nat_most_times = 0\nof = "asyncio"',
         "expect[0].at_most_times", "must be a finite number > 0, got 0"),
        ('faster = "asyncio"\nthan = "asyncio"', "expect[0].than",
         "must name another client than 'asyncio'"),
        ('client = "asyncio"\nfigure = "wall"\nat_most_times = 2\nof = "asyncio"', "expect[0].of",
         "must name another client than 'asyncio'"),
        ('client = "asyncio"\nfigure = "p99"\nmin = 2\nmax = 1', "expect[0].min",
         "must be <= max (1), got 2"),
        ('client = "asyncio"\nfigure = "p99"\nmax = inf', "expect[0].max",
         "must be a finite number >= 0, got inf"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_file_the_key_and_the_fix(text: str, key: str, message: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse(f"[[expect]]\n{text}")
    assert caught.value.key == key
    assert str(caught.value) == f"s.toml: {key}: {message}"


def test_the_index_counts_expect_tables_from_zero() -> None:
    text = '[[expect]]\nfaster = "asyncio"\nthan = "blocking"\n[[expect]]\nclient = "x"'
    with pytest.raises(ScenarioFileError, match=r"^s.toml: expect\[1\]\.client: unknown client"):
        parse(text)


def test_expect_must_be_an_array_of_tables() -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse('expect = "fast"')
    assert (
        str(caught.value) == "s.toml: expect: must be an array of tables ([[expect]]), got 'fast'"
    )
    with pytest.raises(ScenarioFileError, match=r"expect\[0\]: must be a table"):
        parse("expect = [1]")
    with pytest.raises(ScenarioFileError, match=r"expect\[0\]: is empty; give faster = "):
        parse("[[expect]]")


def test_every_figure_reads_a_value() -> None:
    over_time = Series(1.0, (10, 10), (9, 10), (1, 0), (1.0, 1.0), (0.1, 0.1), (0.2, 0.2),
                       offered=(10, 10), goodput=(9, 10), phases=(Span("dip", 0.0, 0.5),),
                       recovery=0.5, recovered=True)  # fmt: skip
    row = summary("asyncio", series=over_time, late=Lateness(20, 0.01, 1, 0.1, 0.2))
    for name, figure in verdicts.FIGURES.items():
        value = figure.get(row, 2.0)
        assert value is not None, name
        assert figure.format(value) != "–"
    required = {"wall", "cpu", "cpu_per_request", "mem", "p50", "p95", "p99", "failed",
                "retried", "threads", "efficiency", "speedup", "amplification", "hedges",
                "budget_denied", "server_busy", "cores", "loop_lag_p99",
                "loop_lag_max"}  # fmt: skip
    assert required <= set(verdicts.FIGURES)


def test_virtual_memory_is_a_figure() -> None:
    rows = [summary("threaded", vmem=800 * MIB), summary("asyncio", vmem=8 * MIB)]
    text = '[[expect]]\nclient = "threaded"\nfigure = "vmem"\nat_least_times = 10\nof = "asyncio"\n'
    [found] = check(parse(text), rows, {})
    assert found.passed, found.detail
    [unknown] = check(parse(text), [rows[0], summary("asyncio", vmem=None)], {})
    assert not unknown.passed and "not measured" in unknown.detail
