"""The sweep page's answer and grid charts: `[tune]`'s sentences, a heatmap per figure for a
two-setting grid (each cell a link to that combination's table), and a scatter of two figures
with each client's Pareto frontier (`scatter`).

Static HTML and SVG from the saved sweep document (its points carry every figure and their
combination), so the page draws nothing of these itself: a table's labels cannot collide, a
cell's colour is worked out here, log or linear by the values as the scatter's axes are.
Pure: a document in, HTML text out; a file from before grids (no figures) gets none of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ..expectations import FIGURES
from ..results.points import Point
from ..sweeps import Combination, label_of, phrase_of
from .panels import esc, panel
from .scatter import COLOURS, Dot, scatter_svg

DEFAULT_FIGURES: Final = ("p99", "wall", "failed", "amplification")
MOST_FIGURES: Final = 5
PALE, DEEP = (238, 243, 248), (31, 78, 121)  # the heatmap's ends: least and most


def _points(doc: Mapping[str, Any]) -> list[Point]:
    return [Point.from_dict(p) for p in doc.get("points") or []]


def _anchors(doc: Mapping[str, Any]) -> dict[tuple[tuple[str, Any], ...], int]:
    """Each combination's variant index: its table is `#value-INDEX`."""
    return {
        tuple((v.get("combination") or {}).items()): index
        for index, v in enumerate(doc.get("variants") or [])
    }


