"""A sweep's table and plot: a row per value with wrong totals marked, each client at its wall."""

from __future__ import annotations

from rich.console import Console

from clients.report.sweepplot import sweep_plot, sweep_table
from clients.results.points import Point

POINTS = [
    Point("threaded", 1.0, 2.0, 50.0, 0.05, True),
    Point("asyncio", 1.0, 2.0, 50.0, 0.05, True),
    Point("threaded", 0.0, 0.2, 500.0, 0.08, True),
    Point("asyncio", 0.0, 0.1, 1000.0, 0.09, False),
]


def test_the_sweep_table_has_a_row_per_value_and_marks_wrong_totals() -> None:
    console = Console(record=True, width=120)
    console.print(sweep_table("concurrency", POINTS, "a sweep"))
    text = console.export_text()
    assert "2.00 s · 50 · 50 ms" in text
    assert "100 ms · 1,000 · 90 ms ✗" in text
    assert "∞" in text  # concurrency 0 is no limit


def test_the_plot_puts_each_client_at_its_wall_time() -> None:
    console = Console(record=True, width=120)
    console.print(sweep_plot("concurrency", POINTS, width=40, height=8))
    lines = console.export_text().splitlines()
    assert lines[0].lstrip().startswith("2.00 s")  # the slowest wall is the top of the axis
    assert lines[7].lstrip().startswith("100 ms")  # the fastest, the bottom
    assert "●" in lines[0] and "▲" in lines[0]  # both clients took 2 s at concurrency 1
    assert "▲" in lines[7]  # asyncio's 100 ms at ∞
    assert "● threaded" in lines[-1] and "▲ asyncio" in lines[-1]
