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
from collections.abc import Callable, Mapping, Sequence
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


FIGURE_NAMES: Final = ("wall", "req/s", "p99", "failed", "retried", "att/zip")
SPEED_FIGURES: Final = (0, 1, 2)  # the two halves a narrow console shows one after the other
COST_FIGURES: Final = (3, 4, 5)
LEGEND: Final = (
    "wall: median wall time · req/s: zips a second · p99: 99th-percentile latency · "
    "failed: zips given up on · retried: extra attempts · att/zip: requests sent per zip "
    "(1.00: each zip asked once; retries and hedges on top)"
)
BEST: Final = "★"


def _figure_cells(point: Point) -> list[str]:
    """One client's six figures at one combination (a dash for one an older file lacks)."""
    figures = point.figures

    def count(name: str) -> str:
        value = figures.get(name)
        return "–" if value is None else f"{value:,.0f}"

    amplification = figures.get("amplification")
    return [seconds(point.wall), f"{point.throughput:,.0f}", seconds(point.p99), count("failed"),
            count("retried"), "–" if amplification is None else f"{amplification:.2f}"]  # fmt: skip


def sweep_table(
    setting: str,
    found: Sequence[Point],
    title: str,
    figures: Sequence[int] = (0, 1, 2, 3, 4, 5),
    clients: Sequence[str] | None = None,
    best: Mapping[str, float] | None = None,
) -> Table:
    """A row per combination and client: the swept settings, the client, its figures, and a
    mark: ✗ when its total was wrong, ★ on each client's best combination (`best`: client →
    the best point's value, from [tune]).

    `figures` picks which of FIGURE_NAMES to show and `clients` which clients (default all).
    """
    shown = list(clients) if clients is not None else list(dict.fromkeys(p.client for p in found))
    chosen = best or {}
    table = Table(title=title or None, box=box.SIMPLE_HEAD, header_style="bold")
    settings = swept_settings(setting, found)
    for name in settings:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("client", no_wrap=True)
    for index in figures:
        table.add_column(FIGURE_NAMES[index], justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)  # the mark
    values = list(dict.fromkeys(p.value for p in found))
    for row_index, value in enumerate(values):
        lead = setting_cells(setting, settings, found, value)
        for client_index, client in enumerate(shown):
            point = next((p for p in found if p.client == client and p.value == value), None)
            first = client_index == 0
            row: list[str | Text] = [*(lead if first else [""] * len(lead)), client]
            if point is None or point.note:
                note = Text("–") if point is None else Text(
                    point.note, style="yellow" if point.correct else "red")  # fmt: skip
                row += [note, *[""] * (len(figures) - 1), ""]
            else:
                cells = _figure_cells(point)
                mark = Text()
                if chosen.get(client) == value:
                    mark.append(f"{BEST} best", style="bold green")
                if not point.correct:
                    mark.append(" ✗" if mark else "✗", style="red")
                row += [cells[i] for i in figures] + [mark]
            table.add_row(*row, end_section=client_index == len(shown) - 1
                          and row_index < len(values) - 1)  # fmt: skip
    return table


def legend(found: Sequence[Point], best: Mapping[str, float] | None, width: int) -> Text:
    """What the columns mean and, from the data, what ✗ and ★ stand for here."""
    lines = [LEGEND]
    wrong = [p for p in found if not p.note and not p.correct]
    if wrong:
        failing = sum(1 for p in wrong if (p.figures.get("failed") or 0) > 0)
        why = (
            "every one of them gave up on some zips (the failed column)"
            if failing == len(wrong)
            else f"{failing} of them gave up on zips, the others summed a wrong count"
        )
        lines.append(
            f"✗ the total was wrong in {len(wrong)} of {sum(1 for p in found if not p.note)} rows: "
            f"{why} — a row's speed means little when it did not finish the work"
        )
    if best:
        lines.append(f"{BEST} best: the combination [tune] picks for that client (its sentence "
                     "below)")  # fmt: skip
    text = Text(style="dim")
    for line in lines:
        text.append("\n".join(textwrap.wrap(line, max(20, width))) + "\n")
    return text


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


def sweep_tables(
    console: Console,
    setting: str,
    found: Sequence[Point],
    title: str,
    best: Mapping[str, float] | None = None,
) -> list[Table]:
    """The sweep table as it fits the console: whole; else its speed figures, then its costs."""
    whole = sweep_table(setting, found, title, best=best)
    if _width(console, whole) <= console.width:
        return [whole]
    return [sweep_table(setting, found, title, SPEED_FIGURES, best=best),
            sweep_table(setting, found, "", COST_FIGURES, best=best)]  # fmt: skip


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
    setting: str,
    found: Sequence[Point],
    title: str,
    console: Console | None = None,
    best: Mapping[str, float] | None = None,
) -> Group:
    """The table (in parts when the console is narrow), its legend and the plot, as wide as
    the console; a grid (or a named setting's sweep) has no numeric axis to plot against: the
    table alone (the report draws its heatmaps)."""
    width = console.width if console is not None else 82
    tables = (sweep_tables(console, setting, found, title, best) if console is not None
              else [sweep_table(setting, found, title, best=best)])  # fmt: skip
    parts: list[Table | Text] = [*tables, legend(found, best, width)]
    grid = len(swept_settings(setting, found)) > 1 or any(
        isinstance(v, str) for p in found for v in p.combination.values()
    )
    if not grid:
        parts.append(sweep_plot(setting, found, width=width))
    return Group(*parts)
