"""`cores`: CPU ÷ wall, how many cores a client kept busy — a row's figure, saved, expected,
and shown in the table."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console

from clients.expectations import check
from clients.records import LoopLag
from clients.report.table import report_table
from clients.results.summary import as_dict
from tests.clients.test_expectations import BASE, parse
from tests.helpers import state_of

THREADED = replace(BASE, client="threaded", kind="threaded", wall=2.0, cpu=1.96, loop_lag=None)
PROCESSES = replace(BASE, client="processes", kind="processes", wall=1.0, cpu=1.9, loop_lag=None)


def test_cores_is_cpu_over_wall() -> None:
    assert THREADED.cores == 0.98
    assert as_dict(THREADED, None)["cores"] == 0.98
    assert replace(THREADED, wall=0.0).cores is None
    assert replace(THREADED, **state_of("skipped: node not found")).cores is None


def test_cores_in_an_expectation() -> None:
    text = ('[[expect]]\nclient = "threaded"\nfigure = "cores"\nmax = 1.2\n'
            '[[expect]]\nclient = "threaded"\nfigure = "cores"\nat_most_times = 0.75\n'
            'of = "processes"\n')  # fmt: skip
    found = check(parse(text, ("threaded", "processes")), [THREADED, PROCESSES], {})
    assert [(v.text, v.passed, v.detail) for v in found] == [
        ("threaded cores ≤ 1.20", True, "measured 0.98"),
        ("threaded cores ≤ 0.75× processes's", True, "measured 0.98 vs 1.90 (0.5×)"),
    ]


def test_the_table_shows_cores() -> None:
    console = Console(record=True, width=250)
    console.print(report_table([THREADED, PROCESSES], {}, 1651, "cpu"))
    text = console.export_text()
    assert "cores" in text
    (line,) = [row for row in text.splitlines() if row.lstrip().startswith("threaded ")]
    assert " 0.98 " in line


def test_loop_lag_is_a_column_only_when_a_row_has_a_loop() -> None:
    lagging = replace(PROCESSES, client="asyncio", kind="asyncio",
                      loop_lag=LoopLag(0.012, 0.25, 40, 0.01, 0.3))  # fmt: skip
    console = Console(record=True, width=300)
    console.print(report_table([THREADED, PROCESSES], {}, 1651, "no loop"))
    assert "loop lag" not in console.export_text()
    console.print(report_table([THREADED, lagging], {}, 1651, "a loop"))
    text = console.export_text()
    assert "loop lag" in text
    (line,) = [row for row in text.splitlines() if row.lstrip().startswith("asyncio ")]
    assert line.rstrip().endswith("12/250 ms")
    (line,) = [row for row in text.splitlines() if row.lstrip().startswith("threaded ")]
    assert line.rstrip().endswith("–")
    found = check(parse('[[expect]]\nclient = "asyncio"\nfigure = "loop_lag_max"\nmin = 0.2\n',
                        ("asyncio",)), [lagging], {})  # fmt: skip
    assert [(v.passed, v.detail) for v in found] == [(True, "measured 250 ms")]
    assert as_dict(lagging, None)["loop_lag_p99"] == 0.012
