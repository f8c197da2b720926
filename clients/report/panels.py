"""The HTML report's panels that need no drawing: the table with its verdicts, scenario and
environment; the notes; the talk's figures; and the frames the page's script draws into.

Each panel is an element with `data-panel="NAME"`; where it is per client, it has a child per
client with `data-client="ROW LABEL"`. Pure: a result document in, HTML text out; every text
from the document is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Final

from rich.table import Table
from rich.text import Text

from ..records import RunResult
from ..results.diagnoses import diagnose
from ..results.document import context_of, expected_total, runs_of, summaries_from
from ..results.summary import Summary, speedups
from ..results.units import seconds, size
from ..results.verdicts import Held, Verdict, any_failed, tally
from . import notes as explain
from . import table as report
from . import talkfigures, trains
from .threads import EXPLAINED, Role, bands
from .timeline import representative_runs


@dataclass(frozen=True, slots=True)
class Compared:
    """A compare result, read once: the document, its runs, the run shown per client, and
    the table's summaries."""

    doc: Mapping[str, Any]
    runs: list[RunResult]
    shown: list[RunResult]
    summaries: list[Summary]

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> Compared:
        """Parse the runs once and fold them as the terminal does."""
        runs = runs_of(doc)
        found = summaries_from(runs, expected_total(doc), doc.get("preview") or {})
        return cls(doc, runs, representative_runs(runs), found)


def esc(value: object) -> str:
    """Text for HTML, quotes included."""
    return escape(str(value), quote=True)


def panel(name: str, title: str, body: str, intro: str = "") -> str:
    """A `<section data-panel=NAME>` with a heading and an optional introduction."""
    lead = f'<p class="intro">{intro}</p>' if intro else ""
    return (
        f'<section class="panel" id="panel-{esc(name)}" data-panel="{esc(name)}">'
        f"<h2>{esc(title)}</h2>{lead}{body}</section>"
    )


def _plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _cell_class(text: str) -> str:
    if "✗" in text or text.startswith("failed:") or "died" in text:
        return ' class="bad"'
    if "✓" in text:
        return ' class="good"'
    return ' class="skip"' if text.startswith("skipped:") else ""


