"""The comparison table over hand-made summaries: its cells, the spread of repeats, the
transposed form, its natural width and its caption."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.console import Console

from clients.report.table import COLUMNS, OPTIONAL, caption_text, natural_width, report_table
from clients.results.summary import (
    Summary,
    speedups,
    summarize,
)
from tests.builders import make_run, summary_of

# --- helpers ------------------------------------------------------------------------------


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
    assert len(table.columns) == len(COLUMNS) - len(OPTIONAL)  # no command: no tree RSS
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
    assert table.row_count == len(COLUMNS) - 1 - len(OPTIONAL)
    text = render(table)
    header = next(line for line in text.splitlines() if "figure" in line)
    for name in ("blocking", "asyncio", "threaded-pool-5", "node"):
        assert name in header
    assert "speed-up vs blocking (or slowest)" in text
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


def test_a_commands_tree_peak_has_its_own_column() -> None:
    summaries, ups = rows()
    command = replace(summaries[1], client="mine", kind="command", mem=2 << 20, tree_rss=31 << 20)
    text = render(report_table([summaries[0], command], ups, 3, "a command"))
    line = next(line for line in text.splitlines() if line.lstrip().startswith("mine "))
    assert "2.0 MiB" in line and line.rstrip().endswith("31.0 MiB")  # growth, then its peak
    assert "tree" in text and "RSS" in text
