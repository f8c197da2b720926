"""One run over time: a per-second series per client, and how long it took to recover.

Built once, from the attempts (for the user's code, the server's journal's), when a result's
summaries are: the terminal's sparkline, `[[expect]]` over a time range and the report's
charts all read this one structure, saved in each summary row as `series`:

    {"step": 1.0, "offset": 0.41,                 # server time = series time + offset
     "offered": [...], "sent": [...], "goodput": [...], "failed": [...],
     "in_flight": [...], "p50": [...], "p99": [...],   # one value a second, from 0
     "phases": [{"name": "dip", "start": 9.59, "end": 19.59}],   # in series time
     "recovery": 4.4, "recovered": true}

Second `i` is [i, i + 1) on the client's clock, from its run's start. `offered`: requests due
then (open loop), else first tries started; `sent`: every attempt started, retries and hedges
too; `goodput`: requests answered well, counted when their good answer ended; `failed`:
requests given up on, when their last attempt ended; `in_flight`: attempts in flight, averaged
over the second; `p50`/`p99`: latency of the requests answered then, from when each was due
(open loop) or first sent — None for a second without one. `recovery`: seconds from the end of
the last phase until goodput stays within 10 % of offered (at least 90 % of it) for 3 seconds
in a row; None with `recovered` false when it never did, and both None without phases.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..records import Attempt

STEP: Final = 1.0  # seconds a value covers
HOLD: Final = 3  # seconds in a row goodput must hold for a recovery to count
WITHIN: Final = 0.1  # goodput within this share of offered counts as recovered
MAX_SECONDS: Final = 86_400  # a series covers at most a day (a run's longest time limit)


@dataclass(frozen=True, slots=True)
class Span:
    """A phase on the series' clock."""

    name: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Series:
    """One client's run, a value a second (see the module's docstring)."""

    offered: tuple[int, ...]
    sent: tuple[int, ...]
    goodput: tuple[int, ...]
    failed: tuple[int, ...]
    in_flight: tuple[float, ...]
    p50: tuple[float | None, ...]
    p99: tuple[float | None, ...]
    offset: float = 0.0
    phases: tuple[Span, ...] = ()
    recovery: float | None = None
    recovered: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as documented above."""
        return {
            "step": STEP, "offset": self.offset, "offered": list(self.offered),
            "sent": list(self.sent), "goodput": list(self.goodput), "failed": list(self.failed),
            "in_flight": [round(v, 3) for v in self.in_flight],
            "p50": [_rounded(v) for v in self.p50], "p99": [_rounded(v) for v in self.p99],
            "phases": [{"name": p.name, "start": p.start, "end": p.end} for p in self.phases],
            "recovery": self.recovery, "recovered": self.recovered,
        }  # fmt: skip

    def window(self, start: float, end: float) -> range:
        """The seconds whose middle falls in [start, end) of series time."""
        first = max(0, math.ceil(start - 0.5))
        last = min(len(self.offered), math.ceil(end - 0.5))
        return range(first, max(first, last))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile by linear interpolation (of a non-empty list)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _second(t: float, size: int) -> int:
    return min(size - 1, max(0, int(t // STEP)))


def series_of(
    attempts: Sequence[Attempt], phases: Sequence[Mapping[str, Any]] = (), offset: float = 0.0
) -> Series:
    """The per-second series of one run's attempts; `phases` as the preview lists them (`name`,
    `at`, `for`: server seconds since the reset) and `offset` the server's time at the run's
    zero."""
    ends = [a.end for a in attempts] + [a.due for a in attempts if a.due is not None]
    size = min(MAX_SECONDS, max(1, math.ceil(max(ends, default=0.0) / STEP + 1e-9)))
    offered, sent, good, failed = [0] * size, [0] * size, [0] * size, [0] * size
    busy = [0.0] * size
    by_request: dict[str | int, list[Attempt]] = {}
    for a in attempts:
        by_request.setdefault(a.zip if a.request is None else a.request, []).append(a)
        sent[_second(a.start, size)] += 1
        for index in range(_second(a.start, size), _second(a.end, size) + 1):
            low, high = max(a.start, index * STEP), min(a.end, (index + 1) * STEP)
            busy[index] += max(0.0, high - low) / STEP
    waits: list[list[float]] = [[] for _ in range(size)]
    for tries in by_request.values():
        begun = min(a.due if a.due is not None else a.start for a in tries)
        offered[_second(begun, size)] += 1
        answered = [a.end for a in tries if a.ok]
        if answered:
            second = _second(min(answered), size)
            good[second] += 1
            waits[second].append(min(answered) - begun)
        else:
            failed[_second(max(a.end for a in tries), size)] += 1
    spans = tuple(
        Span(str(p["name"]), float(p["at"]) - offset, float(p["at"]) + float(p["for"]) - offset)
        for p in phases
    )
    came_back = recovery(offered, good, spans[-1].end) if spans else None
    return Series(
        tuple(offered), tuple(sent), tuple(good), tuple(failed), tuple(busy),
        tuple(percentile(w, 0.5) if w else None for w in waits),
        tuple(percentile(w, 0.99) if w else None for w in waits),
        offset, spans, came_back, None if not spans else came_back is not None,
    )  # fmt: skip


def recovery(
    offered: Sequence[float], goodput: Sequence[float], after: float, hold: int = HOLD
) -> float | None:
    """Seconds from `after` (the end of the last phase, series time) to the start of the first
    `hold` whole seconds in a row, all after it, in which requests were due and goodput was at
    least (1 − WITHIN) × offered; None when there are none."""
    first = max(0, math.ceil(after / STEP - 1e-9))
    run = 0
    for index in range(first, min(len(offered), len(goodput))):
        due = offered[index]
        run = run + 1 if due > 0 and goodput[index] >= (1.0 - WITHIN) * due else 0
        if run == hold:
            return max(0.0, (index - hold + 1) * STEP - after)
    return None


def offset_of(attempts: Sequence[Attempt], entries: Sequence[Mapping[str, Any]]) -> float | None:
    """The server's time (seconds since its reset) at the client's zero: its first request's
    arrival less when the client sent it. None without both."""
    arrivals = [float(e["arrival"]) for e in entries if "arrival" in e]
    if not arrivals or not attempts:
        return None
    return min(arrivals) - min(a.start for a in attempts)


SPARKS: Final = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], top: float) -> str:
    """`values` as block characters against `top` (a space for 0, so a stall shows)."""
    if top <= 0:
        return " " * len(values)
    return "".join(
        " " if v <= 0 else SPARKS[min(len(SPARKS) - 1, int(v / top * len(SPARKS)))] for v in values
    )