def _tune(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    tune = doc.get("tune")
    return tune if isinstance(tune, Mapping) else {}


def _best(doc: Mapping[str, Any]) -> dict[str, tuple[tuple[str, Any], ...]]:
    """Each client's [tune] pick, as a combination key."""
    return {
        str(a["client"]): tuple(a["best"]["combination"].items())
        for a in _tune(doc).get("answers") or []
        if isinstance(a, Mapping) and a.get("best")
    }


def objective(doc: Mapping[str, Any]) -> tuple[str, bool]:
    """The figure [tune] optimizes and whether lower is better (p99, lower, without one)."""
    tune = _tune(doc)
    if tune.get("maximize") in FIGURES:
        return str(tune["maximize"]), False
    return (str(tune["minimize"]) if tune.get("minimize") in FIGURES else "p99"), True


def heat_figures(doc: Mapping[str, Any]) -> list[str]:
    """The figures to draw: [tune]'s objective, what it requires and its tie-breaker first."""
    tune = _tune(doc)
    named = [objective(doc)[0]]
    named += [text.split(" ")[0] for text in tune.get("require") or [] if isinstance(text, str)]
    named += [str(tune["then"])] if tune.get("then") else []
    if any(p.figures.get("recovered") is not None for p in _points(doc)):
        named.insert(0, "recovery")  # a sweep over a server's phases: the metastability map
    names = [n for n in dict.fromkeys([*named, *DEFAULT_FIGURES]) if n in FIGURES]
    return names[:MOST_FIGURES]


def tune_panel(doc: Mapping[str, Any]) -> str:
    """[tune]'s answer for each client, as the terminal said it."""
    answers = [a for a in _tune(doc).get("answers") or [] if isinstance(a, Mapping)]
    if not answers:
        return ""
    items = "".join(
        f'<li class="{"pass" if a.get("found") else "fail"}" data-client="{esc(a.get("client"))}">'
        f"{esc(a.get('sentence', ''))}</li>"
        for a in answers
    )
    intro = (
        "Per client, the combination that meets every requirement with the best "
        "objective ([tune] in the scenario), the runner-up, and how many met."
    )
    return panel("tune", "The answer", f'<ul class="tune-answers">{items}</ul>', intro)


def _shade(share: float) -> tuple[str, str]:
    """The cell's background and text colour at `share` (0: least, 1: most)."""
    rgb = [round(p + (d - p) * share) for p, d in zip(PALE, DEEP, strict=True)]
    return f"rgb({rgb[0]},{rgb[1]},{rgb[2]})", "#fff" if share > 0.55 else "#1d2733"


def _shares(values: Sequence[float]) -> tuple[bool, float, float]:
    """Whether to colour on a log scale (a decade or more, all above 0), and its ends."""
    low, high = min(values), max(values)
    log = low > 0 and high / low >= 10
    return (log, math.log10(low), math.log10(high)) if log else (False, low, high)


def _share(value: float, scale: tuple[bool, float, float]) -> float:
    log, low, high = scale
    at = math.log10(value) if log else value
    return (at - low) / (high - low) if high > low else 0.0


def heatmap_panel(doc: Mapping[str, Any]) -> str:
    """For a grid of two settings: per figure, a heatmap per client, the first setting across,
    the second down; each cell the figure's value, coloured on one scale for every client (log
    when the values span a decade), linking to that combination's table; ★ on [tune]'s pick.
    A grid of three: the objective alone, a map per client and value of the third."""
    grid = (doc.get("sweep") or {}).get("grid") or {}
    found = [p for p in _points(doc) if p.figures]
    if len(grid) not in (2, 3) or not found:
        return ""
    names = list(grid)
    across, down = names[0], names[1]
    slices = [{}] if len(grid) == 2 else [{names[2]: v} for v in grid[names[2]]]
    figures = heat_figures(doc)[: 1 if len(grid) == 3 else MOST_FIGURES]
    clients = list(dict.fromkeys(p.client for p in found))
    sheet = _Sheet(doc, grid, found)
    parts = []
    for name in figures:
        values = [v for p in found if (v := p.figures.get(name)) is not None]
        if not values:
            continue
        scale = _shares(values)
        maps = [sheet.map(client, name, scale, fixed) for client in clients for fixed in slices]
        figure, how = FIGURES[name], "log" if scale[0] else "linear"
        parts.append(f'<h3>{esc(name)}: {esc(figure.help)} <span class="scale">(shaded on a '
                     f'{how} scale, {esc(figure.format(min(values)))} pale to '
                     f'{esc(figure.format(max(values)))} deep)</span></h3>'
                     f'<div class="heatmaps">{"".join(maps)}</div>')  # fmt: skip
    third = f", a map per client and {names[2]}" if len(grid) == 3 else ", one map per client"
    intro = (f"Each figure over the grid of {across} (across) and {down} (down){third}. Click "
             "a cell for that combination's table; ★ marks [tune]'s pick, ✗ a wrong "
             "total.")  # fmt: skip
    return panel("heatmaps", "Over the grid", "".join(parts), intro)


class _Sheet:
    """What every heatmap of one sweep reads: its grid, points by client and combination, each
    combination's table and [tune]'s picks."""

    def __init__(self, doc: Mapping[str, Any], grid: Mapping[str, Any], found: list[Point]):
        self.grid, self.anchors, self.best = grid, _anchors(doc), _best(doc)
        self.by_key = {(p.client, tuple(p.combination.items())): p for p in found}

    def map(
        self, client: str, name: str, scale: tuple[bool, float, float], fixed: Mapping[str, Any]
    ) -> str:
        """One client's map of one figure, the settings past the first two held at `fixed`."""
        across, down = list(self.grid)[:2]
        figure = FIGURES[name]
        head = "".join(f"<th>{esc(label_of(across, v))}</th>" for v in self.grid[across])
        body = []
        for row in self.grid[down]:
            cells = []
            for column in self.grid[across]:
                at = {across: column, down: row, **fixed}
                key = tuple((setting, at[setting]) for setting in self.grid)
                point = self.by_key.get((client, key))
                value = None if point is None else point.figures.get(name)
                combo = Combination(key).label
                if (
                    point is not None
                    and name == "recovery"
                    and value is None
                    and point.figures.get("recovered") == 0.0
                ):  # never: the map's other side
                    cells.append(f'<td class="never" style="background:rgb{DEEP};color:#fff">'
                                 f'<a href="#value-{self.anchors.get(key, 0)}" style="color:#fff" '
                                 f'title="{esc(client)} at {esc(combo)}: did not recover">'
                                 "never</a></td>")  # fmt: skip
                    continue
                if point is None or value is None:
                    cells.append(f'<td class="none" title="{esc(combo)}: not measured">–</td>')
                    continue
                ground, ink = _shade(_share(value, scale))
                star = " ★" if self.best.get(client) == key else ""
                wrong = "" if point.correct else " ✗"
                title = f"{client} at {combo}: {name} {figure.format(value)}{wrong}{star}"
                cells.append(
                    f'<td style="background:{ground};color:{ink}"><a href="#value-'
                    f'{self.anchors.get(key, 0)}" style="color:{ink}" title="{esc(title)}">'
                    f"{esc(figure.format(value))}{wrong}{star}</a></td>"
                )
            body.append(f"<tr><th>{esc(label_of(down, row))}</th>{''.join(cells)}</tr>")
        where = "".join(f", {phrase_of(k, v)}" for k, v in fixed.items())
        return (f'<div class="heatmap" data-client="{esc(client)}" data-figure="{esc(name)}">'
                f'<h4>{esc(client + where)}</h4><table class="heat"><thead><tr><th>{esc(down)} '
                f"↓ {esc(across)} →</th>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
                "</table></div>")  # fmt: skip


def _short(combination: Mapping[str, Any]) -> str:
    """A combination's values alone, as a dot's label: `0.3 s · 4`."""
    return " · ".join(phrase_of(k, v).partition(" ")[2] for k, v in combination.items())


def _meeting(doc: Mapping[str, Any]) -> dict[str, set[int]] | None:
    """Per client, the indices of the combinations that met [tune]'s requirements (None
    without a [tune]: every combination may be on the frontier)."""
    answers = [a for a in _tune(doc).get("answers") or [] if isinstance(a, Mapping)]
    if not answers or any("meeting" not in a for a in answers):
        return None  # no [tune], or saved before the answers listed them
    return {str(a["client"]): {int(i) for i in a["meeting"] or []} for a in answers}


def scatter_panel(doc: Mapping[str, Any]) -> str:
    """The objective (p99 without a [tune]) against attempts per zip, a dot per client and
    combination, each client's frontier: the combinations none of its others beats on both."""
    y, y_low = objective(doc)
    x = "amplification" if y != "amplification" else "wall"
    anchors, meeting = _anchors(doc), _meeting(doc)
    dots = []
    for p in _points(doc):
        fx, fy = p.figures.get(x), p.figures.get(y)
        if fx is None or fy is None:
            continue
        key = tuple(p.combination.items())
        combo = Combination(key).label
        title = (f"{p.client} at {combo}: {x} {FIGURES[x].format(fx)}, {y} "
                 f"{FIGURES[y].format(fy)}{'' if p.correct else ' (wrong total)'}")  # fmt: skip
        index = anchors.get(key, 0)
        eligible = meeting is None or index in meeting.get(p.client, set())
        dots.append(Dot(p.client, _short(p.combination), title, fx, fy, f"#value-{index}",
                        eligible))  # fmt: skip
    if len(dots) < 2:
        return ""
    chart = scatter_svg(dots, (x, y), (FIGURES[x].unit, FIGURES[y].unit), (True, y_low))
    better = "lower" if y_low else "higher"
    intro = (f"Each client's {y} against its {x} ({FIGURES[x].help.split(' (')[0]}) at every "
             "combination; "
             f"the line joins the combinations none of that client's others beats on both "
             f"(lower {x}, {better} {y}): the frontier to choose from. Filled dots are on it; "
             "hover a dot for its figures, click it for its table.")  # fmt: skip
    if meeting is not None:
        required = "; ".join(str(t) for t in _tune(doc).get("require") or []) or "none"
        intro += (f" Faded dots missed [tune]'s requirements ({required}) and are left off "
                  "the frontier.")  # fmt: skip
    clients = list(dict.fromkeys(d.client for d in dots))
    legend = "".join(
        f'<span data-client="{esc(c)}" style="--c:{colour}">{esc(c)}</span>'
        for c, colour in zip(clients, _colours(len(clients)), strict=True)
    )
    body = chart + f'<div class="legend">{legend}</div>'
    return panel("scatter", f"{y} against {x}", body, intro)


def _colours(count: int) -> list[str]:
    return [COLOURS[i % len(COLOURS)] for i in range(count)]


def on_an_axis(doc: Mapping[str, Any]) -> bool:
    """Whether the sweep varied one numeric setting (its line charts have an axis): not a
    grid, not named values (jitter)."""
    sweep = doc.get("sweep") or {}
    if len(sweep.get("grid") or {}) > 1:
        return False
    return not any(isinstance(v, str) for v in sweep.get("values") or [])


def grid_panels(doc: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Every one of these panels the sweep has data for: (name, link text, HTML)."""
    found = [("tune", "answer", tune_panel(doc)), ("heatmaps", "grid", heatmap_panel(doc)),
             ("scatter", "frontier", scatter_panel(doc))]  # fmt: skip
    return [item for item in found if item[2]]
