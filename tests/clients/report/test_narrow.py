"""At 80 columns: the eight-client table and the sweep's table and chart, whole and unwrapped,
a failed row's reason whole under the table; the sweep's numeric axis; speed-up's baseline."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.console import Console

from clients.records import ClientSettings, RunResult, RunState
from clients.report import table as report
from clients.report.sweepplot import positions, sweep_plot, sweep_renderable
from clients.results.document import summaries_from
from clients.results.points import Point
from clients.results.summary import speedups
from tests import builders

EIGHT = ("blocking", "threaded", "processes", "asyncio", "uvloop", "httpx", "javascript",
         "asyncio-limit-500")  # fmt: skip


def printed(width: int, *renderables: object) -> list[str]:
    console = Console(record=True, width=width, file=None)
    for renderable in renderables:
        console.print(renderable)
    return console.export_text().splitlines()


def test_eight_clients_fit_80_columns_without_cutting_a_cell() -> None:
    base = [builders.blocking(), builders.threaded(), builders.asyncio_run()]
    runs = [replace(base[i % 3], client=name) for i, name in enumerate(EIGHT)]
    found = summaries_from(runs, 6, {"makespans": {"1": 1.2, "0": 0.2}})
    console = Console(width=80, record=True)
    parts = report.fitted_tables(console, found, speedups(found), 6, "eight", "a caption")
    lines = printed(80, *parts)
    assert len(parts) > 2  # the table went in parts, each with the client column
    assert max(len(line) for line in lines) <= 80
    assert not any("…" in line for line in lines)
    for name in EIGHT:
        assert sum(line.split()[:1] == [name] for line in lines) == len(parts) - 1, name
    for header in ("jobs", "wall", "RSS +", "VM +", "p50/95/99", "cpu"):
        assert any(header in line for line in lines), header


def test_a_wide_console_keeps_one_table() -> None:
    found = summaries_from([builders.blocking()], 6, {})
    console = Console(width=250)
    assert len(report.fitted_tables(console, found, speedups(found), 6, "one", "c")) == 1


POINTS = [
    Point(client, value, wall, 200 / wall, wall / 4, True)
    for value, walls in ((1.0, (10.0, 10.1, 10.2, 10.3)), (10.0, (1.0, 1.1, 1.2, 1.3)),
                         (50.0, (0.3, 0.2, 0.25, 0.35)), (0.0, (0.4, 0.1, 0.09, 0.3)))
    for client, wall in zip(("threaded", "asyncio", "uvloop", "asyncio-limit-500"), walls,
                            strict=True)
]  # fmt: skip


def test_the_sweep_fits_80_columns() -> None:
    console = Console(width=80, record=True)
    lines = printed(80, sweep_renderable("concurrency", POINTS, "a sweep", console))
    assert max(len(line) for line in lines) <= 80
    assert not any("…" in line for line in lines)
    assert any("asyncio-limit-500" in line for line in lines)
    axis = next(line for line in lines if line.strip().startswith("1 ") and "∞" in line)
    assert axis.index("10") < axis.index("50") < axis.index("∞")


def test_a_log_axis_spaces_values_by_ratio_and_puts_unlimited_last() -> None:
    placed = positions("concurrency", [1.0, 10.0, 100.0, 0.0])
    assert placed[1.0] == 0.0 and placed[0.0] == 1.0
    assert placed[10.0] == pytest.approx(placed[100.0] / 2)  # 10 is halfway to 100 on a log axis
    assert placed[100.0] < 1.0


def test_rates_and_scales_are_linear() -> None:
    placed = positions("error_rate", [0.0, 0.05, 0.2])
    assert placed[0.05] == pytest.approx(0.25) and placed[0.2] == 1.0
    assert positions("latency_scale", [1.0, 2.0, 4.0])[2.0] == pytest.approx(1 / 3)


def test_the_plot_is_as_wide_as_asked() -> None:
    lines = printed(200, sweep_plot("concurrency", POINTS, width=60, height=6))
    assert max(len(line) for line in lines) <= 60
    assert any("wall time (log scale) against concurrency" in line for line in lines)
    assert any("▲ asyncio" in line for line in lines)


def test_a_failed_rows_reason_is_whole_under_the_table_at_80_columns() -> None:
    why = ("cannot import mycode for mycode:total: ModuleNotFoundError: No module named "
           "'requestz' (at mycode.py:3)")  # fmt: skip
    failed = RunResult.without_figures(
        ClientSettings("python", label="mine", function="mycode:total"), RunState.FAILED, why
    )
    found = summaries_from([builders.asyncio_run(), builders.threaded(), failed], 6, {})
    console = Console(width=80, record=True)
    parts = report.fitted_tables(console, found, speedups(found), 6, "title", "a caption")
    lines = printed(80, *parts)
    assert max(len(line) for line in lines) <= 80 and not any("…" in line for line in lines)
    assert any(line.split()[:3] == ["mine", "failed,", "see"] for line in lines)
    said = " ".join(" ".join(lines).split())  # the reason, wrapped at 80 columns, joined again
    assert f"mine failed: {why}" in said
    assert said.index("mine failed:") > said.index("p50/95/99")  # under every part


def test_speed_up_without_a_blocking_row_says_its_baseline() -> None:
    found = summaries_from([builders.asyncio_run(), builders.threaded()], 6, {})
    ups = speedups(found)
    assert ups == {"asyncio": 1.0, "threaded": 1.0}  # both 0.3 s: the first slowest is it
    lines = printed(250, report.report_table(found, ups, 6, "two", "a caption"))
    assert any("speed up: against the slowest row, asyncio (no blocking row" in line
               for line in lines)  # fmt: skip