def table_html(table: Table) -> str:
    """A rich table as an HTML table: the same cells, line breaks kept, ✓/✗ styled."""
    head = "".join(
        f'<th title="{esc(report.LONG_NAMES.get(str(c.header), str(c.header)))}">'
        f"{esc(str(c.header)).replace(chr(10), '<br>')}</th>"
        for c in table.columns
    )
    columns = [[_plain(cell) for cell in column.cells] for column in table.columns]
    rows = []
    for row in zip(*columns, strict=True):
        cells = "".join(
            f"<td{_cell_class(text)}>{esc(text.strip()).replace(chr(10), '<br>')}</td>"
            for text in row
        )
        rows.append(f'<tr data-client="{esc(row[0].splitlines()[0].strip())}">{cells}</tr>')
    body = "".join(rows)
    return (f'<div class="scroll"><table class="figures"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")  # fmt: skip


CLASSES: Final = {Held.PASSED: "pass", Held.FAILED: "fail", Held.NOT_RUN: "not-run"}


def verdicts_html(verdicts: Sequence[Mapping[str, Any]]) -> str:
    """The saved verdicts as a ✓/✗ list, with how many passed."""
    if not verdicts:
        return '<p class="verdicts none">No expectations were stated for this scenario.</p>'
    read = [Verdict.from_dict(v) for v in verdicts]
    items = "".join(
        f'<li class="{CLASSES[v.held]}">{v.mark} {esc(v.text)} '
        f'<span class="detail">{esc(v.detail)}</span></li>'
        for v in read
    )
    state = "fail" if any_failed(read) else "pass"
    return (f'<div class="verdicts {state}"><h3>Expectations: {esc(tally(read))}</h3>'
            f"<ul>{items}</ul></div>")  # fmt: skip


def _facts(doc: Mapping[str, Any]) -> str:
    scenario = doc.get("scenario") or {}
    server = doc.get("server") or {}
    facts = [
        ("scenario", f"{scenario.get('name', '?')} ({scenario.get('path', '?')})"),
        ("seed", scenario.get("seed", "?")),
        ("measured", doc.get("created", "?")),
        (
            "server",
            f"{server.get('url', '?')}{' (started by compare)' if server.get('embedded') else ''}",
        ),
    ]
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    caption = report.caption_text(context_of(doc)).splitlines()
    lines = "".join(f"<li>{esc(line)}</li>" for line in caption)
    return (f'<details class="facts"><summary>where and how it was measured</summary>'
            f'<dl class="facts">{rows}</dl><ul class="caption">{lines}</ul></details>')  # fmt: skip


def table_panel(result: Compared) -> str:
    """The comparison table, the verdicts, and where and how it was measured."""
    doc, summaries = result.doc, result.summaries
    table = report.report_table(summaries, speedups(summaries), expected_total(doc), "")
    body = table_html(table) + verdicts_html(doc.get("verdicts") or []) + _facts(doc)
    description = (doc.get("scenario") or {}).get("description") or ""
    return panel("table", "The table", body, esc(description))


def notes_panel(result: Compared) -> str:
    """Figures that puzzle a reader, explained from the data (or a line saying none do)."""
    found = explain.notes(result.summaries, result.runs) + [
        explain.Note(d.client, d.kind, d.text) for d in diagnose(result.summaries, result.runs)
    ]
    if not found:
        body = (
            '<p class="none">Nothing here needs explaining: no figure is out of the ordinary.</p>'
        )
    else:
        body = (
            "<ul>"
            + "".join(
                f'<li data-client="{esc(n.client)}"><strong>{esc(n.client)}: '
                f"{esc(n.title)}.</strong> {esc(n.text)}</li>"
                for n in found
            )
            + "</ul>"
        )
    return panel("notes", "Notes", body)


def talk_panel(result: Compared) -> str:
    """The talk's 2015 printouts beside this run, a sentence on each difference ('' if not
    the talk's scenario)."""
    doc, summaries = result.doc, result.summaries
    if not talkfigures.applies(doc):
        return ""
    head = (
        "<tr><th>script</th><th>client</th><th></th><th>mem (RSS +)</th><th>virtual +</th>"
        "<th>utime</th><th>stime</th><th>cpu</th><th>time</th></tr>"
    )
    rows, said = [], []
    for row in talkfigures.rows(doc, summaries):
        p, now = row.printed, row.now
        rows.append(
            f"<tr><td rowspan=2>{esc(p.script)}</td><td rowspan=2>{esc(p.kind)}</td>"
            f"<td>2015</td><td>{esc(size(p.mem))}</td><td>–</td>"
            f"<td>{esc(seconds(p.utime))}</td><td>{esc(seconds(p.stime))}</td>"
            f"<td>{esc(seconds(p.cpu))}</td><td>{esc(seconds(p.time))}</td></tr>"
        )
        if now is None:
            rows.append("<tr><td>now</td><td colspan=6>did not run</td></tr>")
        else:
            vm = "–" if now.vmem is None else size(now.vmem)
            rows.append(
                f'<tr class="now" data-client="{esc(now.client)}"><td>now</td>'
                f"<td>{esc(size(now.mem))}</td><td>{esc(vm)}</td>"
                f"<td>{esc(seconds(now.utime))}</td><td>{esc(seconds(now.stime))}</td>"
                f"<td>{esc(seconds(now.cpu))}</td><td>{esc(seconds(now.wall))}</td></tr>"
            )
        said.append(
            f"<li><strong>{esc(p.script)}</strong><ul>"
            + "".join(f"<li>{esc(s)}</li>" for s in row.sentences)
            + "</ul></li>"
        )
    intro = (
        "As printed in the talk (a Mac, Python 3.4, the live usajobs API, "
        f"<code>jobs available: {talkfigures.TALK_TOTAL}</code> each), beside this run."
    )
    body = (
        f'<table class="talk"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
        f'<details class="differences"><summary>why each figure differs from 2015</summary>'
        f'<ul class="differences">{"".join(said)}</ul></details>'
    )
    return panel("talk", "The talk, 2015 and now", body, intro)


def train_panel(result: Compared) -> str:
    """A frame per client for its trains, with the share of empty cars and how it was sampled."""
    parts = []
    for run in result.shown:
        found = trains.figures(run)
        if found is None:
            why = run.skipped or "no CPU samples in this result (not Linux, or an older file)"
            parts.append(
                f'<div class="client" data-client="{esc(run.client)}">'
                f'<h3>{esc(run.client)}</h3><p class="missing">{esc(why)}</p></div>'
            )
            continue
        target = run.samples.every if run.samples else 0.01
        empty = trains.empty_text(found)
        parts.append(
            f'<div class="client" data-client="{esc(run.client)}" data-empty="{esc(empty)}">'
            f'<h3>{esc(run.client)} <span class="empty">{esc(empty)} empty</span></h3>'
            f'<p class="figure">{esc(trains.sentence(found))}</p>'
            f'<p class="sampling">{esc(trains.sampling(found, target))}</p>'
            f"{_roles(run)}"
            '<div class="chart" data-draw="train"></div></div>'
        )
    intro = (
        "The talk's picture of a thread: a train whose length is time, each car a chance "
        "to run an instruction. A car is one sampling interval of one thread (or process); "
        "its dark part is the share of that interval it spent on a CPU, the rest is waiting. "
        "Many trains of one kind (a thread per zip) are one band, its cars their average; its "
        "red line is how many of them were alive, and its button opens them one a row. "
        "Scroll to zoom, drag to pan, double-click to reset."
    )
    return panel("train", "Trains: CPU occupancy per thread", "".join(parts), intro)


def _roles(run: RunResult) -> str:
    """What the rows that are not the client's own work are, in words ('' when none)."""
    if run.samples is None:
        return ""
    found = {b.named.role for b in bands(run.samples.tracks, run.settings.kind)}
    said = [f"{EXPLAINED[role]}" for role in (Role.RESOLVER, Role.METER, Role.RUNTIME)
            if role in found]  # fmt: skip
    return f'<p class="roles">Beside its own: {esc("; ".join(said))}.</p>' if said else ""


def frames(name: str, title: str, result: Compared, intro: str) -> str:
    """A panel with an empty frame per client for the page's script to draw into."""
    parts = "".join(
        f'<div class="client" data-client="{esc(run.client)}"><h3>{esc(run.client)}</h3>'
        f'<div class="chart" data-draw="{esc(name)}"></div></div>'
        for run in result.shown
    )
    return panel(name, title, parts, intro)
