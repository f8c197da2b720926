"""A diff as a table: per client and figure, A, B, the relative change and the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from rich import box
from rich.table import Table
from rich.text import Text

from ..results import units
from ..results.diff import FIGURES, Change


def _relative(change: Change) -> str:
    if change.relative is None:
        return "–" if change.a is None or change.b is None else "from 0"
    return f"{change.relative:+.1%}".replace("-", "−")


VERDICT_STYLES: Final = {True: "green", False: "bold red", None: "dim"}
LABELS: Final = {figure.name: figure.label for figure in FIGURES}


def diff_table(changes: Sequence[Change], title: str) -> Table:
    """The changes as a table: client, figure, A, B, change, verdict (coloured)."""
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name, justify in (("client", "left"), ("figure", "left"), ("A", "right"),
                          ("B", "right"), ("change", "right"), ("verdict", "left")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    previous = None
    for change in changes:
        style = VERDICT_STYLES[change.better]
        if change.verdict in ("added", "removed", "not compared"):
            style = "yellow"
        verdict = change.verdict + (f" ({change.note})" if change.note else "")
        table.add_row(
            change.client if change.client != previous else "",
            LABELS.get(change.figure, change.figure),
            units.figure(change.a, change.unit),
            units.figure(change.b, change.unit),
            _relative(change),
            Text(verdict, style=style),
        )
        previous = change.client
    return table
