"""`compare`: one scenario, every client, each run in a fresh process — as an `Outcome`.

Nothing here prints: progress goes to an `Observer` (the console supplies one), and the
caller shows the outcome. The result is saved as JSON (`report.document`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ..errors import (
    ClientsError,
    ClientUnavailable,
    ScenarioFileError,
    ScenarioRejected,
    ServerUnavailable,
    WorkerFailed,
)
from ..expectations import Verdict, check, verdict_exit_code
from ..kinds import KINDS
from ..records import ClientSettings, RunResult, RunState
from ..report.document import compare_document, summaries_from
from ..report.summary import Summary, exit_code, speedups
from ..scenario import Scenario
from . import journal
from .embedded import EmbeddedServer
from .launcher import run_worker
from .server_control import ServerControl

DEFAULT_URL = "http://127.0.0.1:8080"


class Observer(Protocol):
    """Who watches a compare run: told when each run starts, advances and ends."""

    def run_started(self, label: str, total: int) -> None:
        """A run of `total` zips began."""

    def progressed(self, done: int) -> None:
        """The current run has finished `done` zips."""

    def run_finished(self) -> None:
        """The current run ended."""


class Quiet:
    """An observer that watches nothing."""

    def run_started(self, label: str, total: int) -> None:
        """Nothing to do."""

    def progressed(self, done: int) -> None:
        """Nothing to do."""

    def run_finished(self) -> None:
        """Nothing to do."""


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

    @property
    def expected(self) -> int | None:
        """The total every client should sum, from the server's preview."""
        value = self.preview.get("expected_total")
        return int(value) if value is not None else None

    def summaries(self) -> list[Summary]:
        """One summary per client, in scenario order, for the clients that have runs."""
        return summaries_from(self.runs, self.expected, self.preview)

    def verdicts(self) -> list[Verdict]:
        """The scenario's expectations, checked against the summaries."""
        if not self.scenario.expect:
            return []
        summaries = self.summaries()
        return check(self.scenario.expect, summaries, speedups(summaries))

    def exit_code(self) -> int:
        """2 when the server was lost, 130 when interrupted, 1 for a wrong total or a failed
        expectation, else 0."""
        if self.lost:
            return 2
        if self.interrupted:
            return 130
        summaries = self.summaries()
        code = exit_code(summaries) if summaries else 1
        return max(code, verdict_exit_code(self.verdicts()))

    def document(self) -> dict[str, Any]:
        """The saved form."""
        return compare_document(
            self.scenario, self.runs, self.preview,
            {"url": self.server_url, "embedded": self.embedded},
            self.interrupted or self.lost is not None,
        )  # fmt: skip


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


def _rejected(scenario: Scenario, error: ScenarioRejected) -> ScenarioFileError:
    return ScenarioFileError(scenario.path, error.key, str(error).split(": ", 1)[-1])


def validate(control: ServerControl, scenarios: list[Scenario]) -> None:
    """Have the server check every server section before anything runs (it applies nothing)."""
    for scenario in scenarios:
        try:
            control.apply(scenario.server_document(), dry_run=True)
        except ScenarioRejected as error:
            raise _rejected(scenario, error) from None


def prepare(control: ServerControl, scenario: Scenario) -> dict[str, Any]:
    """Apply the scenario's server section, then ask what it will do to the workload."""
    try:
        control.apply(scenario.server_document())
    except ScenarioRejected as error:
        raise _rejected(scenario, error) from None
    workload = scenario.workload
    control.warm(workload.zips, workload.api, workload.per_page)
    timeouts = {c.timeout for c in scenario.clients}
    return control.preview(
        workload.zips,
        [c.effective_concurrency for c in scenario.clients],
        min(timeouts) / scenario.speed if len(timeouts) == 1 else None,
        workload.api,
        workload.per_page,
    )


def time_limit(settings: ClientSettings, zips: int) -> float:
    """A generous bound on one run, so nothing can hang the compare forever."""
    per_zip = settings.timeout * (settings.retries + 1) + settings.backoff_max * settings.retries
    concurrency = settings.effective_concurrency
    lanes = concurrency if concurrency > 0 else zips
    return 120.0 + per_zip / settings.speed * zips / lanes


def run_clients(control: ServerControl, outcome: Outcome, observer: Observer) -> None:
    """Each client `repeat` times, each run in a fresh process."""
    scenario = outcome.scenario
    zips = list(scenario.workload.zips)
    for settings in scenario.clients:
        for repeat in range(scenario.repeat):
            observer.run_started(f"{settings.name} {repeat + 1}/{scenario.repeat}", len(zips))
            try:
                outcome.runs.append(one_run(control, settings, zips, observer.progressed))
            finally:
                observer.run_finished()


def one_run(
    control: ServerControl,
    settings: ClientSettings,
    zips: list[str],
    on_progress: Callable[[int], None],
) -> RunResult:
    """Reset the server, run the client in a fresh process, and note the server's CPU (and,
    for code that records no requests itself, read them from the server's journal)."""
    tag = f"{settings.name} {uuid.uuid4().hex[:12]}"
    control.reset(tag=tag)
    where = journal.anchor(control, tag) if KINDS[settings.kind].journal else None
    job = {"settings": settings.to_dict(), "zips": zips, "url": control.url}
    try:
        run = run_worker(job, on_progress, time_limit(settings, len(zips)))
    except WorkerFailed as error:
        return RunResult.without_figures(settings, RunState.FAILED, str(error))
    except ClientUnavailable as why:
        return RunResult.without_figures(settings, RunState.SKIPPED, str(why))
    stats = control.stats()
    run = replace(run, server_cpu=float(stats["cpu"]["total_s"]))
    return run if where is None else journal.attach(control, run, where)


def execute(control: ServerControl, outcome: Outcome, observer: Observer, embedded: bool) -> None:
    """Prepare the server for the outcome's scenario and run its clients into it."""
    outcome.server_url, outcome.embedded = control.url, embedded
    outcome.preview = prepare(control, outcome.scenario)
    run_clients(control, outcome, observer)


def compare(
    scenario: Scenario,
    url: str | None,
    results_dir: Path = Path("results"),
    observer: Observer | None = None,
) -> Outcome:
    """The whole flow: server, scenario, preview, runs, JSON; Ctrl-C keeps what finished."""
    writable(results_dir)
    outcome = Outcome(scenario)
    try:
        with server_for(url) as (control, embedded):
            execute(control, outcome, observer or Quiet(), embedded)  # prepare() validates first
    except KeyboardInterrupt:
        outcome.interrupted = True
    except ServerUnavailable as error:
        if not outcome.runs:
            raise
        outcome.lost = str(error)  # the server went away mid-run: keep and show what finished
    if outcome.runs or outcome.preview:
        outcome.saved = save(outcome.document(), result_path(results_dir, scenario.name))
    return outcome


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


def save(document: dict[str, Any], path: Path) -> Path:
    """Write a result document as JSON at `path`."""
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


def writable(directory: Path) -> None:
    """Fail before anything runs if results cannot be saved under `directory`."""
    # Look at the nearest folder that exists: create nothing until there is something to keep.
    nearest = directory.resolve()
    while not nearest.exists() and nearest != nearest.parent:
        nearest = nearest.parent
    if not nearest.is_dir() or not os.access(nearest, os.W_OK | os.X_OK):
        why = "not a folder" if not nearest.is_dir() else "no permission to write"
        raise ClientsError(f"--results {directory}: cannot write there ({nearest}: {why})")
