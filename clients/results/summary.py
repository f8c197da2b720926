"""From runs to one row per client: pure arithmetic, no I/O."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from ..kinds import KINDS, in_flight
from ..records import CANCELLED, Attempt, LoopLag, RunResult, RunState, state_text
from .series import Series, percentile, series_of

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Counts:
    """Per-zip outcome of one run: zips answered, zips given up on, extra attempts."""

    ok: int
    failed: int
    retried: int
    requests: int


def count_outcomes(attempts: Sequence[Attempt]) -> Counts:
    """How many zips (open loop: requests) ended well, how many failed, and how many retries
    it took."""
    final: dict[str | int, bool] = {}  # by zip, or by request in an open-loop run
    for attempt in attempts:
        key = attempt.zip if attempt.request is None else attempt.request
        final[key] = final.get(key, False) or attempt.ok
    ok = sum(final.values())
    return Counts(
        ok=ok,
        failed=len(final) - ok,
        retried=sum(1 for a in attempts if a.attempt > 0 and not a.hedge),
        requests=len(attempts),
    )


@dataclass(frozen=True, slots=True)
class Lateness:
    """An open-loop run's timing against its due times: how far behind its starts fell, and
    each request's latency from when it was due to its last attempt's end (what a user who
    asked then waited: coordinated omission counted, never hidden)."""

    offered: int  # requests due
    behind: float  # the latest first start after its due time, seconds (0: always on time)
    late: int  # requests first sent more than LATE after they were due
    due_p50: float
    due_p99: float
    asked: float | None = None  # requests a second the due times asked for
    achieved: float | None = None  # requests a second it started (first sends)

    @property
    def fell_behind(self) -> bool:
        """Whether it could not keep the pace: over a second behind, or starting under 90 %
        of the asked rate."""
        if self.behind > 1.0:
            return True
        if self.asked is None or self.achieved is None:
            return False
        return self.achieved < 0.9 * self.asked


LATE = 0.01  # seconds past its due time a request's first send counts as late


def lateness(attempts: Sequence[Attempt]) -> Lateness | None:
    """None for a batch run (no attempt has a due time)."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    due: dict[int, float] = {}
    for a in attempts:
        if a.request is None or a.due is None:
            continue
        due[a.request] = a.due
        first[a.request] = min(first.get(a.request, a.start), a.start)
        last[a.request] = max(last.get(a.request, a.end), a.end)
    if not due:
        return None
    gaps = [first[r] - due[r] for r in due]
    waits = [last[r] - due[r] for r in due]
    return Lateness(len(due), max(0.0, max(gaps)), sum(1 for g in gaps if g > LATE),
                    percentile(waits, 0.5), percentile(waits, 0.99),
                    _rate(list(due.values())), _rate(list(first.values())))  # fmt: skip


def _rate(times: list[float]) -> float | None:
    """Events a second over their span (None for fewer than two, or no span)."""
    span = max(times) - min(times) if len(times) > 1 else 0.0
    return (len(times) - 1) / span if span > 0 else None


def client_overhead(attempts: Sequence[Attempt]) -> float | None:
    """Median of observed latency minus what the server intended (delay and queue)."""
    gaps = [
        a.latency - a.intended - (a.queue or 0.0)
        for a in attempts
        if a.ok and a.intended is not None
    ]
    return statistics.median(gaps) if gaps else None


