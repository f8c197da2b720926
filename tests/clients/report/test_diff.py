"""The diff as a table: values, relative changes and coloured verdicts."""

from __future__ import annotations

import io

from rich.console import Console

from clients.report.diff import diff_table
from clients.results import diff
from clients.results.diff import UNCLEAR
from tests.builders import repeated, ten_zip_run


def test_the_table_shows_values_changes_and_coloured_verdicts() -> None:
    before = repeated(ten_zip_run("asyncio", 2.0, mem=2 * 1024**2), ten_zip_run("old", 1.0))
    after = repeated(
        ten_zip_run("asyncio", 1.0, mem=2 * 1024**2, failed=1), ten_zip_run("new", 1.0)
    )
    table = diff_table(diff.diff(before, after), "A → B")
    console = Console(record=True, width=100, file=io.StringIO(), color_system="truecolor")
    console.print(table)
    text = console.export_text(clear=False)
    assert "A → B" in text
    wall = next(line for line in text.splitlines() if " wall " in line)
    assert wall.split() == ["asyncio", "wall", "2.00", "s", "1.00", "s", "−50.0%", "faster"]
    mem = next(line for line in text.splitlines() if "peak RSS growth" in line)
    assert "2.0 MiB" in mem and UNCLEAR in mem
    failed = next(line for line in text.splitlines() if "failed zips" in line)
    assert failed.split() == ["failed", "zips", "0", "1", "from", "0", "more"]
    assert "removed" in text and "added" in text
    styled = console.export_html(inline_styles=True)
    assert "faster" in styled and "#008000" in styled  # green
    assert len(list(table.columns[-1].cells)) == len(diff.FIGURES) + 2
