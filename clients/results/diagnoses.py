"""Diagnoses: what the CPU and the event loops did, named from the data. Pure: rows and runs in.

Each rule looks at one client (its row and its median run) and says something only when the
data shows it: a blocking call inside a coroutine (with where, from the loop watcher's
samples), CPU work done inline on a loop, the GIL keeping threads to one core (or not, when
the work releases it or the GIL is off), and where processes won or lost and what starting
them cost. Saved in the result as `notes`, shown under the table and in the report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from ..kinds import KINDS, Code, Model
from ..records import Attempt, RunResult, RunState
from .summary import Summary, median_runs
from .units import seconds

BLOCKED_SHARE: Final = 0.25  # a loop blocked this share of the wall deserves a note
BLOCKED_LEAST: Final = 0.1  # ... and at least this long, seconds
ONE_CORE: Final = 1.25  # cores at or under this: the work ran one thread at a time
ONE_PLACE: Final = 0.5  # a blocked loop seen at one place this share of the time: that place
STARVED: Final = 0.8  # a sequential client on a CPU less than this share of its own time
CPU_WORK: Final = "cpuwork.after_answer"  # the built-in clients' CPU work, as the watcher names it


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """One note: which client, what kind of note, and its sentence."""

    client: str
    # "blocking call in a coroutine", "cpu on the loop", "gil", "processes", "machine busy"
    kind: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def diagnose(summaries: Sequence[Summary], runs: Sequence[RunResult]) -> list[Diagnosis]:
    """Every diagnosis the data supports, in the rows' order."""
    chosen = median_runs(runs)
    ran = [s for s in summaries if s.state is RunState.OK and s.client in chosen]
    found: list[Diagnosis] = []
    for s in ran:
        run = chosen[s.client]
        found += _blocked_loop(s, run)
        found += _gil(s, run)
        found += _processes(s, run, ran, chosen)
        found += _starved(s, run)
    return found


def peak_in_flight(attempts: Sequence[Attempt]) -> int:
    """The most requests that were in flight at once."""
    edges = sorted([(a.start, 1) for a in attempts] + [(a.end, -1) for a in attempts])
    peak = now = 0
    for _, step in edges:  # an end before a start at the same instant: they did not overlap
        now += step
        peak = max(peak, now)
    return peak


def _cpu_per_answer(run: RunResult) -> float:
    """The run's CPU work per answer, real seconds."""
    return run.settings.cpu / run.settings.speed


def _blocked_loop(s: Summary, run: RunResult) -> Iterator[Diagnosis]:
    """A loop blocked for long stretches: by a blocking call in a coroutine, or by CPU work
    done inline (the built-in clients' `offload = "none"`, Node's one thread)."""
    lag = s.loop_lag
    if lag is None or s.wall <= 0:
        return
    cpu = _cpu_per_answer(run)
    top = lag.stalls[0] if lag.stalls else None
    inline = cpu > 0 and (top is None or top.call.endswith(CPU_WORK))
    blocked = lag.blocked
    if blocked is None:  # not watched (Node): only the lag itself can speak
        if inline and lag.max >= cpu:
            yield Diagnosis(s.client, "cpu on the loop", (
                f"{s.client} did its {seconds(cpu)} of CPU per answer on its event loop's one "
                f"thread: timers ran up to {seconds(lag.max)} late (p99 "
                f"{seconds(lag.p99)}), and every other request waited behind the work."
            ))  # fmt: skip
        return
    loops = run.settings.processes
    if blocked < BLOCKED_LEAST or blocked < BLOCKED_SHARE * s.wall * loops:
        return
    share = (
        f"blocked {seconds(blocked)} of {seconds(s.wall)}"
        if loops == 1
        else f"blocked {seconds(blocked)} between its {loops} loops in {seconds(s.wall)}"
    )
    lagged = f"(lag p99 {seconds(lag.p99)}, max {seconds(lag.max)})"
    if cpu > 0 and run.settings.offload == "thread":
        return  # a loop starved by threads holding the GIL: the GIL note says it
    if inline and loops > 1:
        yield Diagnosis(s.client, "cpu on the loop", (
            f"each of {s.client}'s {loops} loops did its {seconds(cpu)} of CPU per answer "
            f"inline: they were {share} {lagged}, every request on a loop waiting for its "
            f"work, but the {loops} loops ran on as many cores as the machine gave them."
        ))  # fmt: skip
        return
    if inline:
        cure = (
            'offload = "thread" frees the loop (the work still takes the GIL in turn)'
            if run.settings.cpu_kind == "python"
            else 'offload = "thread" runs it beside the loop (native work releases the GIL)'
        )
        yield Diagnosis(s.client, "cpu on the loop", (
            f"{s.client} did its {seconds(cpu)} of CPU per answer on the event loop "
            f'(offload = "{run.settings.offload}"): the loop was {share} {lagged} and every '
            f'other request waited behind it; {cure}, offload = "process" or processes = N '
            "spread it over the cores."
        ))  # fmt: skip
        return
    if KINDS[s.kind].code is Code.NONE or top is None or top.seconds < ONE_PLACE * blocked:
        return  # the built-in clients make no blocking calls; no one place held it
    peak = peak_in_flight(run.attempts)
    most = f"never had more than {peak} request{'s' if peak != 1 else ''} in flight"
    place, _, name = top.coroutine.rpartition(" ")
    yield Diagnosis(s.client, "blocking call in a coroutine", (
        f"{s.client} is async, but its event loop was {share} and {most}: a blocking call "
        f"inside a coroutine ({place} in {name}, {top.call}). Await an async client's call "
        "instead, or move the blocking one off the loop with asyncio.to_thread."
    ))  # fmt: skip


