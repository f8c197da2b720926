"""A run over time: per step of time, the requests due, sent, answered, failed, in flight and
their p50/p99 latency, computed once from the run's attempts (for the user's code, the
server's journal's) — and, after a server's phases, how long the run took to recover.

The report's charts over time, the terminal's goodput sparkline and `[[expect]]` over a time
range all read this one structure; a summary row saves it as `series` (`to_dict`):

    {"step": 1.0, "offset": 0.41,                 # server time = series time + offset
     "sent": [...], "ok": [...], "failed": [...], "in_flight": [...], "p50": [...],
     "p99": [...], "offered": [...], "goodput": [...], "due_p50": [...], "due_p99": [...],
     "phases": [{"name": "dip", "start": 9.59, "end": 19.59}],   # in series time
     "recovery": 4.0, "recovered": true}

Bin `i` is [i·step, (i + 1)·step) on the client's clock from its run's start. Per attempt:
`sent` started in the bin (retries and hedges too), `ok` and `failed` ended in it answered or
not (a hedge's abandoned loser never fails), `in_flight` the mean open over the bin, `p50`/
`p99` the latency (from sent) of those that ended in it. Per request: `offered` due in it
(open loop) or first tried, `goodput` answered well (when the good answer ended), `due_p50`/
`due_p99` their latency from due (open loop) or first send. None for a bin without one.
`recovery`: seconds from the end of the last phase until goodput stays within 10 % of offered
(at least 90 % of it) for 3 seconds in a row; None with `recovered` false when it never did,
both None without phases. Pure: attempts in, a plain frozen structure out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ..records import CANCELLED, Attempt

STEPS: Final = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)  # the step is one of these (seconds)
BINS: Final = 40  # a step short enough for about this many points over the run, at most 1 s
HOLD: Final = 3.0  # seconds in a row goodput must hold for a recovery to count
WITHIN: Final = 0.1  # goodput within this share of offered counts as recovered
MAX_BINS: Final = 86_400  # a series covers at most a day at a second a bin


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile by linear interpolation (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Span:
    """A server phase on the series' clock."""

    name: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Series:
    """Columns of one value per step (see the module's docstring)."""

    step: float
    sent: tuple[int, ...]
    ok: tuple[int, ...]
    failed: tuple[int, ...]
    in_flight: tuple[float, ...]
    p50: tuple[float | None, ...]
    p99: tuple[float | None, ...]
    offered: tuple[int, ...] = ()
    goodput: tuple[int, ...] = ()
    due_p50: tuple[float | None, ...] = ()
    due_p99: tuple[float | None, ...] = ()
    offset: float = 0.0
    phases: tuple[Span, ...] = ()
    recovery: float | None = None
    recovered: bool | None = None

    def __len__(self) -> int:
        return len(self.sent)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as documented above."""
        return {
            "step": self.step, "offset": self.offset, "sent": list(self.sent),
            "ok": list(self.ok), "failed": list(self.failed),
            "in_flight": [round(v, 3) for v in self.in_flight],
            "p50": _rounded(self.p50), "p99": _rounded(self.p99),
            "offered": list(self.offered), "goodput": list(self.goodput),
            "due_p50": _rounded(self.due_p50), "due_p99": _rounded(self.due_p99),
            "phases": [{"name": p.name, "start": p.start, "end": p.end} for p in self.phases],
            "recovery": self.recovery, "recovered": self.recovered,
        }  # fmt: skip

    def window(self, start: float, end: float) -> range:
        """The bins whose middle falls in [start, end) of series time."""
        first = max(0, math.ceil(start / self.step - 0.5))
        last = min(len(self), math.ceil(end / self.step - 0.5))
        return range(first, max(first, last))


def _rounded(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else round(v, 6) for v in values]


def step_for(span: float) -> float:
    """The step for a run of `span` seconds: the shortest of STEPS giving at most BINS bins
    (1 s for a run longer than BINS seconds, as a per-second series)."""
    return next((s for s in STEPS if span / s <= BINS), STEPS[-1])


def series_of(
    attempts: Sequence[Attempt],
    step: float | None = None,
    phases: Sequence[Mapping[str, Any]] = (),
    offset: float = 0.0,
) -> Series:
    """The attempts of one run as a series of `step` seconds (`step_for` its span if None);
    `phases` as the preview lists them (`name`, `at`, `for`: server seconds since the reset)
    and `offset` the server's time at the run's zero (`offset_of`)."""
    ends = [a.end for a in attempts] + [a.due for a in attempts if a.due is not None]
    span = max(ends, default=0.0)
    step = step or step_for(span)
    count = min(MAX_BINS, max(1, math.ceil(span / step - 1e-9)))
    last = count - 1

    def bin_of(t: float) -> int:
        return min(last, max(0, int(t / step)))

    sent, ok, failed = [0] * count, [0] * count, [0] * count
    busy = [0.0] * count  # request-seconds open in each bin
    ended: list[list[float]] = [[] for _ in range(count)]
    by_request: dict[str | int, list[Attempt]] = {}
    for attempt in attempts:
        start, end = max(0.0, attempt.start), max(0.0, attempt.end)
        sent[bin_of(start)] += 1
        if attempt.error != CANCELLED:
            at = bin_of(end)
            (ok if attempt.ok else failed)[at] += 1
            ended[at].append(attempt.latency)
        _spread(busy, start, end, step)
        key = attempt.zip if attempt.request is None else attempt.request
        by_request.setdefault(key, []).append(attempt)
    offered, good = [0] * count, [0] * count
    waits: list[list[float]] = [[] for _ in range(count)]
    for tries in by_request.values():
        begun = min(a.due if a.due is not None else a.start for a in tries)
        offered[bin_of(begun)] += 1
        answered = [a.end for a in tries if a.ok]
        if answered:
            good[bin_of(min(answered))] += 1
            waits[bin_of(min(answered))].append(min(answered) - begun)
    spans = tuple(
        Span(str(p["name"]), float(p["at"]) - offset, float(p["at"]) + float(p["for"]) - offset)
        for p in phases
    )
    back = recovery(offered, good, spans[-1].end, step) if spans else None
    return Series(
        step=step, sent=tuple(sent), ok=tuple(ok), failed=tuple(failed),
        in_flight=tuple(b / step for b in busy),
        p50=tuple(percentile(v, 0.5) if v else None for v in ended),
        p99=tuple(percentile(v, 0.99) if v else None for v in ended),
        offered=tuple(offered), goodput=tuple(good),
        due_p50=tuple(percentile(w, 0.5) if w else None for w in waits),
        due_p99=tuple(percentile(w, 0.99) if w else None for w in waits),
        offset=offset, phases=spans, recovery=back,
        recovered=None if not spans else back is not None,
    )  # fmt: skip


def _spread(busy: list[float], start: float, end: float, step: float) -> None:
    """Add the time from `start` to `end` to the bins it covers."""
    first, last = int(start / step), min(len(busy) - 1, int(end / step))
    for index in range(min(first, len(busy) - 1), last + 1):
        low, high = max(start, index * step), min(end, (index + 1) * step)
        if high > low:
            busy[index] += high - low


def recovery(
    offered: Sequence[float], goodput: Sequence[float], after: float, step: float = 1.0
) -> float | None:
    """Seconds from `after` (the end of the last phase, series time) to the start of the
    first HOLD seconds of whole bins in a row, all after it, in which requests were due and
    goodput was at least (1 − WITHIN) × offered; None when there are none."""
    hold = max(1, math.ceil(HOLD / step - 1e-9))
    first = max(0, math.ceil(after / step - 1e-9))
    run = 0
    for index in range(first, min(len(offered), len(goodput))):
        due = offered[index]
        run = run + 1 if due > 0 and goodput[index] >= (1.0 - WITHIN) * due else 0
        if run == hold:
            return max(0.0, (index - hold + 1) * step - after)
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
