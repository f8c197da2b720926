"""A sweep's table and plot: where does each model bend as one setting changes?

Pure renderables; the plot is text, so the same rendering goes to the terminal and, through
rich's recorder, to SVG. The swept value is a number on a numeric axis, logarithmic or linear
as the sweep table says (`sweeps`: log for counts, linear for rates and scales); a value that
means no limit (concurrency 0) sits at the right end, past a gap, as ∞. The HTML report
draws the same points at the same places (`positions`, through `report.payload`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Final

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..results.points import Point
from ..results.units import seconds
from ..sweeps import Axis, axis_of, is_unlimited, label_of

MARKERS: Final = "●▲■◆✚✖★◉"
COLOURS: Final = ("cyan", "magenta", "green", "yellow", "blue", "red", "white", "bright_cyan")
AXIS_WIDTH: Final = 10  # the wall-time labels left of the plot, and its rule
INFINITY_GAP: Final = 0.15  # where ∞ sits past the largest value, as a share of the axis


def positions(setting: str, values: Sequence[float]) -> dict[float, float]:
    """Each value's place on the axis, 0 to 1: log or linear, ∞ at 1 past a gap."""
    finite = [v for v in values if not is_unlimited(setting, v)]
    log = axis_of(setting) is Axis.LOG and all(v > 0 for v in finite)
    scale: Callable[[float], float] = math.log10 if log else float
    if not finite:
        return dict.fromkeys(values, 1.0)
    low, high = scale(min(finite)), scale(max(finite))
    span = high - low
    room = 1.0 - INFINITY_GAP if len(finite) < len(values) else 1.0
    placed = {v: (scale(v) - low) / span * room if span > 0 else 0.5 * room for v in finite}
    placed.update({v: 1.0 for v in values if is_unlimited(setting, v)})
    return placed


def _cell(point: Point | None) -> list[str | Text]:
    """One client's wall, req/s and p99 at one value (a note when it did not run)."""
    if point is None:
        return ["–", "–", "–"]
    if point.note:
        return [Text(point.note, style="yellow" if point.correct else "red"), "", ""]
    return [seconds(point.wall), f"{point.throughput:,.0f}", seconds(point.p99)]


FIGURE_NAMES: Final = ("wall", "req/s", "p99")


def sweep_table(
    setting: str,
    found: Sequence[Point],
    title: str,
    figures: Sequence[int] = (0, 1, 2),
    clients: Sequence[str] | None = None,
) -> Table:
    """Rows are values; per client, wall time, throughput and p99 (✗ when the total was off).

    `figures` picks which of FIGURE_NAMES to show and `clients` which clients (default all).
    """
    shown = list(clients) if clients is not None else list(dict.fromkeys(p.client for p in found))
    table = Table(title=title or None, box=box.SIMPLE_HEAD, header_style="bold")
    settings = swept_settings(setting, found)
    for name in settings:
        table.add_column(name, justify="right")
    names = " · ".join(FIGURE_NAMES[i] for i in figures)
    for client in shown:
        table.add_column(f"{client}\n{names}", justify="right", no_wrap=True)
    for value in dict.fromkeys(p.value for p in found):
        row: list[str | Text] = setting_cells(setting, settings, found, value)
        for client in shown:
            point = next((p for p in found if p.client == client and p.value == value), None)
            cells = _cell(point)
            if point is not None and point.note:
                row.append(cells[0])
                continue
            mark = "" if point is None or point.correct else " ✗"
            row.append(" · ".join(str(cells[i]) for i in figures) + mark)
        table.add_row(*row)
    return table


def swept_settings(setting: str, found: Sequence[Point]) -> list[str]:
    """The settings a table names in its first columns: a grid's each, else the one."""
    combination = next((p.combination for p in found if p.combination), None)
    return list(combination) if combination else [setting]


def setting_cells(
    setting: str, settings: Sequence[str], found: Sequence[Point], value: float
) -> list[str | Text]:
    """A row's first cells: each swept setting's value at the point placed at `value`."""
    combination = next((p.combination for p in found if p.value == value and p.combination), None)
    if not combination:
        return [label_of(setting, value)]
    return [label_of(name, combination[name]) for name in settings]


def sweep_tables(console: Console, setting: str, found: Sequence[Point], title: str) -> list[Table]:
    """The sweep table as it fits the console: whole; else a table per figure, with as many
    clients side by side as fit."""
    whole = sweep_table(setting, found, title)
    if _width(console, whole) <= console.width:
        return [whole]
    clients = list(dict.fromkeys(p.client for p in found))
    tables = []
    for figure in range(len(FIGURE_NAMES)):
        groups: list[list[str]] = [[]]
        for client in clients:
            trial = sweep_table(setting, found, "", (figure,), [*groups[-1], client])
            if groups[-1] and _width(console, trial) > console.width:
                groups.append([client])
            else:
                groups[-1].append(client)
        heading = title if figure == 0 else ""
        tables += [
            sweep_table(setting, found, heading if i == 0 else "", (figure,), g)
            for i, g in enumerate(groups)
        ]
    return tables


