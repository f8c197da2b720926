"""Timelines: every request of every client as a bar on one shared axis of seconds.

The talk pictured a thread as a train whose cars are chances to run an instruction, empty
cars being waste. Here each client gets a block of rows over the same time scale (0 to the
latest attempt end over every run drawn), so the clients can be compared by eye:

* rows follow `Attempt.lane` (the thread index or concurrency slot). When a client has fewer
  lanes than `max_lanes`, each lane's requests are spread over several rows in the order
  they ran, so a single blocking lane reads as a staircase; a thread or a task per zip
  reads as a wall;
* a client with more lanes than `max_lanes` has its lanes packed, several to a row
  ("lanes 0–24 (25)"): ten thousand tasks cannot be ten thousand rows.

Each client's header gives its CPU as a share of its wall time: the asyncio wall is a wall
of waiting carried by one mostly idle CPU. Pure: the functions return a rich renderable or
an SVG string; printing is the caller's job.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import pairwise

from rich.console import Console, Group
from rich.text import Text

from ..records import Attempt, RunResult, RunState
from ..results.summary import median_run
from ..results.units import seconds

MIN_BAR_COLUMNS = 10
MIN_LABEL_WIDTH = 8
MAX_SECONDS = 1e9  # no run lasts 30 years: a later time is a damaged file, not a long run
_EPSILON = 1e-9  # absorbs float noise when a time falls exactly on a column boundary


class Cell(IntEnum):
    """What one column of one row shows; a higher value wins when two attempts share it."""

    IDLE = 0
    WAIT = 1  # between a failed attempt and the retry of the same zip (backoff)
    OK = 2
    RETRY_OK = 3  # answered on a retry
    FAILED = 4
    FAILED_END = 5


GLYPHS: dict[Cell, tuple[str, str, str]] = {
    Cell.OK: ("█", "green", "ok"),
    Cell.RETRY_OK: ("▓", "yellow", "ok on a retry"),
    Cell.FAILED: ("▒", "red", "failed attempt"),
    Cell.FAILED_END: ("✗", "bold red", "its end"),
    Cell.WAIT: ("─", "yellow", "backoff"),
    Cell.IDLE: ("·", "bright_black", "idle"),
}  # glyph, style, meaning


@dataclass(frozen=True, slots=True)
class Row:
    """One line of bars: its label ("lane 3", "lanes 0–24 (25)" or "") and its attempts."""

    label: str
    attempts: tuple[Attempt, ...]


@dataclass(frozen=True, slots=True)
class Scale:
    """`span` seconds over `columns` columns, starting at 0."""

    span: float
    columns: int

    def first(self, start: float) -> int:
        """The column where a bar starting at `start` begins."""
        return min(self.columns - 1, max(0, int(start / self.span * self.columns + _EPSILON)))

    def last(self, start: float, end: float) -> int:
        """The last column of a bar from `start` to `end` (at least its first column)."""
        position = math.ceil(end / self.span * self.columns - _EPSILON) - 1
        return max(self.first(start), min(self.columns - 1, position))


def representative_runs(runs: Sequence[RunResult]) -> list[RunResult]:
    """One run per client, in order: the median run (as the table reports), else the first."""
    grouped: dict[str, list[RunResult]] = {}
    for run in runs:
        grouped.setdefault(run.client, []).append(run)
    chosen = []
    for group in grouped.values():
        done = [r for r in group if r.state is RunState.OK]
        chosen.append(median_run(done) if done else group[0])
    return chosen


def _chains(attempts: Sequence[Attempt]) -> list[tuple[Attempt, ...]]:
    """Attempts grouped by zip (a first try and its retries), in order of first start."""
    chains: dict[str, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda a: (a.start, a.attempt)):
        chains.setdefault(attempt.zip, []).append(attempt)
    return [tuple(chain) for chain in chains.values()]


def rows_for(run: RunResult, max_lanes: int = 40) -> list[Row]:
    """A run's rows: at most `max_lanes`, packing lanes or spreading a lane's requests."""
    if max_lanes < 1:
        raise ValueError(f"max_lanes must be at least 1, got {max_lanes}")
    lanes: dict[int, list[Attempt]] = {}
    for attempt in run.attempts:
        lanes.setdefault(attempt.lane, []).append(attempt)
    numbers = sorted(lanes)
    if len(numbers) > max_lanes:
        per_row = math.ceil(len(numbers) / max_lanes)
        chunks = [numbers[i : i + per_row] for i in range(0, len(numbers), per_row)]
        return [Row(_lanes_label(c), tuple(a for n in c for a in lanes[n])) for c in chunks]
    per_lane = max(1, max_lanes // max(1, len(numbers)))
    rows: list[Row] = []
    for number in numbers:
        chains = _chains(lanes[number])
        count = min(per_lane, len(chains))
        groups: list[list[Attempt]] = [[] for _ in range(count)]
        for index, chain in enumerate(chains):
            groups[index * count // len(chains)].extend(chain)
        labels = [f"lane {number}"] + [""] * (count - 1)
        rows.extend(Row(label, tuple(group)) for label, group in zip(labels, groups, strict=True))
    return rows


def _lanes_label(chunk: Sequence[int]) -> str:
    if len(chunk) == 1:
        return f"lane {chunk[0]}"
    return f"lanes {chunk[0]}–{chunk[-1]} ({len(chunk)})"


def _fit(label: str, width: int) -> str:
    """`label` in at most `width` characters: "lanes 0–24 (25)", else "0–24 (25)", else cut."""
    if len(label) > width:
        label = label.removeprefix("lanes ").removeprefix("lane ")
    return label[:width]


def _kind(attempt: Attempt) -> Cell:
    if not attempt.ok:
        return Cell.FAILED
    return Cell.RETRY_OK if attempt.attempt > 0 else Cell.OK


def paint(attempts: Sequence[Attempt], scale: Scale) -> list[Cell]:
    """The cells of one row: bars for attempts, backoff between a zip's attempts, else idle."""
    cells = [Cell.IDLE] * scale.columns
    for chain in _chains(attempts):
        for before, after in pairwise(chain):
            for column in range(scale.last(before.start, before.end) + 1, scale.first(after.start)):
                cells[column] = max(cells[column], Cell.WAIT)
    for attempt in attempts:
        kind = _kind(attempt)
        first, last = scale.first(attempt.start), scale.last(attempt.start, attempt.end)
        for column in range(first, last + 1):
            cells[column] = max(cells[column], kind)
        if kind is Cell.FAILED:
            cells[last] = Cell.FAILED_END
    return cells


