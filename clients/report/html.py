"""`python -m clients report RESULT.json -o report.html`: one self-contained HTML page.

No network, no CDN: the CSS and the scripts (`assets/`: `units.js`, then `report.js`) are
inlined, the data is embedded once as compact JSON (`payload`), and the page draws it with
plain JavaScript on canvas and SVG. A compare gets the table, trains, timeline, requests in
flight, latency, the talk's figures (mempy-2015) and notes; a sweep gets charts on a numeric
axis and each value's table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

from ..results.document import title_of
from ..sweeps import axis_of, label_of, variant_name
from . import glance, gridcharts, panels, payload, talkfigures
from .panels import Compared, esc, panel

ASSETS: Final = resources.files(__package__) / "assets"


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _json(data: Any) -> str:
    """JSON safe inside <script>: every `<` escaped, so no `</script>` or `<!--` can end it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


DRAWN_BY: Final = "python -m clients report RESULT.json"  # the footer's command, unless told


def _page(title: str, body: str, data: Mapping[str, Any], command: str) -> str:
    return (
        _asset("report.html")
        .replace("{{title}}", esc(title))
        .replace("{{command}}", esc(command))
        .replace("{{css}}", _asset("report.css") + _asset("gridcharts.css"))
        .replace("{{body}}", body)
        .replace("{{data}}", _json(data))
        .replace("{{js}}", _asset("units.js") + _asset("report.js"))
    )


def _header(title: str, subtitle: str, links: list[tuple[str, str]], switch: bool = True) -> str:
    nav = "".join(f'<a href="#panel-{esc(name)}">{esc(text)}</a>' for name, text in links)
    if switch:  # the time charts' axes: one per client (the default), or one for all
        nav += ('<label class="switch"><input type="checkbox" id="shared-axis"> '
                "one time axis for every client</label>")  # fmt: skip
    return (f'<header><h1>{esc(title)}</h1><p class="subtitle">{esc(subtitle)}</p>'
            f"<nav>{nav}</nav></header>")  # fmt: skip


def compare_body(result: Compared) -> str:
    """The panels of one compare."""
    parts = [
        glance.summary_panel(result),
        panels.table_panel(result),
        panels.train_panel(result),  # the talk's own picture, right under its figures
        panels.talk_panel(result),
        panels.notes_panel(result),
        panels.frames(
            "timeline",
            "Timeline: every request",
            result,
            "Each request as a bar on its lane (a thread, a connection or a task slot);"
            " green answered, amber answered on a retry, red failed. Each client has its "
            "own time axis unless the switch above puts them on one. Under each, the requests "
            "in flight, on one scale for every client (the most any had) unless the switch "
            "gives each its own; purple shading marks where the client's event loop was "
            "blocked (hover it for how long and where). Scroll to zoom, "
            "drag to pan, double-click to reset; hover a bar for its request.",
        ),
        over_time_panel(),
        panel(
            "latency",
            "Latency distribution",
            '<div class="chart" data-draw="latency"></div>',
            "Each client's latency as a cumulative distribution (the share of requests "
            "answered within a time), against the scenario's intended waits from the server's "
            "preview (dashed).",
        ),
    ]
    return "".join(parts)


LINKS: Final = [
    ("summary", "at a glance"), ("table", "table"), ("train", "trains"), ("talk", "talk"),
    ("notes", "notes"), ("timeline", "timeline"), ("overtime", "over time"),
    ("latency", "latency"),
]  # fmt: skip


def over_time_panel() -> str:
    """Four charts over time, a line per client on one time axis, a switch for each client."""
    charts = "".join(
        f'<div class="over-chart" data-figure="{name}"></div>'
        for name in ("rate", "latency", "inflight", "failures")
    )
    return panel(
        "overtime",
        "Over time",
        f'<div class="legend switches"></div><div class="charts over">{charts}</div>',
        "Every client's run in steps of time (a step is at most a second): requests answered "
        "and sent, the latency of the requests that ended in each step, how many were in "
        "flight, and failures. The boxes show or hide a client and the time axis fits the "
        "clients shown: a client's name shows it alone, on its own axis.",
    )


def render_compare(doc: Mapping[str, Any], command: str = DRAWN_BY) -> str:
    """The report page of one compare result."""
    title = title_of(doc)
    result = Compared.of(doc)
    scenario = doc.get("scenario") or {}
    subtitle = (
        f"{len((scenario.get('workload') or {}).get('zips') or [])} zips · seed "
        f"{scenario.get('seed', '?')} · measured {doc.get('created', '?')}"
    )
    links = [(n, t) for n, t in LINKS if n != "talk" or talkfigures.applies(doc)]
    body = _header(title, subtitle, links) + "<main>" + compare_body(result) + "</main>"
    return _page(title, body, payload.compare_payload(doc, result.shown, result.summaries), command)


def render_sweep(doc: Mapping[str, Any], command: str = DRAWN_BY) -> str:
    """The report page of a sweep: charts against the swept value, then each value's table."""
    setting = str((doc.get("sweep") or {}).get("setting", "value"))
    name = str((doc.get("scenario") or {}).get("name", "?"))
    title = f"{name}: sweep of {setting}"
    charts = (
        panel(
            "sweep",
            f"Against {setting}",
            '<div class="charts" data-draw="sweep"></div>',
            f"Each client's wall time, throughput and p99 latency against {setting} "
            f"({axis_of(setting).value} axis). Click a point for that value's table.",
        )
        if gridcharts.on_an_axis(doc)
        else ""
    )  # a grid: its heatmaps and scatter instead
    extras = gridcharts.grid_panels(doc)
    sections = []
    for index, variant in enumerate(doc.get("variants") or []):
        result, value = variant["result"], float(variant["value"])
        compared = Compared.of(result)
        heading = variant_name(setting, variant)
        label = label_of(setting, value) if gridcharts.on_an_axis(doc) else heading
        table = (
            panels.table_panel(compared)
            .replace('data-panel="table"', f'data-panel="table" data-value="{esc(label)}"', 1)
            .replace('id="panel-table"', f'id="value-{index}"', 1)
        )
        sections.append(table.replace("<h2>The table</h2>", f"<h2>{esc(heading)}</h2>", 1))
        sections.append(
            panels.notes_panel(compared).replace('id="panel-notes"', f'id="notes-{index}"', 1)
        )
    subtitle = f"{len(doc.get('variants') or [])} values · measured {doc.get('created', '?')}"
    body = (
        _header(
            title,
            subtitle,
            [("sweep", "charts")] * bool(charts) + [(name, text) for name, text, _ in extras],
            switch=False,
        )
        + "<main>"
        + "".join(html for _, _, html in extras[:1])  # the answer first
        + charts
        + "".join(html for _, _, html in extras[1:])
        + "".join(sections)
        + "</main>"
    )
    return _page(title, body, payload.sweep_payload(doc), command)


def render_report(doc: Mapping[str, Any], command: str = DRAWN_BY) -> str:
    """The report page of a compare or a sweep result; the footer names `command`, the one
    that draws it again (`asynchronicity report run.json` when installed)."""
    render = render_sweep if doc.get("kind") == "sweep" else render_compare
    return render(doc, command)