@dataclass(frozen=True, slots=True)
class Summary:
    """One client's row: the median run's figures, with the spread of wall time."""

    client: str
    kind: str
    runs: int
    totals: tuple[int, ...]
    correct: bool
    counts: Counts
    wall: float
    wall_min: float
    wall_max: float
    utime: float
    stime: float
    cpu: float
    cpu_per_request: float
    mem: int
    peak_threads: int
    p50: float
    p95: float
    p99: float
    overhead: float | None
    server_cpu: float | None
    ideal: float | None
    concurrency: int
    state: RunState = RunState.OK  # SKIPPED or FAILED: no repeat ran; `reason` says why
    reason: str = ""
    failed_runs: int = 0  # repeats whose worker died: their figures are missing
    judged: bool = True  # False when no expected total was known to check against
    python: str = ""  # the interpreter's version, when the scenario chose one
    gil: bool = True  # False on a free-threaded build with the GIL off
    free_threaded: bool = False  # a free-threaded build (the GIL may still be switched on)
    startup: float | None = None  # user's code: seconds from its start to its first request
    peak_processes: int = 1  # a command's process tree at its largest
    vmem: int | None = None  # median growth of peak virtual memory, bytes (None: not measured)
    hedges: int = 0  # second requests sent for tries that had not answered in time
    budget_denied: int = 0  # retries and hedges the retry budget refused (never sent)
    server_busy: float | None = None  # seconds the server spent serving it (its journal)
    tree_rss: int | None = None  # a command's whole-tree peak RSS, bytes (None: not a command)
    loop_lag: LoopLag | None = None  # the median run's event-loop lag (None: no loop)
    late: Lateness | None = None  # an open-loop run's starts and latency against its due times
    open_loop: bool = False  # requests were due at set times: the total is not the point
    series: Series | None = None  # the median run second by second (`results.series`)

    @property
    def recovery(self) -> float | None:
        """Seconds from the last phase's end until goodput was back (`series.recovery`):
        infinite when it never was, None without phases."""
        if self.series is None or self.series.recovered is None:
            return None
        return self.series.recovery if self.series.recovered else math.inf

    @property
    def goodput(self) -> float | None:
        """Requests answered well a second, over the seconds requests were due."""
        if self.series is None:
            return None
        due = [i for i, n in enumerate(self.series.offered) if n > 0]
        if not due:
            return None
        return sum(self.series.goodput[i] for i in due) / len(due) / self.series.step

    @property
    def skipped(self) -> str | None:
        """None when it ran, else `skipped: why` or `failed: why`, as saved and shown."""
        return state_text(self.state, self.reason)

    @property
    def trusted(self) -> bool:
        """Whether its speed means anything: it summed the right total (or none was known)."""
        return self.correct or not self.judged

    @property
    def amplification(self) -> float | None:
        """Requests sent per zip: 1.0 when every zip took one request, retries and hedges
        on top (None when no zip was asked for)."""
        zips = self.counts.ok + self.counts.failed
        return self.counts.requests / zips if zips else None

    @property
    def loop_lag_p99(self) -> float | None:
        """How late its event loop ran a timer, 99th percentile, seconds (None: no loop)."""
        return None if self.loop_lag is None else self.loop_lag.p99

    @property
    def loop_lag_max(self) -> float | None:
        """The latest its event loop ran a timer, seconds (None: no loop)."""
        return None if self.loop_lag is None else self.loop_lag.max

    @property
    def cores(self) -> float | None:
        """How many cores it kept busy on average: CPU ÷ wall (None when it took no time)."""
        return self.cpu / self.wall if self.wall > 0 and self.state is RunState.OK else None

    @property
    def efficiency(self) -> float | None:
        """The preview's ideal makespan divided by the measured wall time."""
        if self.ideal is None or self.ideal <= 0 or self.wall <= 0 or not self.trusted:
            return None  # no ideal to compare with, or a wrong total: the ratio would mislead
        return self.ideal / self.wall


