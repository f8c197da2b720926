"""The talk's 2015 figures beside this run's, with a sentence on each difference.

As printed in the talk (a Mac, Python 3.4, the live usajobs API, `jobs available: 1651` each
time). Only a `mempy-2015` result is compared: other scenarios do not model the talk. Pure:
a result document in, rows and sentences out; every sentence's figures come from the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..results.summary import Summary
from ..results.units import ratio, seconds, size

SCENARIO: Final = "mempy-2015"


@dataclass(frozen=True, slots=True)
class Printed:
    """One of the talk's printouts."""

    script: str
    kind: str  # the client kind that re-runs it
    mem: int  # bytes: ru_maxrss growth on the Mac
    utime: float
    stime: float
    cpu: float
    time: float


BLOCK: Final = Printed("block.py", "blocking", 6_733_824, 3.020994, 0.210687, 3.231681, 41.310599)
THREADED: Final = Printed(
    "threaded.py", "threaded", 91_996_160, 2.784083, 1.149400, 3.933483, 2.720289
)
ASYNC: Final = Printed("async.py", "asyncio", 12_185_600, 0.627300, 0.083406, 0.710706, 3.852678)
TALK: Final = (BLOCK, THREADED, ASYNC)
TALK_TOTAL: Final = 1651
TALK_ZIPS: Final = 100


@dataclass(frozen=True, slots=True)
class Row:
    """The talk's script and this run's client, side by side, with what differs and why."""

    printed: Printed
    now: Summary | None
    sentences: tuple[str, ...]


def applies(doc: Mapping[str, Any]) -> bool:
    """Whether the result re-runs the talk (the mempy-2015 scenario)."""
    return (doc.get("scenario") or {}).get("name") == SCENARIO


def rows(doc: Mapping[str, Any], summaries: Sequence[Summary]) -> list[Row]:
    """A row per talk script, matched to the first client of its kind that ran."""
    preview = doc.get("preview") or {}
    latency = preview.get("latency") or {}
    by_kind: dict[str, Summary] = {}
    for s in summaries:
        if s.runs:
            by_kind.setdefault(s.kind, s)
    return [Row(p, by_kind.get(p.kind), tuple(_sentences(p, by_kind, latency))) for p in TALK]


def _sentences(
    printed: Printed, by_kind: Mapping[str, Summary], latency: Mapping[str, Any]
) -> list[str]:
    now = by_kind.get(printed.kind)
    if now is None:
        return [f"No {printed.kind} client ran here, so {printed.script} has nothing to meet."]
    said = [_time(printed, now, by_kind, latency), _cpu(printed, now), _memory(printed, now)]
    return [s for s in said if s]


def _time(
    printed: Printed, now: Summary, by_kind: Mapping[str, Summary], latency: Mapping[str, Any]
) -> str:
    total, slowest = latency.get("sum"), latency.get("max")
    if printed is BLOCK:
        delays = f"; this run's intended delays add up to {seconds(total)}" if total else ""
        return (
            f"Wall {seconds(now.wall)} against {seconds(printed.time)}: one request after "
            f"another, blocking takes the sum of the delays{delays}."
        )
    lead = (
        f"Wall {seconds(now.wall)} against {seconds(printed.time)}: with every request in "
        "flight at once, the wall is the slowest request"
    )
    lead += f" — {seconds(slowest)} here (the preview's slowest)." if slowest else "."
    threaded, asyncio = by_kind.get(THREADED.kind), by_kind.get(ASYNC.kind)
    if printed is ASYNC and threaded and asyncio and threaded.wall > 0:
        gap = asyncio.wall / threaded.wall
        then = ASYNC.time / THREADED.time
        lead += (
            f" In 2015 async.py took {then:.2f}× threaded.py's time; here asyncio takes "
            f"{gap:.2f}× threaded's: both wait for the same slowest request, and each "
            f"request costs asyncio {seconds(asyncio.cpu_per_request)} of CPU, too little "
            "to hold anything up."
        )
    return lead


def _cpu(printed: Printed, now: Summary) -> str:
    if now.cpu <= 0:
        return ""
    then = printed.cpu / TALK_ZIPS
    return (
        f"CPU {seconds(now.cpu)} against {seconds(printed.cpu)} "
        f"({ratio(printed.cpu / now.cpu)} less): {seconds(now.cpu_per_request)} a request "
        f"here, {seconds(then)} in 2015 — plain HTTP on loopback to a local server, where "
        "the talk's requests crossed the internet to a live HTTPS API."
    )


def _memory(printed: Printed, now: Summary) -> str:
    rss = f"peak RSS grew by {size(now.mem)} against the talk's {size(printed.mem)}"
    if printed is THREADED and now.vmem is not None:
        threads = max(1, now.peak_threads - 1)
        return (
            f"Memory: {rss}. On Linux a thread's stack is reserved address space, resident "
            f"only as far as it is touched: peak virtual memory grew by {size(now.vmem)}, "
            f"{size(now.vmem // threads)} for each of {threads} threads — that is where the "
            "talk's 'threads cost memory' shows here."
        )
    if now.mem == 0:
        return (
            f"Memory: {rss}. The process's peak was set before the run, while importing: "
            "the run itself added nothing resident."
        )
    vm = f"; virtual memory grew by {size(now.vmem)}" if now.vmem is not None else ""
    return f"Memory: {rss}{vm}."