def _bar(cells: Sequence[Cell]) -> Text:
    text = Text()
    for cell in cells:
        glyph, style, _ = GLYPHS[cell]
        text.append(glyph, style)
    return text


def _header(run: RunResult, label: str) -> Text:
    text = Text(label, style="bold")
    if run.state is not RunState.OK:
        return text.append(f"  {run.skipped}", style="yellow")
    lanes = len({a.lane for a in run.attempts})
    usage = run.usage
    share = f" ({usage.cpu / usage.time:.0%} of one CPU)" if usage.time > 0 else ""
    kind = f"{run.settings.kind} · " if run.settings.kind != run.client else ""
    detail = (
        f"  {kind}{lanes} lane{'s' if lanes != 1 else ''}"
        f" · {len(run.attempts)} requests · wall {seconds(usage.time)}"
        f" · cpu {seconds(usage.cpu)}{share}"
    )
    return text.append(detail, style="dim")


def _headers(runs: Sequence[RunResult]) -> list[str]:
    """Client names, numbered when a client appears more than once."""
    totals: dict[str, int] = {}
    for run in runs:
        totals[run.client] = totals.get(run.client, 0) + 1
    seen: dict[str, int] = {}
    labels = []
    for run in runs:
        seen[run.client] = seen.get(run.client, 0) + 1
        repeat = f" (run {seen[run.client]})" if totals[run.client] > 1 else ""
        labels.append(run.client + repeat)
    return labels


