"""A sweep's scatter of two figures (p99 against attempts per zip, say), a dot per client and
combination, each client's Pareto frontier drawn through the combinations no other of its own
beats on both; static SVG for the report page.

Pure decisions, each testable alone: `frontier` (which points no other beats on both),
`scale_of` (log when the values span a decade or more, else linear), `ticks` (decades, or 1-2-5
steps, thinned so no two labels touch), `place_labels` (each label beside its dot where it
overlaps no other label, dot or the plot's edge, else left out: its dot keeps a tooltip).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ..results.units import figure as formatted
from .panels import esc

COLOURS: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#6b6b6b",
                  "#111111")  # fmt: skip  # the page's palette (assets/report.js)
CHAR: Final = 7.0  # px a character of the 11.5 px labels takes at most (digits are ~6.4)
LINE: Final = 14.0  # px a label's line takes
DOT: Final = 5.0  # a dot's radius
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 720, 400, 70, 44, 16, 20


@dataclass(frozen=True, slots=True)
class Dot:
    """One client's figures at one combination, and where its table is."""

    client: str
    label: str  # the combination, shortly: `0.3 s · 4`
    title: str  # the tooltip: the combination in full and both figures
    x: float
    y: float
    href: str  # `#value-3`
    eligible: bool = True  # False: it missed [tune]'s requirements (faded, off the frontier)


def frontier(dots: Sequence[Dot], low_x: bool = True, low_y: bool = True) -> list[Dot]:
    """The dots no other dot beats on both figures (lower is better unless told), by x."""
    sx, sy = (1 if low_x else -1), (1 if low_y else -1)

    def beats(a: Dot, b: Dot) -> bool:
        no_worse = sx * a.x <= sx * b.x and sy * a.y <= sy * b.y
        return no_worse and (sx * a.x < sx * b.x or sy * a.y < sy * b.y)

    kept = [d for d in dots if not any(beats(other, d) for other in dots)]
    return sorted(kept, key=lambda d: (d.x, d.y))


@dataclass(frozen=True, slots=True)
class Scale:
    """An axis from `low` to `high`, logarithmic or linear, onto `start`..`end` pixels."""

    low: float
    high: float
    log: bool
    start: float
    end: float

    def __call__(self, value: float) -> float:
        f: Callable[[float], float] = math.log10 if self.log else float
        span = f(self.high) - f(self.low)
        share = (f(value) - f(self.low)) / span if span else 0.5
        return self.start + share * (self.end - self.start)


def scale_of(values: Sequence[float], start: float, end: float) -> Scale:
    """Log when every value is above 0 and the largest is at least ten times the smallest
    (out to the decades around them); else linear over the values with a little room each
    side (never below 0 for values that are not)."""
    low, high = min(values), max(values)
    if low > 0 and high / low >= 10:
        return Scale(10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high)), True,
                     start, end)  # fmt: skip
    pad = (high - low) * 0.08 if high > low else max(abs(high) * 0.1, 1e-9)
    bottom = low - pad if low < 0 or low - pad >= 0 else 0.0
    return Scale(bottom, high + pad, False, start, end)


def ticks(scale: Scale, unit: str, room: float) -> list[tuple[float, str]]:
    """Tick values and labels: decades (with 2 and 5 within when there are few), or 1-2-5
    steps; a label is left out when it would come within 6 px of the one before (`room`: px
    a character takes along this axis; LINE for a vertical one)."""
    if scale.log:
        found = []
        for power in range(round(math.log10(scale.low)), round(math.log10(scale.high)) + 1):
            steps = (1, 2, 5) if math.log10(scale.high / scale.low) <= 2 else (1,)
            found += [m * 10.0**power for m in steps if m * 10.0**power <= scale.high * 1.0001]
    else:
        raw = (scale.high - scale.low) / 5
        magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
        first = math.ceil(scale.low / step)
        found = [i * step for i in range(first, int(scale.high / step) + 1)]
    kept: list[tuple[float, str]] = []
    edge = -math.inf
    for value in sorted(found, key=scale):  # in pixel order, whichever way the axis runs
        label = formatted(value, unit)
        at = scale(value)
        size = len(label) * room if room != LINE else LINE
        if at - size / 2 >= edge + 6:
            kept.append((value, label))
            edge = at + size / 2
    return kept


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(
    points: Sequence[tuple[float, float, str]],
    area: Box,
    others: Sequence[tuple[float, float]] = (),
) -> list[tuple[float, float, str] | None]:
    """Where each label goes (its text's left and baseline), beside its dot at (x, y): the
    first of eight spots around it that stays in `area` and overlaps no dot (its own, the
    other labels' and `others`) and no label placed so far; None when no spot is free."""
    centres = [(x, y) for x, y, _ in points] + list(others)
    dots = [(x - DOT, y - DOT, x + DOT, y + DOT) for x, y in centres]
    taken: list[Box] = []
    placed: list[tuple[float, float, str] | None] = []
    for x, y, text in points:
        width = len(text) * CHAR
        spots = [(x + 8, y + 4), (x - 8 - width, y + 4), (x - width / 2, y - 9),
                 (x - width / 2, y + 18), (x + 7, y - 7), (x - 7 - width, y - 7),
                 (x + 7, y + 15), (x - 7 - width, y + 15)]  # fmt: skip
        chosen = None
        for left, base in spots:
            box = (left - 1, base - LINE + 3, left + width + 1, base + 3)
            inside = area[0] <= box[0] and box[2] <= area[2] and area[1] <= box[1]
            inside = inside and box[3] <= area[3]
            if inside and not any(_overlaps(box, other) for other in (*taken, *dots)):
                chosen = (left, base, text)
                taken.append(box)
                break
        placed.append(chosen)
    return placed


