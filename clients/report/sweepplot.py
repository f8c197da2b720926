"""A sweep's table and plot: where does each model bend as one setting changes?

Pure renderables; the plot is text, so the same rendering goes to the terminal and, through
rich's recorder, to SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..records import RunState
from .summary import Summary
from .units import seconds

MARKERS: Final = "●▲■◆✚✖★◉"
COLOURS: Final = ("cyan", "magenta", "green", "yellow", "blue", "red", "white", "bright_cyan")


@dataclass(frozen=True, slots=True)
class Point:
    """One client's figures at one value of the swept setting."""

    client: str
    value: float
    wall: float
    throughput: float  # zips per second
    p99: float
    correct: bool
    note: str = ""  # why there are no figures: the run failed or was skipped


def points(value: float, summaries: Sequence[Summary], requests: int) -> list[Point]:
    """The sweep's figures for every client that ran at `value`."""
    return [
        Point(s.client, value, s.wall, requests / s.wall if s.wall > 0 else 0.0, s.p99, s.correct)
        if s.state is RunState.OK
        else Point(s.client, value, 0.0, 0.0, 0.0, s.state is RunState.SKIPPED, s.skipped or "")
        for s in summaries
    ]


def _label(value: float, setting: str = "") -> str:
    if setting == "concurrency" and value == 0:
        return "∞"  # 0 means no limit: a thread or task per zip
    return f"{value:g}"


def sweep_table(setting: str, found: Sequence[Point], title: str) -> Table:
    """Rows are values; per client, wall time, throughput and p99 (✗ when the total was off)."""
    clients = list(dict.fromkeys(p.client for p in found))
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold")
    table.add_column(setting, justify="right")
    for client in clients:
        table.add_column(f"{client}\nwall · req/s · p99", justify="right", no_wrap=True)
    for value in dict.fromkeys(p.value for p in found):
        row: list[str | Text] = [_label(value, setting)]
        for client in clients:
            point = next((p for p in found if p.client == client and p.value == value), None)
            if point is None:
                row.append("–")
                continue
            if point.note:
                row.append(Text(point.note, style="yellow" if point.correct else "red"))
                continue
            mark = "" if point.correct else " ✗"
            row.append(f"{seconds(point.wall)} · {point.throughput:,.0f} · "
                       f"{seconds(point.p99)}{mark}")  # fmt: skip
        table.add_row(*row)
    return table


def sweep_plot(setting: str, found: Sequence[Point], width: int = 72, height: int = 16) -> Text:
    """Wall time (log scale) against the swept value, one marker per client."""
    values = list(dict.fromkeys(p.value for p in found))
    clients = list(dict.fromkeys(p.client for p in found))
    walls = [p.wall for p in found if p.wall > 0]
    if not values or not walls:
        return Text("nothing to plot")
    low, high = math.log10(min(walls)), math.log10(max(walls))
    span = max(high - low, 1e-9)
    grid = [[(" ", "")] * width for _ in range(height)]
    for p in found:
        if p.wall <= 0:
            continue
        index = clients.index(p.client)
        # Each client's markers sit one column apart, so equal walls do not hide each other.
        base = round(values.index(p.value) * (width - len(clients)) / max(1, len(values) - 1))
        x = min(width - 1, base + index)
        y = height - 1 - round((math.log10(p.wall) - low) / span * (height - 1))
        grid[y][x] = (MARKERS[index % len(MARKERS)], COLOURS[index % len(COLOURS)])
    return _draw(grid, setting, values, clients, (min(walls), max(walls)), width)


def _draw(
    grid: list[list[tuple[str, str]]],
    setting: str,
    values: list[float],
    clients: list[str],
    walls: tuple[float, float],
    width: int,
) -> Text:
    text = Text()
    for row_index, row in enumerate(grid):
        axis = seconds(walls[1]) if row_index == 0 else seconds(walls[0]) \
            if row_index == len(grid) - 1 else ""  # fmt: skip
        text.append(f"{axis:>8} │")
        for char, style in row:
            text.append(char, style=style)
        text.append("\n")
    text.append(" " * 9 + "└" + "─" * width + "\n")
    ticks = [" "] * width
    for i, value in enumerate(values):
        x = round(i * (width - len(clients)) / max(1, len(values) - 1))
        for offset, char in enumerate(_label(value, setting)):
            if x + offset < width:
                ticks[x + offset] = char
    text.append(" " * 10 + "".join(ticks) + f"  {setting}\n")
    text.append(" " * 10 + "wall time, log scale: ")
    for i, client in enumerate(clients):
        text.append(f"{MARKERS[i % len(MARKERS)]} {client}  ", style=COLOURS[i % len(COLOURS)])
    return text


def sweep_renderable(setting: str, found: Sequence[Point], title: str) -> Group:
    """The table and the plot, together."""
    return Group(sweep_table(setting, found, title), sweep_plot(setting, found))
