"""A sweep's table and plot: a row per value (or combination) and client with its six figures,
a legend that says what the columns, ✗ and ★ mean from the data, each client at its wall."""

from __future__ import annotations

from rich.console import Console

from clients.report.sweepplot import sweep_plot, sweep_renderable, sweep_table
from clients.results.points import Point

POINTS = [
    Point("threaded", 1.0, 2.0, 50.0, 0.05, True),
    Point("asyncio", 1.0, 2.0, 50.0, 0.05, True),
    Point("threaded", 0.0, 0.2, 500.0, 0.08, True),
    Point("asyncio", 0.0, 0.1, 1000.0, 0.09, False),
]


def test_the_sweep_table_has_a_row_per_value_and_client_and_marks_wrong_totals() -> None:
    console = Console(record=True, width=120)
    console.print(sweep_table("concurrency", POINTS, "a sweep"))
    lines = console.export_text().splitlines()
    assert next(line for line in lines if "threaded" in line).split() == [
        "1",
        "threaded",
        "2.00",
        "s",
        "50",
        "50",
        "ms",
        "–",
        "–",
        "–",
    ]  # an older file: no costs
    assert next(line for line in lines if "1,000" in line).split()[-1] == "✗"
    assert any(line.split()[:2] == ["∞", "threaded"] for line in lines)  # concurrency 0


def grid_point(client: str, index: int, timeout: float, retries: int, failed: int) -> Point:
    """A grid's point with the figures the table's cost columns read."""
    figures = {"failed": float(failed), "retried": float(retries * 3),
               "amplification": 1 + retries * 3 / 20}  # fmt: skip
    return Point(client, float(index), 0.5 + timeout, 20 / (0.5 + timeout), timeout, failed == 0,
                 "", {"timeout": timeout, "retries": retries}, figures)  # fmt: skip


GRID = [
    grid_point(client, i, timeout, retries, failed)
    for i, (timeout, retries, failed) in enumerate([(0.3, 0, 4), (0.3, 2, 0), (1.0, 2, 0)])
    for client in ("asyncio", "mine")
]


def test_a_grid_table_names_each_setting_and_shows_every_figure_with_a_legend() -> None:
    console = Console(record=True, width=120)
    console.print(sweep_renderable("timeout × retries", GRID, "a grid", console, {"asyncio": 1.0}))
    lines = console.export_text().splitlines()
    header = next(line for line in lines if "client" in line).split()
    assert header == ["timeout", "retries", "client", "wall", "req/s", "p99", "failed", "retried",
                      "att/zip"]  # fmt: skip
    rows = [line.split() for line in lines if "asyncio" in line or "mine" in line]
    assert rows[0] == ["0.3", "0", "asyncio", "800", "ms", "25", "300", "ms", "4", "0", "1.00", "✗"]
    assert rows[1][:2] == ["mine", "800"]  # a combination's settings once, on its first row
    assert rows[2][:3] == ["0.3", "2", "asyncio"] and rows[2][-2:] == ["★", "best"]
    assert "★" not in " ".join(rows[3])  # mine has no [tune] answer here
    said = " ".join(" ".join(lines).split())
    assert "att/zip: requests sent per zip" in said and "failed: zips given up on" in said
    assert ("✗ the total was wrong in 2 of 6 rows: every one of them gave up on some zips "
            "(the failed column)") in said  # fmt: skip
    assert "★ best: the combination [tune] picks for that client" in said
    assert "wall time (log scale)" not in said  # a grid has no numeric axis to plot against


def test_a_narrow_console_shows_the_speed_figures_then_the_costs() -> None:
    console = Console(record=True, width=80)
    console.print(sweep_renderable("timeout × retries", GRID, "a grid", console))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80 and not any("…" in line for line in lines)
    headers = [line.split() for line in lines if "client" in line.split()]
    assert [h[3:] for h in headers] == [["wall", "req/s", "p99"], ["failed", "retried", "att/zip"]]


def test_the_plot_puts_each_client_at_its_wall_time() -> None:
    console = Console(record=True, width=120)
    console.print(sweep_plot("concurrency", POINTS, width=40, height=8))
    lines = console.export_text().splitlines()
    assert lines[0].lstrip().startswith("2.00 s")  # the slowest wall is the top of the axis
    assert lines[7].lstrip().startswith("100 ms")  # the fastest, the bottom
    assert "●" in lines[0] and "▲" in lines[0]  # both clients took 2 s at concurrency 1
    assert "▲" in lines[7]  # asyncio's 100 ms at ∞
    assert "● threaded" in lines[-1] and "▲ asyncio" in lines[-1]
