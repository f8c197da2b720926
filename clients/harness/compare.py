"""`compare`: one scenario, every client, each run in a fresh process — as an `Outcome`.

Nothing here prints: progress goes to an `Observer` (the console supplies one), and the
caller shows the outcome. The result is saved as JSON (`results.document`) after the preview
and after every run (`harness.store`), while the server is held (`harness.servers`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ..arrivals import due_times
from ..errors import (
    ClientsError,
    ClientUnavailable,
    ScenarioFileError,
    ScenarioRejected,
    ServerUnavailable,
    WorkerFailed,
)
from ..expectations import check
from ..kinds import KINDS, in_flight
from ..protocol import run_tag
from ..records import ClientSettings, RunResult, RunState
from ..results.document import compare_document, expected_total, summaries_from
from ..results.ideal import with_cpu
from ..results.series import offset_of
from ..results.summary import Summary, exit_code, speedups
from ..results.verdicts import Verdict, verdict_exit_code
from ..scenario import Scenario
from . import journal, lease
from .launcher import run_worker
from .server_control import ServerControl
from .servers import held_server
from .store import Store, write_atomic
from .store import result_path as result_path


class Observer(Protocol):
    """Who watches a compare run: told when each run starts, advances and ends."""

    def run_started(self, label: str, total: int) -> None:
        """A run of `total` zips began."""

    def progressed(self, done: int) -> None:
        """The current run has finished `done` zips."""

    def run_finished(self) -> None:
        """The current run ended."""

    def server_chosen(self, url: str, started: bool) -> None:
        """The run uses the server at `url`; `started`: this process started it."""

    def server_held(self, url: str, holder: lease.Holder) -> None:
        """Another run holds the server: this one waits until it is free."""


class Quiet:
    """An observer that watches nothing."""

    def run_started(self, label: str, total: int) -> None:
        """Nothing to do."""

    def progressed(self, done: int) -> None:
        """Nothing to do."""

    def run_finished(self) -> None:
        """Nothing to do."""

    def server_chosen(self, url: str, started: bool) -> None:
        """Nothing to do."""

    def server_held(self, url: str, holder: lease.Holder) -> None:
        """Nothing to do."""


@dataclass(frozen=True, slots=True)
class InFlight:
    """The run a compare is in the middle of: its label and how far it got."""

    label: str  # `blocking 1/3`
    total: int
    done: int = 0

    def describe(self) -> str:
        """`blocking 1/3, 37/100 zips`."""
        return f"{self.label}, {self.done}/{self.total} zips"


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
    running: InFlight | None = None  # the run in flight, while one is (and where it stopped)
    saved: Path | None = None
    unsaved: str | None = None  # why the result could not be saved (a full or read-only disk)

    @property
    def expected(self) -> int | None:
        """The total every client should sum, from the server's preview."""
        return expected_total(self.preview)

    def summaries(self) -> list[Summary]:
        """One summary per client, in scenario order, for the clients that have runs."""
        return summaries_from(self.runs, self.expected, self.preview)

    def verdicts(self) -> list[Verdict]:
        """The scenario's expectations, checked against the summaries."""
        if not self.scenario.expect:
            return []
        summaries = self.summaries()
        return check(self.scenario.expect, summaries, speedups(summaries), self.stopped_at())

    def exit_code(self) -> int:
        """2 when the server was lost, 130 when interrupted, 1 for a wrong total or a failed
        expectation, else 0."""
        if self.lost:
            return 2
        if self.interrupted:
            return 130
        if self.unsaved:
            return 2
        summaries = self.summaries()
        code = exit_code(summaries) if summaries else 1
        return max(code, verdict_exit_code(self.verdicts()))

    def document(self, *, partial: bool = False) -> dict[str, Any]:
        """The saved form; `partial` while runs are still to come (a kill leaves it so)."""
        return compare_document(
            self.scenario.to_dict(), self.runs, self.preview,
            {"url": self.server_url, "embedded": self.embedded},
            partial or self.interrupted or self.lost is not None, self.verdicts(),
            self.stopped(),
        )  # fmt: skip

    def stopped_at(self) -> str | None:
        """`interrupted during blocking 1/1, 37/100 zips` (or `lost …`), once it stopped early."""
        if not (self.interrupted or self.lost):
            return None
        how = "lost the server" if self.lost else "interrupted"
        return f"{how} during {self.running.describe()}" if self.running else how

    def stopped(self) -> dict[str, Any] | None:
        """Why and where it stopped early (`lost`, `during`), if it did."""
        if not (self.interrupted or self.lost):
            return None
        during = self.running.describe() if self.running is not None else None
        return {"lost": self.lost, "during": during}


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
    """Apply the scenario's server section, then ask what it will do to the workload (its
    ideal makespans counting the workload's CPU per answer on this machine's cores)."""
    try:
        control.apply(scenario.server_document())
    except ScenarioRejected as error:
        raise _rejected(scenario, error) from None
    workload = scenario.workload
    control.warm(workload.zips, workload.api, workload.per_page)
    timeouts = {c.timeout for c in scenario.clients}
    preview = control.preview(
        workload.zips,
        [in_flight(c) for c in scenario.clients],
        min(timeouts) / scenario.speed if len(timeouts) == 1 else None,
        workload.api,
        workload.per_page,
    )
    cpu = workload.cpu / scenario.speed
    return with_cpu(preview, cpu, workload.cpu_kind, os.cpu_count() or 1)