def _span(runs: Sequence[RunResult]) -> float:
    """The latest end over every attempt (1 s when there is none); ValueError naming an
    attempt whose time no run could have, before any arithmetic overflows on it."""
    latest = 0.0
    for run in runs:
        for attempt in run.attempts:
            for name, value in (("start", attempt.start), ("end", attempt.end)):
                if not -MAX_SECONDS <= value <= MAX_SECONDS:  # also refuses nan and inf
                    raise ValueError(
                        f"{run.client}: the attempt for {attempt.zip} has {name} = {value!r} s, "
                        f"not a time a run could take (at most {MAX_SECONDS:g} s)"
                    )
            latest = max(latest, attempt.end)
    return latest if latest > 0 else 1.0


def nice_step(span: float, columns: int, spacing: int = 12) -> float:
    """Seconds between axis ticks: 1, 2, 2.5 or 5 × 10ⁿ, at least `spacing` columns apart."""
    target = span * spacing / columns
    exponent = math.floor(math.log10(target)) if target > 0 else 0
    for base in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = base * 10.0**exponent
        if step >= target * (1 - _EPSILON):
            return step
    raise AssertionError("unreachable")


def _axis(scale: Scale, label_width: int) -> list[Text]:
    step = nice_step(scale.span, scale.columns)
    ruler, labels = ["─"] * scale.columns, [" "] * scale.columns
    free = 0  # the first column a tick label may use
    for index in range(int(scale.span / step + _EPSILON) + 1):
        column, name = scale.first(index * step), f"{index * step:.6g}"
        ruler[column] = "┴"
        start = min(column, scale.columns - len(name))
        if start >= free:
            labels[start : start + len(name)] = name
            free = start + len(name) + 1
    pad = " " * (label_width + 1)
    return [
        Text(pad + "".join(ruler), style="dim"),
        Text("seconds".ljust(label_width) + " " + "".join(labels), style="dim"),
    ]


def _legend(scale: Scale, width: int) -> list[Text]:
    """The glyphs and what they mean, wrapped to `width`."""
    items = []
    for cell in (Cell.OK, Cell.RETRY_OK, Cell.FAILED, Cell.FAILED_END, Cell.WAIT, Cell.IDLE):
        glyph, style, meaning = GLYPHS[cell]
        items.append(Text(glyph, style).append(f" {meaning}"))
    items.append(Text(f"one column ≈ {seconds(scale.span / scale.columns)}", style="dim"))
    lines = [Text()]
    for item in items:
        if lines[-1].cell_len and lines[-1].cell_len + 2 + item.cell_len > width:
            lines.append(Text())
        lines[-1].append_text(Text("  ") + item if lines[-1].cell_len else item)
    return lines


def timeline_renderable(runs: Sequence[RunResult], width: int, max_lanes: int = 40) -> Group:
    """Every run as a block of rows of bars on a shared time axis, fitting `width` columns.

    Pass one run per client (see `representative_runs`); repeats are drawn as separate
    blocks. Returns a `Group` of `Text` lines: a header per run, its rows, then the axis
    and a legend.
    """
    rows = [rows_for(run, max_lanes) for run in runs]
    labels = [row.label for block in rows for row in block]
    label_width = min(max([MIN_LABEL_WIDTH, *map(len, labels)]), max(MIN_LABEL_WIDTH, width // 3))
    columns = width - label_width - 1
    if columns < MIN_BAR_COLUMNS:
        raise ValueError(f"width {width} is too narrow for a timeline (want at least "
                         f"{label_width + 1 + MIN_BAR_COLUMNS})")  # fmt: skip
    scale = Scale(_span(runs), columns)
    lines: list[Text] = []
    for run, header, block in zip(runs, _headers(runs), rows, strict=True):
        lines.append(_header(run, header))
        for row in block:
            label = Text(_fit(row.label, label_width).ljust(label_width) + " ", style="cyan")
            lines.append(label + _bar(paint(row.attempts, scale)))
        lines.append(Text(""))
    lines.extend([*_axis(scale, label_width), *_legend(scale, width)])
    for line in lines:
        line.no_wrap = True
        line.truncate(width, overflow="ellipsis")
    return Group(*lines)


def timeline_svg(
    runs: Sequence[RunResult], width: int = 120, max_lanes: int = 40, title: str = "timeline"
) -> str:
    """The timeline as a standalone SVG (rich's terminal look), for slides."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor")
    console.print(timeline_renderable(runs, width, max_lanes))
    return console.export_svg(title=title)