def median_by(items: Sequence[T], key: Callable[[T], float]) -> T:
    """The item whose `key` is the median (the lower middle one for an even count)."""
    ordered = sorted(items, key=key)
    return ordered[(len(ordered) - 1) // 2]


def median_run(runs: Sequence[RunResult]) -> RunResult:
    """The run whose wall time is the median (the lower middle for an even count)."""
    return median_by(runs, lambda r: r.usage.time)


def median_runs(runs: Sequence[RunResult]) -> dict[str, RunResult]:
    """Each client's median run, among the runs that happened."""
    grouped: dict[str, list[RunResult]] = {}
    for run in runs:
        if run.state is RunState.OK:
            grouped.setdefault(run.client, []).append(run)
    return {client: median_run(group) for client, group in grouped.items()}


def summarize(
    runs: Sequence[RunResult],
    expected: int | None,
    makespans: Mapping[str, float],
    phases: Sequence[Mapping[str, Any]] = (),
) -> Summary:
    """Fold one client's repeats into its row (with the median run's series over time, its
    `phases` as the preview lists them)."""
    done = [r for r in runs if r.state is RunState.OK]
    first = runs[0]
    if not done:
        return _skipped_summary(first)
    middle = median_run(done)
    # As the client saw them, failures too; not a request abandoned to its hedge (cut short).
    latencies = [a.latency for a in middle.attempts if a.error != CANCELLED]
    died = [r for r in runs if r.state is RunState.FAILED]
    walls = [r.usage.time for r in done]
    totals = tuple(r.total for r in done)
    concurrency = in_flight(first.settings)
    server = [r.server_cpu for r in done if r.server_cpu is not None]
    return Summary(
        client=first.client,
        kind=first.settings.kind,
        runs=len(done),
        totals=totals,
        correct=expected is not None and not died and all(t == expected for t in totals),
        counts=count_outcomes(middle.attempts),
        wall=statistics.median(walls),
        wall_min=min(walls),
        wall_max=max(walls),
        utime=statistics.median(r.usage.utime for r in done),
        stime=statistics.median(r.usage.stime for r in done),
        cpu=statistics.median(r.usage.cpu for r in done),
        cpu_per_request=middle.usage.cpu / max(1, len(middle.attempts)),
        mem=int(statistics.median(r.usage.mem for r in done)),
        peak_threads=max(r.usage.peak_threads for r in done),
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        overhead=client_overhead(middle.attempts),
        server_cpu=statistics.median(server) if server else None,
        ideal=None if first.settings.open_loop else makespans.get(str(concurrency)),
        concurrency=concurrency,
        failed_runs=len(died),
        judged=expected is not None and not first.settings.open_loop,
        python=str(middle.environment.get("python", "")) if first.settings.python else "",
        gil=bool(middle.environment.get("gil_enabled", True)),
        free_threaded=bool(middle.environment.get("free_threaded_build", False)),
        startup=startup(middle),
        peak_processes=max(r.usage.peak_processes for r in done),
        vmem=_median_of([r.usage.vmem for r in done]),
        tree_rss=_median_of([r.usage.tree_rss for r in done]),
        hedges=sum(1 for a in middle.attempts if a.hedge),
        budget_denied=middle.budget_denied,
        server_busy=middle.server_busy,
        loop_lag=middle.loop_lag,
        late=lateness(middle.attempts),
        open_loop=first.settings.open_loop,
        series=series_of(
            middle.attempts,
            1.0 if phases or first.settings.open_loop else None,
            phases,
            middle.offset or 0.0,
        ),
    )


def startup(run: RunResult) -> float | None:
    """For code measured from the server's journal: start to first request (None otherwise)."""
    if not KINDS[run.settings.kind].journal or not run.attempts:
        return None
    return max(0.0, min(a.start for a in run.attempts))


def _median_of(values: Sequence[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return int(statistics.median(known)) if known else None


def _skipped_summary(run: RunResult) -> Summary:
    return Summary(
        client=run.client, kind=run.settings.kind, runs=0, totals=(), correct=False,
        counts=Counts(0, 0, 0, 0), wall=0.0, wall_min=0.0, wall_max=0.0, utime=0.0,
        stime=0.0, cpu=0.0, cpu_per_request=0.0, mem=0, peak_threads=0, p50=0.0, p95=0.0,
        p99=0.0, overhead=None, server_cpu=None, ideal=None,
        concurrency=in_flight(run.settings), state=run.state, reason=run.reason,
    )  # fmt: skip


def baseline_of(summaries: Sequence[Summary]) -> Summary | None:
    """The row speed-ups are measured against: the baseline kind's (blocking) when it ran and
    summed right, else the slowest row that did; None when no row did. An open-loop row's
    wall is its duration, not its speed: it is never one."""
    ran = [s for s in summaries
           if s.state is RunState.OK and s.trusted and s.wall > 0 and not s.open_loop]  # fmt: skip
    chosen = next((s for s in ran if KINDS[s.kind].baseline), None)
    return chosen or max(ran, key=lambda s: s.wall, default=None)


def speedups(summaries: Sequence[Summary]) -> dict[str, float | None]:
    """Each client's wall time against the baseline's (`baseline_of`); None for a row that
    did not run or got its total wrong: it has no speed worth a ratio."""
    baseline = baseline_of(summaries)
    return {
        s.client: baseline.wall / s.wall
        if baseline and s.trusted and s.wall > 0 and s.state is RunState.OK
        else None
        for s in summaries
    }


def exit_code(summaries: Sequence[Summary]) -> int:
    """0 when every client that ran summed the expected total, else 1 (skips do not fail;
    an open-loop run asks zips again and again, so its sum is no verdict: its expectations
    are)."""
    ran = [s for s in summaries if s.state is not RunState.SKIPPED]
    return 0 if all(s.correct or (s.open_loop and s.runs) for s in ran) else 1


def as_dict(summary: Summary, speedup: float | None) -> dict[str, Any]:
    """JSON-ready row."""
    row = asdict(summary)
    row["series"] = summary.series.to_dict() if summary.series is not None else None
    state, reason = row.pop("state"), row.pop("reason")
    row.update(skipped=state_text(state, reason), efficiency=summary.efficiency, speedup=speedup,
               amplification=summary.amplification, cores=summary.cores,
               loop_lag_p99=summary.loop_lag_p99, loop_lag_max=summary.loop_lag_max,
               goodput=summary.goodput,
               recovery=summary.series.recovery if summary.series else None)  # fmt: skip
    return row