MAX_WORKED_OUT = 3600.0  # real seconds: the longest limit worked out for a client without one
KILL_GRACE = 15.0  # seconds past its limit a worker has to finish (no retry starts past it)


def time_limit(settings: ClientSettings, zips: int) -> float:
    """One run's bound, real seconds, so nothing can hang the compare forever: the client's
    `time_limit`, else a generous one from its timeout, retries and backoff (up to an hour)."""
    if settings.time_limit is not None:
        return settings.time_limit / settings.speed
    per_zip = settings.timeout * (settings.retries + 1) + settings.backoff_max * settings.retries
    concurrency = in_flight(settings)
    if settings.open_loop:  # its requests, due over `duration`, each bounded as a zip is
        assert settings.rate is not None and settings.duration is not None
        requests = math.ceil(settings.rate * settings.duration)
        tail = per_zip / settings.speed * (requests if concurrency == 1 else 1)
        return min(MAX_WORKED_OUT, 120.0 + settings.duration + tail)
    lanes = concurrency if concurrency > 0 else zips
    return min(MAX_WORKED_OUT, 120.0 + per_zip / settings.speed * zips / lanes)


def bounded(settings: ClientSettings, zips: int) -> tuple[ClientSettings, float]:
    """The settings a worker runs with (its `time_limit` worked out, so its retries stop
    within it) and when the worker is killed if it has not finished."""
    limit = time_limit(settings, zips)
    return replace(settings, time_limit=limit * settings.speed), limit + KILL_GRACE


def run_clients(
    control: ServerControl,
    outcome: Outcome,
    observer: Observer,
    checkpoint: Callable[[], object] = lambda: None,
) -> None:
    """Each client `repeat` times, each run in a fresh process; `checkpoint` after each."""
    scenario = outcome.scenario
    zips = list(scenario.workload.zips)
    for settings in scenario.clients:
        for repeat in range(scenario.repeat):
            label = f"{settings.name} {repeat + 1}/{scenario.repeat}"
            requests = len(zips) if not settings.open_loop else requests_of(settings, zips)
            observer.run_started(label, requests)
            try:
                tracked_run(control, settings, zips, outcome, InFlight(label, len(zips)),
                            observer.progressed)  # fmt: skip
            finally:
                observer.run_finished()
            checkpoint()


def requests_of(settings: ClientSettings, zips: list[str]) -> int:
    """How many requests an open-loop run is due to send."""
    assert settings.rate is not None and settings.duration is not None
    return len(due_times(settings.rate, settings.duration, settings.arrivals, settings.seed))


