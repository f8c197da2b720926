"""Running a sweep: the compare flow once per value, then one table, one plot, one JSON + SVG."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console, Group

from clients import environment
from clients.compare import (
    SCHEMA,
    SCHEMA_VERSION,
    Outcome,
    execute,
    result_path,
    server_for,
    to_document,
    validate,
)
from clients.errors import ServerUnavailable
from clients.scenario import Scenario
from clients.summary import speedups
from clients.sweep import Point, points, sweep_plot, sweep_table, variants
from clients.verdicts import check, verdict_exit_code, verdict_panel


@dataclass
class SweepOutcome:
    """Every value's outcome, in order; `interrupted` when Ctrl-C cut it short."""

    scenario: Scenario
    outcomes: list[tuple[float, Outcome]] = field(default_factory=list)
    interrupted: bool = False

    def points(self) -> list[Point]:
        """Each client's wall, throughput and p99 at each value that ran."""
        found: list[Point] = []
        for value, outcome in self.outcomes:
            found += points(value, outcome.summaries(), len(outcome.scenario.workload.zips))
        return found


def compare_sweep(scenario: Scenario, url: str | None, console: Console, results_dir: Path) -> int:
    """Run the scenario once per swept value against one server; report where models bend."""
    assert scenario.sweep is not None
    swept = SweepOutcome(scenario)
    try:
        with server_for(url) as (control, embedded):
            planned = variants(scenario, scenario.sweep)
            validate(control, [variant for _, variant in planned])  # every value, up front
            for value, variant in planned:
                console.print(f"[bold]{scenario.sweep.setting} = {value:g}[/]")
                outcome = Outcome(variant)
                swept.outcomes.append((value, outcome))
                execute(control, outcome, console, embedded)
    except KeyboardInterrupt:
        swept.interrupted = True
    except ServerUnavailable as error:
        if not any(outcome.runs for _, outcome in swept.outcomes):
            raise
        swept.interrupted = True  # the server went away: keep, show and save what finished
        console.print(f"[red]error: {error}[/]")
    return render_sweep(swept, console, results_dir)


def sweep_renderable(swept: SweepOutcome) -> Group:
    """The table and the plot, together."""
    assert swept.scenario.sweep is not None
    setting = swept.scenario.sweep.setting
    title = f"{swept.scenario.name}: sweep of {setting}"
    if swept.interrupted:
        title += " (interrupted: partial results)"
    found = swept.points()
    return Group(sweep_table(setting, found, title), sweep_plot(setting, found))


def render_sweep(swept: SweepOutcome, console: Console, results_dir: Path) -> int:
    """Print the table and plot, save JSON and SVG, and return the exit code."""
    renderable = sweep_renderable(swept)
    console.print(renderable)
    if swept.outcomes:
        path = result_path(results_dir, swept.scenario.name)
        path.write_text(json.dumps(sweep_document(swept), indent=1) + "\n", encoding="utf-8")
        recorder = Console(record=True, width=120, file=io.StringIO())
        recorder.print(renderable)
        svg = path.with_suffix(".svg")
        svg.write_text(recorder.export_svg(title=swept.scenario.name), encoding="utf-8")
        console.print(f"saved {path} and {svg}")
    if swept.interrupted:
        return 130
    found = swept.points()
    code = 0 if found and all(p.correct for p in found) else 1
    setting = swept.scenario.sweep.setting if swept.scenario.sweep else "value"
    for value, outcome in swept.outcomes:  # each value's expectations, checked on its own
        summaries = outcome.summaries()
        verdicts = check(swept.scenario.expect, summaries, speedups(summaries))
        if verdicts:
            panel = verdict_panel(verdicts)
            panel.title = f"{setting} = {value:g}: {panel.title}"
            console.print(panel)
            code = max(code, verdict_exit_code(verdicts))
    return code


def sweep_document(swept: SweepOutcome) -> dict[str, Any]:
    """The saved sweep: its setting, the points, and each value's full compare result."""
    assert swept.scenario.sweep is not None
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "kind": "sweep",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": {"path": swept.scenario.path, "name": swept.scenario.name},
        "environment": environment.describe(),
        "interrupted": swept.interrupted,
        "sweep": {
            "setting": swept.scenario.sweep.setting,
            "values": list(swept.scenario.sweep.values),
        },
        "points": [asdict(p) for p in swept.points()],
        "variants": [
            {"value": value, "result": to_document(outcome)} for value, outcome in swept.outcomes
        ],
    }
