"""Plain-language notes on figures that puzzle a reader, each explained by the run's own data.

Every rule looks at one client (or a pair) and says something only when its condition holds:
an efficiency over 100 %, a median latency far above the intended delay, memory that looks
inverted against the talk, a peak RSS that did not grow, a server that set the pace, a total
that fell short, requests from elsewhere. Pure: summaries and runs in, `Note`s out.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..kinds import KINDS, Model
from ..records import RunResult, RunState
from ..results.summary import Summary, median_runs
from ..results.units import percent, seconds, size
from .talkfigures import ASYNC, THREADED
from .trains import busiest

SLOW_FACTOR = 2.0  # a median latency this many times the intended one deserves a note
SLOW_MARGIN = 0.02  # ... and at least this much above it, seconds
SATURATED = 0.8  # a train on a CPU this share of the time was saturated
SERVER_BOUND = 0.8  # the server on a CPU this share of the wall set the pace


@dataclass(frozen=True, slots=True)
class Note:
    """One explanation: which client, a short title and the sentence."""

    client: str
    title: str
    text: str


Rule = Callable[[Summary, RunResult], Iterator[Note]]


def notes(summaries: Sequence[Summary], runs: Sequence[RunResult]) -> list[Note]:
    """Every note the data supports, client by client, then across clients."""
    chosen = median_runs(runs)
    found: list[Note] = []
    for s in summaries:
        run = chosen.get(s.client)
        if run is None or s.state is not RunState.OK:
            continue
        for rule in RULES:
            found += rule(s, run)
    found += _memory_inverted(summaries)
    found += foreign(runs)
    return found


def foreign(runs: Sequence[RunResult]) -> Iterator[Note]:
    """Requests the server saw during a client's runs that were not theirs (a stray process
    from an earlier run, another program on the same server): said, never counted."""
    seen: dict[str, list[int]] = {}
    for run in runs:
        if run.foreign:
            seen.setdefault(run.client, []).append(run.foreign)
    for client, counts in seen.items():
        total, many = sum(counts), len(counts)
        yield Note(client, "requests from elsewhere", (
            f"The server answered {total} API request{'s' if total != 1 else ''} during "
            f"{many} of {client}'s runs that did not carry {'its' if many == 1 else 'their'} "
            "tag: another process (a stray from an earlier run?) used the same server. They "
            "are left out of its requests and server time; the server's CPU includes them."
        ))  # fmt: skip


def _efficiency(s: Summary, run: RunResult) -> Iterator[Note]:
    if s.efficiency is None or s.efficiency <= 1.0 or s.ideal is None:
        return
    head = (
        f"Efficiency {percent(s.efficiency)}: {s.client} finished in {seconds(s.wall)}, "
        f"under the ideal {seconds(s.ideal)} the preview computed from every zip's first "
        "attempt."
    )
    cut = [a for a in run.attempts if a.attempt == 0 and not a.ok]
    if s.counts.retried and cut:
        yield Note(
            s.client,
            "faster than ideal",
            head
            + (
                f" It gave up on {len(cut)} first attempt{'s' if len(cut) != 1 else ''} and "
                f"retried ({s.counts.retried} retries): a retry meets a new delay, and a hedged or "
                "retried request that answers sooner beats the ideal of its first attempt."
            ),
        )
        return
    yield Note(
        s.client,
        "faster than ideal",
        head
        + (
            f" It did not retry: {seconds(s.ideal - s.wall)} is timer and clock granularity, "
            "within the noise of the server's delays."
        ),
    )


def _slow_median(s: Summary, run: RunResult) -> Iterator[Note]:
    intended = [a.intended for a in run.attempts if a.ok and a.intended is not None]
    if not intended:
        return
    planned = statistics.median(intended)
    if s.p50 < SLOW_FACTOR * planned or s.p50 - planned < SLOW_MARGIN:
        return
    head = (
        f"Median latency {seconds(s.p50)} against an intended {seconds(planned)} "
        f"({s.p50 / planned:.1f}×)."
    )
    yield Note(s.client, "latency above the intended delay", f"{head} {_why_slow(s, run)}")


def _median_of(values: Sequence[float | None]) -> float:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else 0.0


def _why_slow(s: Summary, run: RunResult) -> str:
    """Whichever the data shows: the server's queue, the server's late timers, the client's
    saturated CPU, or time lost between the two."""
    answered = [a for a in run.attempts if a.ok]
    gap = s.p50 - _median_of([a.intended for a in answered])
    queue = _median_of([a.queue for a in answered])
    late = _median_of([a.overshoot for a in answered])
    if queue >= gap / 2:
        return (
            f"The server queued its requests: the median wait for a server worker was "
            f"{seconds(queue)} — the server's capacity, not the client, set the pace."
        )
    if late >= gap / 2:
        return (
            f"The server answered late: its timers fired a median {seconds(late)} past the "
            "intended delay, because its event loop was busy with the other requests."
        )
    overhead = f"median overhead {seconds(s.overhead)}" if s.overhead is not None else "overhead"
    found = busiest(run)
    if found is not None and found[1] >= SATURATED:
        name, share = found
        return (f"Its own CPU was saturated: while its requests waited, its busiest train "
                f"({name}) was on a CPU {percent(share)} of the time, so answers waited their "
                f"turn to be read ({overhead} past what the server intended).")  # fmt: skip
    busy = s.cpu / s.wall if s.wall > 0 else 0.0
    if busy >= SATURATED:
        return (f"Its own CPU was saturated: {seconds(s.cpu)} of CPU in {seconds(s.wall)} "
                f"({percent(busy)} of one CPU), so answers waited their turn to be read "
                f"({overhead}).")  # fmt: skip
    trains = (f" While its requests waited its busiest train was on a CPU {percent(found[1])} "
              "of the time;" if found else "")  # fmt: skip
    server = (f" and the server {percent(s.server_cpu / s.wall)}"
              if s.server_cpu is not None and s.wall > 0 else "")  # fmt: skip
    return (f"Answers waited between the server and the client ({overhead}).{trains} over the "
            f"run the client used {percent(busy)} of one CPU{server}: neither was saturated "
            "alone, so the wait was in between — in the sockets, or behind other processes on "
            "the same CPUs.")  # fmt: skip


def _rss_flat(s: Summary, run: RunResult) -> Iterator[Note]:
    if s.mem == 0:
        yield Note(
            s.client,
            "peak RSS did not grow",
            (
                f"{s.client}'s peak RSS grew by 0 B: the process's high-water mark was set before "
                "the run (while importing), and the run never went above it."
            ),
        )


def _server_bound(s: Summary, run: RunResult) -> Iterator[Note]:
    if s.server_cpu is None or s.wall <= 0 or s.server_cpu / s.wall < SERVER_BOUND:
        return
    yield Note(
        s.client,
        "the server set the pace",
        (
            f"The server spent {seconds(s.server_cpu)} of CPU during {s.client}'s "
            f"{seconds(s.wall)} ({percent(s.server_cpu / s.wall)} of one CPU): a faster client "
            "would have waited for it."
        ),
    )


def _short(s: Summary, run: RunResult) -> Iterator[Note]:
    if s.correct or not s.judged:
        return
    errors = Counter(a.error for a in run.attempts if a.error)
    common = ", ".join(f"{n} × {e}" for e, n in errors.most_common(3))
    yield Note(
        s.client,
        "the total fell short",
        (
            f"{s.client} summed {run.total}, not the expected total: it gave up on "
            f"{s.counts.failed} zip{'s' if s.counts.failed != 1 else ''}"
            f"{f' ({common})' if common else ''}. Its speed is not compared."
        ),
    )


def _model(s: Summary) -> Model:
    return KINDS[s.kind].model


def _memory_inverted(summaries: Sequence[Summary]) -> Iterator[Note]:
    ran = [s for s in summaries if s.state is RunState.OK]
    threads = next((s for s in ran if _model(s) is Model.THREADS and s.concurrency == 0), None)
    loop = next((s for s in ran if _model(s) is Model.EVENT_LOOP), None)
    if threads is None or loop is None or threads.mem > loop.mem:
        return
    then = THREADED.mem / ASYNC.mem
    text = (
        f"{threads.client}'s peak RSS grew by {size(threads.mem)}, {loop.client}'s by "
        f"{size(loop.mem)}: the reverse of the talk, where threaded.py's grew {then:.1f} "
        "times as much as async.py's."
    )
    if threads.vmem is not None and loop.vmem is not None:
        text += (
            f" On Linux a thread's stack is reserved address space, resident only as far "
            f"as it is touched: peak virtual memory grew by {size(threads.vmem)} for "
            f"{threads.client} and {size(loop.vmem)} for {loop.client}."
        )
    yield Note(threads.client, "memory inverted against the talk", text)


RULES: tuple[Rule, ...] = (_short, _efficiency, _slow_median, _rss_flat, _server_bound)


def by_client(found: Sequence[Note]) -> Mapping[str, list[Note]]:
    """The notes grouped by client, in the order given."""
    grouped: dict[str, list[Note]] = {}
    for note in found:
        grouped.setdefault(note.client, []).append(note)
    return grouped