def _width(console: Console, table: Table) -> int:
    return Measurement.get(console, console.options.update_width(10_000), table).maximum


def sweep_plot(setting: str, found: Sequence[Point], width: int = 82, height: int = 16) -> Text:
    """Wall time (log scale) against the swept value (numeric axis), a marker per client;
    every line at most `width` characters."""
    values = list(dict.fromkeys(p.value for p in found))
    clients = list(dict.fromkeys(p.client for p in found))
    walls = [p.wall for p in found if p.wall > 0]
    columns = max(10, width - AXIS_WIDTH - 1)
    if not values or not walls:
        return Text("nothing to plot")
    low, high = math.log10(min(walls)), math.log10(max(walls))
    span = max(high - low, 1e-9)
    room = columns - len(clients)  # each client's marker sits one column right of the last's
    placed = {v: round(x * room) for v, x in positions(setting, values).items()}
    grid = [[(" ", "")] * columns for _ in range(height)]
    for p in found:
        if p.wall <= 0:
            continue
        index = clients.index(p.client)
        x = min(columns - 1, placed[p.value] + index)
        y = height - 1 - round((math.log10(p.wall) - low) / span * (height - 1))
        grid[y][x] = (MARKERS[index % len(MARKERS)], COLOURS[index % len(COLOURS)])
    return _draw(grid, setting, placed, clients, (min(walls), max(walls)), width)


def _draw(
    grid: list[list[tuple[str, str]]],
    setting: str,
    placed: dict[float, int],
    clients: list[str],
    walls: tuple[float, float],
    width: int,
) -> Text:
    text = Text()
    for row_index, row in enumerate(grid):
        top, bottom = row_index == 0, row_index == len(grid) - 1
        axis = seconds(walls[1]) if top else seconds(walls[0]) if bottom else ""
        text.append(f"{axis:>{AXIS_WIDTH - 2}} │")
        for char, style in row:
            text.append(char, style=style)
        text.append("\n")
    columns = len(grid[0])
    text.append(" " * (AXIS_WIDTH - 1) + "└" + "─" * columns + "\n")
    ticks = [" "] * columns
    free = 0
    for value, x in sorted(placed.items(), key=lambda item: item[1]):
        label = label_of(setting, value)
        start = min(x, columns - len(label))
        if start >= free:  # a label that would overlap the previous one is left out
            ticks[start : start + len(label)] = label
            free = start + len(label) + 1
    text.append(" " * AXIS_WIDTH + "".join(ticks) + "\n")
    text.append(_caption(setting, width), style="dim")
    line = Text(" " * AXIS_WIDTH)
    for i, client in enumerate(clients):
        item = Text(f"{MARKERS[i % len(MARKERS)]} {client}", style=COLOURS[i % len(COLOURS)])
        if line.cell_len > AXIS_WIDTH and line.cell_len + 2 + item.cell_len > width:
            text.append("\n").append_text(line)
            line = Text(" " * AXIS_WIDTH)
        line.append("  " if line.cell_len > AXIS_WIDTH else "").append_text(item)
    return text.append("\n").append_text(line)


def _caption(setting: str, width: int) -> str:
    words = f"wall time (log scale) against {setting} ({axis_of(setting).value} scale)"
    lines = textwrap.wrap(words, max(20, width - AXIS_WIDTH))
    return "\n".join(" " * AXIS_WIDTH + line for line in lines)


def sweep_renderable(
    setting: str, found: Sequence[Point], title: str, console: Console | None = None
) -> Group:
    """The table (in parts when the console is narrow) and the plot, as wide as the console;
    a grid (or a named setting's sweep) has no numeric axis to plot against: the table alone
    (the report draws its heatmaps)."""
    if len(swept_settings(setting, found)) > 1 or any(
        isinstance(v, str) for p in found for v in p.combination.values()
    ):
        tables = sweep_tables(console, setting, found, title) if console else [
            sweep_table(setting, found, title)]  # fmt: skip
        return Group(*tables)
    if console is None:
        return Group(sweep_table(setting, found, title), sweep_plot(setting, found))
    return Group(
        *sweep_tables(console, setting, found, title),
        sweep_plot(setting, found, width=console.width),
    )
