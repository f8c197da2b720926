"""The one writer: everything the tool shows a person goes through this module's Console.

Above both the harness and the report: the harness returns outcomes, `results` turns them
into data and `report` into renderables and strings; the functions here run a compare or a
sweep, print what comes back, draw the live progress, and say where files went.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from .errors import ClientsError
from .harness.compare import Outcome, compare
from .harness.lease import Holder
from .harness.store import write_atomic
from .harness.sweep import SweepOutcome, sweep
from .report import exports
from .report import table as tables
from .report.diagnoses import diagnoses_text
from .report.html import render_report
from .report.junit import render_junit
from .report.notes import foreign as foreign_notes
from .report.sweepplot import sweep_renderable
from .report.timeline import representative_runs, timeline_renderable
from .report.verdicts import verdict_panel
from .results.diagnoses import diagnose
from .results.document import context_of, expected_total, load_any, title_of
from .results.summary import speedups
from .scenario import Scenario
from .sweeps import Combination


class ProgressDisplay:
    """A live bar per run while a compare (or sweep) goes on; the harness's observer."""

    def __init__(self, console: Console) -> None:
        self.console = console
        columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        self._progress = Progress(*columns, console=console, transient=True)
        self._task: TaskID | None = None
        self._started = False

    def __enter__(self) -> ProgressDisplay:
        return self  # the display starts with the first run: nothing shows before that

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._started:
            self._progress.stop()

    def run_started(self, label: str, total: int) -> None:
        """Show a bar for the new run."""
        if not self._started:
            self._progress.start()
            self._started = True
        self._task = self._progress.add_task(label, total=total)

    def progressed(self, done: int) -> None:
        """Move the bar (called from the launcher's reader thread)."""
        if self._task is not None:
            self._progress.update(self._task, completed=done)

    def run_finished(self) -> None:
        """Take the bar away."""
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None

    def value_started(self, combination: Combination) -> None:
        """A sweep's next value (or combination of a grid): say which."""
        self.console.print(f"[bold]{escape(combination.label)}[/]", highlight=False)

    def server_chosen(self, url: str, started: bool) -> None:
        """Say which server the run uses, and whether this process started it."""
        how = "started for this run" if started else "already running, not started by this run"
        self.console.print(f"server: {url} ({how})", highlight=False, soft_wrap=True)

    def server_held(self, url: str, holder: Holder) -> None:
        """Say who holds the server while this run waits for it."""
        self.console.print(f"[yellow]waiting for {url}: held by {escape(holder.describe())}[/] "
                           "(Ctrl-C to give up)", highlight=False, soft_wrap=True)  # fmt: skip


def compare_table(outcome: Outcome, console: Console) -> RenderableType:
    """The comparison table, in parts of a few columns when the terminal is too narrow."""
    summaries = outcome.summaries()
    doc = outcome.document()  # the table of the result as it is saved: one title, one caption
    parts = tables.fitted_tables(console, summaries, speedups(summaries), expected_total(doc),
                                 title_of(doc), tables.caption_text(context_of(doc)))  # fmt: skip
    return Group(*parts)


def show_compare(outcome: Outcome, console: Console, *, timeline: bool = False) -> int:
    """Print the table, the timeline if asked, the verdicts and where the result went;
    return the exit code."""
    console.print(compare_table(outcome, console))
    said = diagnoses_text(diagnose(outcome.summaries(), outcome.runs))
    if said is not None:
        console.print(said)
    if timeline and outcome.runs:
        try:
            runs = representative_runs(outcome.runs)
            console.print(timeline_renderable(runs, console.width, max_lanes=12))
        except ValueError as why:  # a terminal too narrow to draw on
            console.print(f"timeline skipped: {why}")
    for note in foreign_notes(outcome.runs):  # a figure shared with a stray: said at once
        console.print(f"[yellow]{escape(note.client)}: {escape(note.text)}[/]")
    verdicts = outcome.verdicts()
    if verdicts:
        console.print(verdict_panel(verdicts))
    if outcome.saved is not None:
        console.print(f"saved {outcome.saved}")
    if outcome.unsaved:
        console.print(f"[red]error: {escape(outcome.unsaved)}[/]")
    if outcome.interrupted and not outcome.lost:
        console.print(f"[yellow]{escape(outcome.stopped_at() or 'interrupted')}[/]")
    if outcome.lost:
        during = f" (during {outcome.running.describe()})" if outcome.running else ""
        console.print(f"[red]error: {escape(outcome.lost)}{escape(during)}[/]")
    return outcome.exit_code()


