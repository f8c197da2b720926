"""The sweep page's grid charts as text: the Pareto frontier, log or linear scales, ticks and
labels that never touch (checked by brute force on seeded random charts), a heatmap cell per
client and combination linking to that combination's table, [tune]'s answer on the page."""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

import pytest

from clients.report import html
from clients.report.gridcharts import heatmap_panel, scatter_panel, tune_panel
from clients.report.panels import esc
from clients.report.scatter import (
    CHAR,
    DOT,
    LINE,
    Dot,
    frontier,
    place_labels,
    scale_of,
    ticks,
)
from clients.sweeps import Combination
from tests import builders


def dot(x: float, y: float, name: str = "") -> Dot:
    return Dot("c", name, name, x, y, "#value-0")


@pytest.mark.parametrize("seed", [pytest.param(s, id=f"seed-{s}") for s in range(8)])
def test_the_frontier_is_every_dot_no_other_beats_on_both(seed: int) -> None:
    draw = random.Random(seed)
    dots = [dot(draw.choice([1, 2, 3, 4]), draw.choice([10, 20, 30]), str(i)) for i in range(12)]
    kept = frontier(dots)
    for d in dots:
        beaten = any(o.x <= d.x and o.y <= d.y and (o.x < d.x or o.y < d.y) for o in dots)
        assert (d in kept) == (not beaten), d
    assert [d.x for d in kept] == sorted(d.x for d in kept)
    higher = frontier(dots, low_y=False)  # a figure where more is better
    assert all(not any(o.x <= d.x and o.y >= d.y and (o.x < d.x or o.y > d.y) for o in dots)
               for d in higher)  # fmt: skip


def test_an_axis_is_log_when_its_values_span_a_decade() -> None:
    assert scale_of([0.05, 0.1, 5.0], 0, 100).log
    assert not scale_of([1.0, 1.2, 1.5], 0, 100).log
    assert not scale_of([0.0, 3.0, 40.0], 0, 100).log  # a zero has no place on a log axis
    placed = scale_of([0.01, 1.0], 0, 100)
    assert placed(0.1) == pytest.approx(50.0)  # halfway in decades


@pytest.mark.parametrize(
    ("values", "unit"),
    [pytest.param([0.05, 0.1, 0.5, 5.0], "s", id="timeouts"),
     pytest.param([1.0, 1.04, 1.17, 1.6], "per_zip", id="attempts"),
     pytest.param([0.0, 3.0, 17.0], "count", id="failed"),
     pytest.param([0.0021, 0.0023], "s", id="narrow")],
)  # fmt: skip
def test_tick_labels_never_touch(values: list[float], unit: str) -> None:
    for start, end, room in ((70, 700, CHAR), (356, 16, LINE), (70, 180, CHAR)):
        scale = scale_of(values, start, end)
        found = ticks(scale, unit, room)
        assert found, (values, start, end)
        edges = sorted(
            (scale(v) - size / 2, scale(v) + size / 2)
            for v, label in found
            for size in [len(label) * room if room != LINE else LINE]
        )
        assert all(b[0] >= a[1] + 6 for a, b in itertools.pairwise(edges)), edges


@pytest.mark.parametrize("seed", [pytest.param(s, id=f"seed-{s}") for s in range(8)])
def test_point_labels_never_overlap_a_label_or_a_dot_and_stay_inside(seed: int) -> None:
    draw = random.Random(seed)
    area = (72.0, 16.0, 700.0, 354.0)
    labels = [(draw.uniform(80, 690), draw.uniform(20, 350), f"{draw.random():.2f} s · 4")
              for _ in range(25)]  # fmt: skip
    others = [(draw.uniform(80, 690), draw.uniform(20, 350)) for _ in range(25)]
    placed = place_labels(labels, area, others)
    boxes = [
        (x - 1, y - LINE + 3, x + len(t) * CHAR + 1, y + 3) for x, y, t in filter(None, placed)
    ]
    assert len(boxes) >= 8  # most find a spot
    dots = [(x - DOT, y - DOT, x + DOT, y + DOT) for x, y in [*((a, b) for a, b, _ in labels),
                                                              *others]]  # fmt: skip
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    for box in boxes:
        assert area[0] <= box[0] and box[2] <= area[2] and area[1] <= box[1] and box[3] <= area[3]
        assert not any(box[0] < d[2] and d[0] < box[2] and box[1] < d[3] and d[1] < box[3]
                       for d in dots), box  # fmt: skip