def tracked_run(
    control: ServerControl,
    settings: ClientSettings,
    zips: list[str],
    outcome: Outcome,
    running: InFlight,
    on_progress: Callable[[int], None],
) -> None:
    """`one_run`, with `outcome.running` saying how far it got for as long as it is in flight
    (left set when it stops before its run was kept: Ctrl-C, a lost lease)."""
    outcome.running = running

    def progressed(done: int) -> None:
        outcome.running = replace(running, done=done)
        on_progress(done)

    kept = len(outcome.runs)
    try:
        one_run(control, settings, zips, progressed, outcome.runs)
    except BaseException:
        if len(outcome.runs) > kept:  # it was kept: stopped after it, not during it
            outcome.running = None
        raise
    outcome.running = None


def one_run(
    control: ServerControl,
    settings: ClientSettings,
    zips: list[str],
    on_progress: Callable[[int], None],
    runs: list[RunResult],
) -> None:
    """Reset the server, run the client in a fresh process, add the run to `runs`, then note
    the server's CPU and its service time on it, from the server's journal (where code that
    records no requests itself also gets them)."""
    tag = run_tag(settings.name)
    control.reset(tag=tag)
    kind = KINDS[settings.kind]
    where = journal.anchor(control, tag) if kind.journal else None
    settings, kill_after = bounded(settings, len(zips))
    job = {"settings": settings.to_dict(), "zips": zips, "url": control.url, "tag": tag}

    def progressed(done: int) -> None:
        control.check_lease()  # a stopped process, resumed, learns it here, before any more
        on_progress(done)

    try:
        run = run_worker(job, progressed, kill_after, control.lost_event)
    except WorkerFailed as error:
        control.check_lease()  # stopped as the lease was lost: no failure of its own
        runs.append(RunResult.without_figures(settings, RunState.FAILED, str(error)))
        return
    except ClientUnavailable as why:
        runs.append(RunResult.without_figures(settings, RunState.SKIPPED, str(why)))
        return
    control.check_lease()  # LeaseLost: what it measured may have met another run's scenario
    runs.append(run)  # kept before the server is asked anything more: it may have gone
    stats = control.stats()
    reading = journal.read(control, tag, marks=not kind.journal)  # its own requests, and others
    run = replace(run, server_cpu=float(stats["cpu"]["total_s"]),
                  server_busy=journal.service_time(reading), foreign=reading.foreign)  # fmt: skip
    run = run if where is None else journal.attach(run, where, reading)
    runs[-1] = replace(run, offset=offset_of(run.attempts, reading.entries))


def execute(
    control: ServerControl,
    outcome: Outcome,
    observer: Observer,
    embedded: bool,
    checkpoint: Callable[[], object] = lambda: None,
) -> None:
    """Prepare the server for the outcome's scenario and run its clients into it;
    `checkpoint` once the preview is in and after every run."""
    outcome.server_url, outcome.embedded = control.url, embedded
    outcome.preview = prepare(control, outcome.scenario)
    checkpoint()
    run_clients(control, outcome, observer, checkpoint)


def compare(
    scenario: Scenario,
    url: str | None,
    results_dir: Path = Path("results"),
    observer: Observer | None = None,
    *,
    wait: bool = True,
    ttl: float = lease.TTL,
) -> Outcome:
    """The whole flow: server, lease (of `ttl` seconds), scenario, preview, runs, JSON saved
    after every run; Ctrl-C, a lost server or a lost lease keeps what finished."""
    writable(results_dir)
    watcher = observer or Quiet()
    outcome = Outcome(scenario)
    store = Store(results_dir, scenario.name)
    try:
        with held_server(url, scenario.name, wait=wait, on_wait=watcher.server_held, ttl=ttl,
                         on_chosen=watcher.server_chosen) as (control, embedded):  # fmt: skip
            execute(control, outcome, watcher, embedded,
                    lambda: store.save(outcome.document(partial=True)))  # fmt: skip
    except KeyboardInterrupt:
        outcome.interrupted = True
    except ServerUnavailable as error:
        if not outcome.runs and not outcome.preview:
            raise
        outcome.lost = str(error)  # the server went away mid-run: keep and show what finished
    if outcome.runs or outcome.preview:
        store.save(outcome.document())
        outcome.unsaved = store.problem
        outcome.saved = store.saved if store.problem is None else None
    return outcome


def save(document: dict[str, Any], path: Path) -> Path:
    """Write a result document as JSON at `path`, whole or not at all."""
    write_atomic(path, json.dumps(document, indent=1) + "\n")
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
