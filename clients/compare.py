"""`compare`: one scenario, every client, one table — and the full result saved as JSON."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from clients import environment, report
from clients.errors import ClientsError, ClientUnavailable, ScenarioFileError, ServerUnavailable
from clients.launcher import WorkerFailed, run_worker
from clients.records import ClientSettings, RunResult
from clients.scenario import Scenario
from clients.server_control import EmbeddedServer, ScenarioRejected, ServerControl
from clients.summary import Summary, as_dict, exit_code, speedups, summarize
from clients.timeline import representative_runs, timeline_renderable
from clients.verdicts import check, verdict_exit_code, verdict_panel

SCHEMA = "asynchronicity.result"
SCHEMA_VERSION = 1
DEFAULT_URL = "http://127.0.0.1:8080"


@dataclass
class Outcome:
    """What a compare produced: the runs so far, the preview, and where it was saved."""

    scenario: Scenario
    preview: dict[str, Any] = field(default_factory=dict)
    runs: list[RunResult] = field(default_factory=list)
    server_url: str = ""
    embedded: bool = False
    interrupted: bool = False
    lost: str | None = None  # why the compare stopped early, when the server went away
    saved: Path | None = None
    timeline: bool = False

    @property
    def expected(self) -> int | None:
        """The total every client should sum, from the server's preview."""
        value = self.preview.get("expected_total")
        return int(value) if value is not None else None

    def summaries(self) -> list[Summary]:
        """One summary per client, in scenario order, for the clients that have runs."""
        makespans = self.preview.get("makespans", {})
        grouped: dict[str, list[RunResult]] = {}
        for run in self.runs:
            grouped.setdefault(run.client, []).append(run)
        return [summarize(runs, self.expected, makespans) for runs in grouped.values()]


@contextmanager
def server_for(url: str | None) -> Iterator[tuple[ServerControl, bool]]:
    """A server to talk to: the one at `url`, the default one if it answers, or our own."""
    if url is not None:
        control = ServerControl(url)
        if not control.healthy():
            raise ServerUnavailable(f"--url {url}: no fake server answers there")
        yield control, False
        control.close()
        return
    control = ServerControl(DEFAULT_URL)
    if control.healthy(timeout=0.5):
        yield control, False
        control.close()
        return
    control.close()
    embedded = EmbeddedServer()
    control = ServerControl(embedded.url)
    try:
        yield control, True
    finally:
        control.close()
        embedded.stop()


def validate(control: ServerControl, scenarios: list[Scenario]) -> None:
    """Have the server check every server section before anything runs (it applies nothing)."""
    for scenario in scenarios:
        try:
            control.apply(scenario.server_document(), dry_run=True)
        except ScenarioRejected as error:
            message = str(error).split(": ", 1)[-1]
            raise ScenarioFileError(scenario.path, error.key, message) from None


def prepare(control: ServerControl, scenario: Scenario) -> dict[str, Any]:
    """Apply the scenario's server section, then ask what it will do to the workload."""
    try:
        control.apply(scenario.server_document())
    except ScenarioRejected as error:
        raise ScenarioFileError(scenario.path, error.key, str(error).split(": ", 1)[-1]) from None
    workload = scenario.workload
    control.warm(workload.zips, workload.api, workload.per_page)
    timeouts = {c.timeout for c in scenario.clients}
    return control.preview(
        scenario.workload.zips,
        [c.effective_concurrency for c in scenario.clients],
        min(timeouts) / scenario.speed if len(timeouts) == 1 else None,
        scenario.workload.api,
        scenario.workload.per_page,
    )


def time_limit(settings: ClientSettings, zips: int) -> float:
    """A generous bound on one run, so nothing can hang the compare forever."""
    per_zip = settings.timeout * (settings.retries + 1) + settings.backoff_max * settings.retries
    concurrency = settings.effective_concurrency
    lanes = concurrency if concurrency > 0 else zips
    return 120.0 + per_zip / settings.speed * zips / lanes