def _starved(s: Summary, run: RunResult) -> Iterator[Diagnosis]:
    """A one-at-a-time client with CPU work is on a CPU whenever it is not waiting on the
    server: when it was not, other processes on the machine had the cores, and rows measured
    at other moments met another load."""
    if not KINDS[s.kind].sequential or run.settings.cpu <= 0 or not run.attempts:
        return
    waiting = sum(a.latency for a in run.attempts)
    own = s.wall - waiting  # the time it had work for a CPU
    if own <= 0 or s.cpu >= STARVED * own:
        return
    yield Diagnosis(s.client, "machine busy", (
        f"{s.client} asks for one zip at a time and waited {seconds(waiting)} on the server, "
        f"so it was working for the other {seconds(own)} of its wall, yet it was on a CPU "
        f"for only {seconds(s.cpu)} of them ({s.cpu / own:.0%}): other processes on this "
        "machine had the cores, and the rows, run one after another, each met the load of "
        "their own moment."
    ))  # fmt: skip


def _gil(s: Summary, run: RunResult) -> Iterator[Diagnosis]:
    """Threads doing the CPU work: near one core while the GIL serialises pure-Python work,
    more when the work releases it or the GIL is off."""
    settings = run.settings
    threads = KINDS[s.kind].model is Model.THREADS or settings.offload == "thread"
    cpus = int(run.environment.get("cpus") or 0)
    if not threads or settings.cpu <= 0 or s.cores is None or cpus < 2:
        return
    busy = f"{s.client} kept {s.cores:.2f} cores busy on a {cpus}-core machine"
    if not s.gil:
        yield Diagnosis(s.client, "gil", (
            f"{busy} with the GIL off (a free-threaded build): its threads ran the work after "
            "each answer in parallel, pure Python as well."
        ))  # fmt: skip
    elif settings.cpu_kind == "python" and s.cores <= ONE_CORE:
        lag = s.loop_lag
        starved = (
            f"; its loop, which gave the work to threads, still waited for the GIL: blocked "
            f"{seconds(lag.blocked)} of {seconds(s.wall)} (lag p99 {seconds(lag.p99)})"
            if lag is not None and lag.blocked and lag.blocked >= BLOCKED_SHARE * s.wall
            else ""
        )
        yield Diagnosis(s.client, "gil", (
            f"{busy}: pure-Python work after each answer runs one thread at a time (the "
            f"GIL){starved}."
        ))  # fmt: skip
    elif settings.cpu_kind == "native" and s.cores > ONE_CORE:
        yield Diagnosis(s.client, "gil", (
            f"{busy}: the work after each answer is C that releases the GIL (hashlib), so its "
            "threads ran it in parallel."
        ))  # fmt: skip


def _how(s: Summary, run: RunResult) -> str | None:
    """How a row spreads its work over processes, or None when it does not."""
    settings = run.settings
    if KINDS[s.kind].model is Model.PROCESSES:
        return f"a pool of {s.concurrency} processes, one request at a time each"
    if settings.processes > 1:
        return f"{settings.processes} processes, a loop each"
    if settings.offload == "process":
        return "its CPU work in a process pool"
    return None


def _processes(
    s: Summary, run: RunResult, rows: Sequence[Summary], runs: dict[str, RunResult]
) -> Iterator[Diagnosis]:
    """Processes against the fastest row of threads: by how much they won or lost, and what
    starting them cost (their first request's start, on the client's clock)."""
    how = _how(s, run)
    threads = [r for r in rows if KINDS[r.kind].model is Model.THREADS and r.trusted]
    if how is None or run.settings.cpu <= 0 or not threads or not s.trusted or s.wall <= 0:
        return
    ref = min(threads, key=lambda r: r.wall)
    startup = min((a.start for a in run.attempts), default=0.0) - min(
        (a.start for a in runs[ref.client].attempts), default=0.0
    )
    cost = (
        f"; starting its processes cost {seconds(startup)} before its first request"
        if run.settings.offload != "process" and startup > 0
        else ""
    )
    cores = f"{s.cores:.2f}" if s.cores is not None else "–"
    ref_cores = f"{ref.cores:.2f}" if ref.cores is not None else "–"
    if s.wall < ref.wall:
        yield Diagnosis(s.client, "processes", (
            f"{s.client} ({how}) finished in {seconds(s.wall)}, {ref.wall / s.wall:.1f}× "
            f"faster than {ref.client} ({seconds(ref.wall)}), keeping {cores} cores busy "
            f"against {ref_cores}{cost}."
        ))  # fmt: skip
    else:
        work = _cpu_per_answer(run) * s.counts.ok
        yield Diagnosis(s.client, "processes", (
            f"{s.client} ({how}) took {seconds(s.wall)}, no faster than {ref.client} "
            f"({seconds(ref.wall)}), keeping {cores} cores busy against {ref_cores}{cost}: "
            f"spreading {seconds(work)} of CPU work did not pay for the processes here."
        ))  # fmt: skip