def scatter_svg(
    dots: Sequence[Dot],
    names: tuple[str, str],
    units: tuple[str, str],
    low_better: tuple[bool, bool] = (True, True),
) -> str:
    """The chart: x and y axes (each log or linear by its values), a dot per client and
    combination linking to its table, each client's frontier as a line, the frontier's
    labels where they fit."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    sx = scale_of([d.x for d in dots], LEFT, right)
    sy = scale_of([d.y for d in dots], bottom, TOP)
    clients = list(dict.fromkeys(d.client for d in dots))
    out = [f'<svg width="{WIDTH}" height="{HEIGHT}" role="img" class="scatter" '
           f'data-x-scale="{"log" if sx.log else "linear"}" '
           f'data-y-scale="{"log" if sy.log else "linear"}" '
           f'aria-label="{esc(names[1])} against {esc(names[0])}">']  # fmt: skip
    out.append(f'<line class="axis" x1="{LEFT}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    out.append(f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/>')
    for value, label in ticks(sx, units[0], CHAR):
        x = sx(value)
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{bottom}"/>')
        out.append(f'<text class="tick" x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">'
                   f"{esc(label)}</text>")  # fmt: skip
    for value, label in ticks(sy, units[1], LINE):
        y = sy(value)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f"{esc(label)}</text>")  # fmt: skip
    caption = (f"{names[0]} ({'log' if sx.log else 'linear'} scale) →", f"{names[1]} "
               f"({'log' if sy.log else 'linear'} scale) ↑")  # fmt: skip
    out.append(f'<text x="{(LEFT + right) / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle">'
               f"{esc(caption[0])}</text>")  # fmt: skip
    out.append(f'<text x="{LEFT}" y="{TOP - 4}">{esc(caption[1])}</text>')
    labelled: list[tuple[float, float, str]] = []
    inks: list[str] = []  # each label in its client's colour
    for c, client in enumerate(clients):
        colour = COLOURS[c % len(COLOURS)]
        mine = [d for d in dots if d.client == client]
        best = frontier([d for d in mine if d.eligible], *low_better)
        out.append(f'<g data-client="{esc(client)}">')
        if len(best) > 1:
            path = " ".join(f"{sx(d.x):.1f},{sy(d.y):.1f}" for d in best)
            out.append(f'<polyline class="frontier" points="{path}" fill="none" '
                       f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
        for d in mine:
            on, fill = d in best, colour if d in best else "#fff"
            out.append(f'<a href="{esc(d.href)}"><circle cx="{sx(d.x):.1f}" cy="{sy(d.y):.1f}" '
                       f'r="{DOT:g}" fill="{fill}" stroke="{colour}" stroke-width="2" '
                       f'opacity="{1 if d.eligible else 0.35}" data-frontier="{str(on).lower()}" '
                       f'data-eligible="{str(d.eligible).lower()}">'
                       f"<title>{esc(d.title)}</title></circle></a>")  # fmt: skip
        out.append("</g>")
        labelled += [(sx(d.x), sy(d.y), d.label) for d in best]
        inks += [colour] * len(best)
    area = (LEFT + 2, TOP, right, bottom - 2)
    every = [(sx(d.x), sy(d.y)) for d in dots]  # every dot is in the way
    for spot, ink in zip(place_labels(labelled, area, every), inks, strict=True):
        if spot is not None:
            out.append(f'<text class="point-label" x="{spot[0]:.1f}" y="{spot[1]:.1f}" '
                       f'style="fill:{ink}">{esc(spot[2])}</text>')  # fmt: skip
    out.append("</svg>")
    return "".join(out)