def run_clients(control: ServerControl, outcome: Outcome, console: Console) -> None:
    """Each client `repeat` times, each run in a fresh process, with a live progress display."""
    scenario = outcome.scenario
    zips = list(scenario.workload.zips)
    columns = (TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as progress:
        for settings in scenario.clients:
            for repeat in range(scenario.repeat):
                label = f"{settings.name} {repeat + 1}/{scenario.repeat}"
                task = progress.add_task(label, total=len(zips))
                advance = functools.partial(_advance, progress, task)
                outcome.runs.append(one_run(control, settings, zips, advance))
                progress.remove_task(task)


def _advance(progress: Progress, task: TaskID, done: int) -> None:
    progress.update(task, completed=done)


def one_run(
    control: ServerControl,
    settings: ClientSettings,
    zips: list[str],
    on_progress: Callable[[int], None],
) -> RunResult:
    """Reset the server, run the client in a fresh process, and note the server's CPU."""
    control.reset()
    job = {"settings": settings.to_dict(), "zips": zips, "url": control.url}
    try:
        run = run_worker(job, on_progress, time_limit(settings, len(zips)))
    except WorkerFailed as error:
        return RunResult.without_figures(settings, f"failed: {error}")
    except ClientUnavailable as why:
        return RunResult.without_figures(settings, f"skipped: {why}")
    stats = control.stats()
    return replace(run, server_cpu=float(stats["cpu"]["total_s"]))


def to_document(outcome: Outcome) -> dict[str, Any]:
    """The saved result: scenario, environment, preview, every run with every attempt."""
    scenario = outcome.scenario
    summaries = outcome.summaries()
    ups = speedups(summaries)

    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "kind": "compare",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scenario": {
            "path": scenario.path,
            "name": scenario.name,
            "description": scenario.description,
            "seed": scenario.seed,
            "speed": scenario.speed,
            "repeat": scenario.repeat,
            "workload": {
                "source": scenario.workload.source,
                "api": scenario.workload.api,
                "per_page": scenario.workload.per_page,
                "zips": list(scenario.workload.zips),
            },
            "document": _jsonable(scenario.raw),
        },
        "environment": environment.describe(),
        "server": {"url": outcome.server_url, "embedded": outcome.embedded},
        "interrupted": outcome.interrupted or outcome.lost is not None,
        "expected_total": outcome.expected,
        "preview": outcome.preview,
        "summaries": [as_dict(s, ups.get(s.client)) for s in summaries],
        "verdicts": [
            {"text": v.text, "passed": v.passed, "detail": v.detail}
            for v in check(scenario.expect, summaries, ups)
        ],
        "runs": [run.to_dict() for run in outcome.runs],
    }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def result_path(directory: Path, name: str, suffix: str = ".json") -> Path:
    """A new file under `directory` named `<name>-<UTC time><suffix>`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    slug = re.sub(r"[^\w.-]+", "-", name).strip("-") or "scenario"
    path = directory / f"{slug}-{stamp}{suffix}"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"{slug}-{stamp}-{counter}{suffix}"
    return path


def save(outcome: Outcome, directory: Path) -> Path:
    """Write the result under `directory` as `<scenario>-<UTC time>.json`."""
    path = result_path(directory, outcome.scenario.name)
    path.write_text(json.dumps(to_document(outcome), indent=1) + "\n", encoding="utf-8")
    return path


def render(outcome: Outcome, console: Console) -> int:
    """Print the table (and where the result was saved); return the exit code."""
    summaries = outcome.summaries()
    scenario = outcome.scenario
    context = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "speed": scenario.speed,
        "requests": len(scenario.workload.zips),
        "api": scenario.workload.api,
        "expected": outcome.expected,
        "environment": environment.describe(),
        "loops": {run.client: run.environment.get("loop") for run in outcome.runs},
    }
    title = f"{scenario.name}: {scenario.description}" if scenario.description else scenario.name
    if outcome.interrupted or outcome.lost:
        title += " (interrupted: partial results)"
    args = (summaries, speedups(summaries), outcome.expected, title, report.caption_text(context))
    table = report.report_table(*args)
    if report.natural_width(console, table) > console.width:  # too wide: a column per client
        table = report.report_table(*args, transpose=True)
    console.print(table)
    if outcome.timeline and outcome.runs:
        runs = representative_runs(outcome.runs)
        try:
            console.print(timeline_renderable(runs, console.width, max_lanes=12))
        except ValueError as why:  # a terminal too narrow to draw on
            console.print(f"timeline skipped: {why}")
    verdicts = check(scenario.expect, summaries, speedups(summaries)) if scenario.expect else []
    if verdicts:
        console.print(verdict_panel(verdicts))
    if outcome.saved is not None:
        console.print(f"saved {outcome.saved}")
    if outcome.lost:
        console.print(f"[red]error: {outcome.lost}[/]")
        return 2
    if outcome.interrupted:
        return 130
    code = exit_code(summaries) if summaries else 1
    return max(code, verdict_exit_code(verdicts)) if verdicts else code


def execute(control: ServerControl, outcome: Outcome, console: Console, embedded: bool) -> None:
    """Prepare the server for the outcome's scenario and run its clients into it."""
    outcome.server_url, outcome.embedded = control.url, embedded
    outcome.preview = prepare(control, outcome.scenario)
    run_clients(control, outcome, console)


def compare(
    scenario: Scenario,
    url: str | None,
    console: Console,
    results_dir: Path = Path("results"),
    *,
    timeline: bool = False,
) -> int:
    """The whole flow: server, scenario, preview, runs, table, JSON; Ctrl-C keeps what finished."""
    writable(results_dir)
    if scenario.sweep is not None:
        from clients.sweeping import compare_sweep

        return compare_sweep(scenario, url, console, results_dir)
    outcome = Outcome(scenario, timeline=timeline)
    try:
        with server_for(url) as (control, embedded):
            execute(control, outcome, console, embedded)  # prepare() validates before any run
    except KeyboardInterrupt:
        outcome.interrupted = True
    except ServerUnavailable as error:
        if not outcome.runs:
            raise
        outcome.lost = str(error)  # the server went away mid-run: keep and show what finished
    if outcome.runs or outcome.preview:
        outcome.saved = save(outcome, results_dir)
    return render(outcome, console)


def writable(directory: Path) -> None:
    """Fail before anything runs if results cannot be saved under `directory`."""
    # Look at the nearest folder that exists: create nothing until there is something to keep.
    nearest = directory.resolve()
    while not nearest.exists() and nearest != nearest.parent:
        nearest = nearest.parent
    if not nearest.is_dir() or not os.access(nearest, os.W_OK | os.X_OK):
        why = "not a folder" if not nearest.is_dir() else "no permission to write"
        raise ClientsError(f"--results {directory}: cannot write there ({nearest}: {why})")
