"""Rich tables for benchmark outcomes: cells formatted by column kind, targets marked ✓ / ✗."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from bench.results import Check, Column, Outcome

PASS = Text("✓", style="green")
MISS = Text("✗", style="bold red")


def cell(value: Any, kind: str) -> str | Text:
    """One figure as text; None or NaN is a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "mark":
        return PASS if value else MISS
    if kind == "ms3":
        return "/".join(_short_ms(v) for v in value) + " ms"
    formats = {
        "int": lambda v: f"{v:,.0f}",
        "ratio": lambda v: f"{v:.2f}×",
        "ms": lambda v: f"{v:.1f} ms" if abs(v) >= 10 else f"{v:.2f} ms",
        "rate": lambda v: f"{v:,.0f}/s",
        "us": lambda v: f"{v:,.0f} µs",
        "s": lambda v: f"{v:.2f} s" if abs(v) >= 0.1 else f"{v * 1000:.1f} ms",
        "pct": lambda v: f"{v:+.1%}",
    }
    formatter = formats.get(kind)
    return formatter(value) if formatter else str(value)


def _short_ms(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


def figure(value: float) -> str:
    """A judged figure with enough digits to see which side of its bound it fell."""
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def check_line(item: Check) -> Text:
    """`✓ label: 0.91 (target ≥ 0.85)`."""
    mark = PASS if item.passed else MISS
    value = "–" if item.value is None else figure(item.value)
    return Text.assemble(mark, f" {item.label}: {value} (target {item.target})")


def outcome_table(outcome: Outcome) -> Table:
    """The benchmark's rows under its columns, its targets and notes in the caption."""
    table = Table(
        title=f"{outcome.number}. {outcome.title}",
        title_justify="left",
        caption=caption(outcome),
        caption_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for column in outcome.columns:
        justify = "left" if column.kind == "text" else "right"
        table.add_column(column.header, justify=justify)  # type: ignore[arg-type]
    for row in outcome.rows:
        table.add_row(*row_cells(row, outcome.columns))
    return table


def row_cells(row: Mapping[str, Any], columns: Sequence[Column]) -> list[str | Text]:
    """A row's cells in column order."""
    return [cell(row.get(c.key), c.kind) for c in columns]


def caption(outcome: Outcome) -> Text:
    """Targets (one line each), then notes, then the time the benchmark took."""
    lines = [check_line(item) for item in outcome.checks]
    lines += [Text(note, style="dim") for note in outcome.notes]
    lines.append(Text(f"took {outcome.seconds:.1f} s", style="dim"))
    return Text("\n").join(lines)


def summary_table(outcomes: Sequence[Outcome], total_seconds: float) -> Table:
    """One line per benchmark: targets met out of all, and its time."""
    table = Table(
        title="summary", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
        caption=f"total {total_seconds:.1f} s", caption_justify="left",
    )  # fmt: skip
    for header in ("benchmark", "targets met", "time"):
        table.add_column(header, justify="left" if header == "benchmark" else "right")
    for outcome in outcomes:
        met = f"{outcome.passed}/{len(outcome.checks)}" if outcome.checks else "–"
        table.add_row(f"{outcome.number}. {outcome.title}", met, f"{outcome.seconds:.1f} s")
    return table