def test_a_heatmap_cell_per_client_and_combination_links_to_its_table() -> None:
    doc = builders.grid_doc()
    page = heatmap_panel(doc)
    labels = [v["label"] for v in doc["variants"]]
    cells = re.findall(r'<a href="#value-(\d+)"[^>]*title="([^"]*)"', page)
    figures = len(re.findall(r'class="heatmap" data-client="asyncio"', page))
    assert figures == 4  # p99 (the objective), failed (required), amplification (then), wall
    assert len(cells) == figures * 2 * 12
    for index, title in cells:
        combo = labels[int(index)]
        assert f" at {combo}: " in title, (index, title)  # the cell links to its own table
    assert "shaded on a log scale, 50 ms pale to 6.54 s deep" in page  # p99 spans decades
    assert "shaded on a linear scale" in page  # failed does not
    best = {a["client"]: a["best"]["label"] for a in doc["tune"]["answers"]}
    for client, label in best.items():
        assert re.search(rf'title="{client} at {re.escape(label)}: p99 [^"]* ★"', page), client


def test_the_scatter_draws_each_clients_frontier_on_log_axes_where_values_span_decades() -> None:
    doc = builders.grid_doc()
    page = scatter_panel(doc)
    assert 'data-x-scale="linear"' in page and 'data-y-scale="log"' in page
    assert page.count("<circle") == 24 and page.count('class="frontier"') == 2
    on = re.findall(r'data-frontier="true" data-eligible="(\w+)"', page)
    assert on and set(on) == {"true"}  # only combinations that met [tune]'s requirement
    assert "Faded dots missed [tune]'s requirements (failed ≤ 0)" in page


def test_the_sweep_page_has_the_answer_the_grid_and_no_axis_charts() -> None:
    doc = builders.grid_doc()
    page = html.render_report(doc)
    for sentence in (a["sentence"] for a in doc["tune"]["answers"]):
        assert esc(sentence) in tune_panel(doc) and esc(sentence) in page
    assert '<div class="charts" data-draw="sweep">' not in page  # a grid: no numeric axis
    assert page.index('data-panel="tune"') < page.index('data-panel="heatmaps"')
    assert "<h2>timeout 0.5 s, retries 2</h2>" in page  # each combination's table, named
    one = html.render_report(builders.sweep_doc())  # a one-setting sweep keeps its charts
    assert '<div class="charts" data-draw="sweep">' in one and 'data-panel="heatmaps"' not in one


def test_a_three_setting_grid_maps_its_objective_per_value_of_the_third() -> None:
    grid: dict[str, list[Any]] = {"timeout": [0.1, 1.0], "retries": [0.0, 2.0],
                                  "jitter": ["none", "full"]}  # fmt: skip
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    doc = {
        "sweep": {"setting": "timeout × retries × jitter", "values": [0.1, 1.0], "grid": grid},
        "variants": [{"value": float(i), "combination": c, "label": "", "result": {}}
                     for i, c in enumerate(combos)],
        "points": [{"client": "a", "value": float(i), "wall": 1.0, "throughput": 1.0,
                    "p99": 0.1 * (i + 1), "correct": True, "combination": c,
                    "figures": {"p99": 0.1 * (i + 1), "failed": 0.0}}
                   for i, c in enumerate(combos)],
    }  # fmt: skip
    page = heatmap_panel(doc)
    assert re.findall(r"<h4>([^<]*)</h4>", page) == ["a, jitter none", "a, jitter full"]
    assert page.count("<h3>") == 1  # the objective alone (p99 without a [tune])
    cells = re.findall(r'<a href="#value-(\d+)"[^>]*title="a at ([^:]*):', page)
    assert len(cells) == 8
    for index, label in cells:
        assert label == Combination(tuple(combos[int(index)].items())).label


def test_a_sweep_over_a_dip_maps_recovery_first_and_never_as_never() -> None:
    grid: dict[str, list[Any]] = {"dip_workers": [3, 1], "dip_for": [1.0, 8.0]}
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    back = {(3, 1.0): 0.8, (3, 8.0): 0.4, (1, 1.0): None, (1, 8.0): None}
    doc = {
        "sweep": {"setting": "dip_workers × dip_for", "values": [3, 1], "grid": grid},
        "variants": [{"value": float(i), "combination": c, "label": "", "result": {}}
                     for i, c in enumerate(combos)],
        "points": [{"client": "immediate", "value": float(i), "wall": 24.0, "throughput": 60.0,
                    "p99": 0.5, "correct": True, "combination": c,
                    "figures": {"recovery": back[(c["dip_workers"], c["dip_for"])],
                                "recovered": 0.0 if back[(c["dip_workers"], c["dip_for"])]
                                is None else 1.0, "p99": 0.5}}
                   for i, c in enumerate(combos)],
    }  # fmt: skip
    page = heatmap_panel(doc)
    assert page.index('data-figure="recovery"') < page.index('data-figure="p99"')
    assert page.count(">never</a></td>") == 2
    assert "800 ms" in page and "400 ms" in page