def show_sweep(swept: SweepOutcome, console: Console) -> int:
    """Print the sweep's table and plot and each value's verdicts; write the SVG beside the
    JSON; return the exit code."""
    title = f"{swept.scenario.name}: sweep of {swept.setting}"
    if swept.interrupted:
        title += " (interrupted: partial results)"
    if swept.lost:
        console.print(f"[red]error: {swept.lost}[/]")
    found, answers = swept.points(), swept.answers()
    best = {a.client: a.best.value for a in answers if a.best is not None}
    console.print(sweep_renderable(swept.setting, found, title, console, best))
    if swept.saved is not None:
        recorder = Console(record=True, width=120, file=io.StringIO())
        recorder.print(sweep_renderable(swept.setting, found, title, recorder, best))
        svg = swept.saved.with_suffix(".svg")
        try:
            write_atomic(svg, recorder.export_svg(title=swept.scenario.name))
            console.print(f"saved {swept.saved} and {svg}")
        except OSError as error:  # the disk went away between the JSON and the plot
            console.print(f"saved {swept.saved}")
            swept.unsaved = f"{svg}: could not save the plot: {error.strerror or error}"
    if swept.unsaved:
        console.print(f"[red]error: {escape(swept.unsaved)}[/]")
    if swept.interrupted:
        return swept.exit_code()
    for combination, verdicts in swept.verdicts():
        if verdicts:
            panel = verdict_panel(verdicts)
            panel.title = f"{combination.label}: {panel.title}"
            console.print(panel)
    for answer in answers:
        style = "green" if answer.found else "red"
        console.print(f"[{style}]{escape(answer.sentence())}[/]", highlight=False)
    return swept.exit_code()


def run_compare(
    scenario: Scenario,
    url: str | None,
    console: Console,
    results_dir: Path = Path("results"),
    *,
    timeline: bool = False,
    wait: bool = True,
    report: bool = False,
    junit: Path | None = None,
    prog: str = "python -m clients",
) -> int:
    """Compare (or sweep) with a live progress display, then show the outcome (and write the
    HTML report next to the JSON, and the verdicts as JUnit XML, when asked); `wait`: for a
    server another run holds (else a `ServerHeld` error)."""
    with ProgressDisplay(console) as display:
        if scenario.sweep is not None:
            swept = sweep(scenario, url, results_dir, display, wait=wait)
        else:
            outcome = compare(scenario, url, results_dir, display, wait=wait)
    if scenario.sweep is not None:
        code, saved = show_sweep(swept, console), swept.saved
        document = swept.document()
    else:
        code, saved = show_compare(outcome, console, timeline=timeline), outcome.saved
        document = outcome.document()
    if junit is not None:  # what finished, even when nothing could be saved
        console.print(f"junit {write_text(junit, render_junit(document))}")
    if report and saved is not None:
        page = write_report(load_any(saved), saved.with_suffix(".html"), f"{prog} report {saved}")
        console.print(f"report {page}")
    return code


def write_text(path: Path, text: str) -> Path:
    """Write a page, an export or a picture at `path`; a one-line `ClientsError` if it cannot."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ClientsError(f"{path}: cannot write: {error.strerror}") from None
    return path


def write_report(doc: Mapping[str, Any], path: Path, command: str | None = None) -> Path:
    """Write the HTML report page of `doc` (a compare or a sweep result) at `path`; its footer
    names `command` (the one that draws it again) when given."""
    return write_text(path, render_report(doc, command) if command else render_report(doc))


def export(doc: Mapping[str, Any], path: Path) -> Path:
    """Write `doc` at `path` in the format its suffix names; `ClientsError` for another."""
    try:
        text = exports.render(doc, path.name)
    except ClientsError as error:
        raise ClientsError(f"{path}: {error}") from None
    return write_text(path, text)


def terminal() -> Console:
    """The console everything for a person goes to (stdout)."""
    return Console()


def error(message: str) -> None:
    """`error: message` on stderr: the one line every expected failure gets."""
    print(f"error: {message}", file=sys.stderr)


def say(text: str, *, stderr: bool = False) -> None:
    """Plain text, as is (the talk's block, `wrote PATH`)."""
    print(text, file=sys.stderr if stderr else sys.stdout)
