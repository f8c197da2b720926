"""Exports: a saved result as Markdown, CSV, SVG, a self-contained HTML page, or in the
formats other tools read — HAR 1.2, a Chrome trace for Perfetto, JUnit XML.

Markdown, SVG and text show the very table the terminal shows (`report.report_table`, with
`report.caption_text` under it) and the verdicts; HTML is the report page (`report.html`:
the table, the verdicts, trains, timelines and curves); CSV has one row per client with the
raw numbers (seconds, bytes, counts) for spreadsheets and plots; `.har` every request
(`har`), `.trace.json` the trains and requests over time (`chrometrace`), `.xml` the verdicts
as test results (`junit`). Pure: a document in, text out; `render` picks the format by how a
file's name ends (`console.export` writes the file).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import Any, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import ClientsError
from ..results.document import context_of, expected_total, summaries_of, title_of
from ..results.summary import Summary, speedups
from ..results.verdicts import saved_verdicts, tally
from . import table as report
from .chrometrace import render_trace
from .har import render_har
from .html import render_report
from .junit import render_junit
from .verdicts import verdict_panel

MIN_WIDTH: Final = 80

CSV_COLUMNS: Final = (
    "client", "kind", "runs", "concurrency", "totals", "expected", "correct", "ok", "failed",
    "retried", "requests", "wall_s", "wall_min_s", "wall_max_s", "speedup", "efficiency",
    "ideal_s", "utime_s", "stime_s", "cpu_s", "cpu_per_request_s", "mem_bytes",
    "peak_threads", "p50_s", "p95_s", "p99_s", "overhead_s", "server_cpu_s", "skipped",
    "vmem_bytes", "tree_rss_bytes",
)  # fmt: skip


def table_of(doc: Mapping[str, Any], *, caption: bool = True) -> Table:
    """The terminal's table for a saved result, with its caption unless told otherwise."""
    summaries = summaries_of(doc)
    text = report.caption_text(context_of(doc)) if caption else ""
    return report.report_table(
        summaries, speedups(summaries), expected_total(doc), title_of(doc), text
    )


def _markdown_cell(cell: Any) -> str:
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    return plain.strip().replace("|", "\\|").replace("\n", "<br>")


def render_markdown(doc: Mapping[str, Any]) -> str:
    """A heading, a pipe table of the summaries (the terminal's figures), and the caption."""
    table = table_of(doc)
    headers = [report.LONG_NAMES.get(str(c.header), str(c.header)) for c in table.columns]
    rules = ["---:" if c.justify == "right" else "---" for c in table.columns]
    columns = [[_markdown_cell(cell) for cell in column.cells] for column in table.columns]
    lines = [f"# {title_of(doc)}", "", _pipe_row(headers), _pipe_row(rules)]
    lines.extend(_pipe_row(list(row)) for row in zip(*columns, strict=True))
    caption = report.caption_text(context_of(doc)).splitlines()
    lines.extend(["", *(f"- {line}" for line in caption)])
    if doc.get("created"):
        lines.append(f"- measured {doc['created']}")
    verdicts = saved_verdicts(doc)
    if verdicts:
        lines.extend(["", f"## Expectations: {tally(verdicts)}", ""])
        lines.extend(
            f"- {v.mark} {_markdown_cell(v.text)} — {_markdown_cell(v.detail)}" for v in verdicts
        )
    return "\n".join(lines) + "\n"


def _pipe_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _csv_row(s: Summary, speedup: float | None, expected: int | None) -> list[object]:
    figures = (
        s.client, s.kind, s.runs, s.concurrency, " ".join(map(str, s.totals)), expected,
        s.correct, s.counts.ok, s.counts.failed, s.counts.retried, s.counts.requests, s.wall,
        s.wall_min, s.wall_max, speedup, s.efficiency, s.ideal, s.utime, s.stime, s.cpu,
        s.cpu_per_request, s.mem, s.peak_threads, s.p50, s.p95, s.p99, s.overhead,
        s.server_cpu, s.skipped, s.vmem, s.tree_rss,
    )  # fmt: skip
    return ["" if value is None else value for value in figures]


def render_csv(doc: Mapping[str, Any]) -> str:
    """A header row (`CSV_COLUMNS`), then one row per client; empty cells for missing values."""
    summaries = summaries_of(doc)
    ups, expected = speedups(summaries), expected_total(doc)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(s, ups.get(s.client), expected) for s in summaries)
    return buffer.getvalue()


def _recorded(doc: Mapping[str, Any], width: int | None) -> Console:
    """A recording console holding the printed table, as wide as the table wants."""
    probe = Console(width=10_000, file=io.StringIO())
    bare = report.natural_width(probe, table_of(doc, caption=False))  # a caption may not widen it
    wanted = width or max(MIN_WIDTH, bare)
    console = Console(record=True, width=wanted, file=io.StringIO(), color_system="truecolor")
    console.print(table_of(doc))
    verdicts = saved_verdicts(doc)
    if verdicts:
        console.print(verdict_panel(verdicts))
    return console


def render_svg(doc: Mapping[str, Any], width: int | None = None) -> str:
    """The table as an SVG picture of a terminal (rich's `export_svg`)."""
    return _recorded(doc, width).export_svg(title=title_of(doc))


def render_html(doc: Mapping[str, Any]) -> str:
    """The self-contained HTML report (`report.html`): table, verdicts, charts, notes."""
    return render_report(doc)


def render_text(doc: Mapping[str, Any], width: int | None = None) -> str:
    """The table as plain text, as printed to a terminal without colour."""
    return _recorded(doc, width).export_text()


FORMATS: Final[dict[str, Callable[[Mapping[str, Any]], str]]] = {
    ".md": render_markdown,
    ".csv": render_csv,
    ".svg": render_svg,
    ".html": render_html,
    ".txt": render_text,
    ".har": render_har,
    ".trace.json": render_trace,
    ".xml": render_junit,
}


def format_of(name: str) -> str | None:
    """The key of FORMATS a file's name ends with (the longest: `run.trace.json`), or None."""
    lower = name.lower()
    return next((k for k in sorted(FORMATS, key=len, reverse=True) if lower.endswith(k)), None)


def render(doc: Mapping[str, Any], name: str) -> str:
    """The document in the format a file's name (or a bare suffix: ".md") ends with."""
    chosen = format_of(name)
    if chosen is None:
        suffix = name[name.rfind(".") :] if "." in name else ""
        shown = repr(suffix) if suffix else "no suffix"
        hint = " (a Chrome trace is .trace.json)" if suffix.lower() == ".json" else ""
        raise ClientsError(f"unknown export format {shown}{hint}; formats: {', '.join(FORMATS)}")
    return FORMATS[chosen](doc)
