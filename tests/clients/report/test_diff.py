"""The diff as a table: values, relative changes and coloured verdicts."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from clients.records import Attempt, ClientSettings, RunResult, Usage
from clients.report.diff import diff_table
from clients.results import diff
from clients.results.diff import UNCLEAR
from tests import builders


def run(
    client: str,
    wall: float,
    cpu: float = 0.1,
    mem: int = 1024,
    latency: float = 0.1,
    failed: int = 0,
    kind: str = "asyncio",
) -> RunResult:
    """Ten zips answered in `latency` seconds, the last `failed` of them given up on."""
    attempts = tuple(
        Attempt(f"{i:05}", 0, 0.0, latency, status=200, jobs=1, lane=i)
        if i < 10 - failed
        else Attempt(f"{i:05}", 0, 0.0, latency, error="timeout", lane=i)
        for i in range(10)
    )
    usage = Usage(mem=mem, utime=cpu, stime=0.0, time=wall)
    settings = ClientSettings(kind=kind, label="" if client == kind else client)
    return RunResult(client, settings, 10 - failed, usage, attempts)


def result(*runs: RunResult) -> dict[str, Any]:
    """A saved result holding `runs`."""
    return builders.document(runs, expected=10)


REPEATS = 4


def repeated(*runs: RunResult) -> dict[str, Any]:
    """A saved result holding each of `runs` `REPEATS` times (enough to tell a change)."""
    return result(*(run for run in runs for _ in range(REPEATS)))


def test_the_table_shows_values_changes_and_coloured_verdicts() -> None:
    before = repeated(run("asyncio", 2.0, mem=2 * 1024**2), run("old", 1.0))
    after = repeated(run("asyncio", 1.0, mem=2 * 1024**2, failed=1), run("new", 1.0))
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
