"""A run over time: per step of time, the requests sent, answered, failed, in flight and
their p50/p99 latency, computed once from the run's attempts.

The report's charts over time draw it; a run that saves its own series (open-loop arrivals,
issue 22) can extend `Series` with more columns and keep this one place. Pure: attempts in,
a plain frozen structure out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..records import CANCELLED, Attempt
from .summary import percentile

STEPS: Final = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)  # the step is one of these (seconds)
BINS: Final = 40  # a step short enough for about this many points over the run, at most 1 s


@dataclass(frozen=True, slots=True)
class Series:
    """Columns of one value per step: bin `i` is from `i * step` to `(i + 1) * step` seconds.

    `sent` counts attempts started in the bin (retries and hedges included), `ok` and
    `failed` attempts that ended in it, answered or not; `in_flight` is the mean number of
    requests open over the bin; `p50`/`p99` the latency of the attempts that ended in it
    (None for a bin where none did)."""

    step: float
    sent: tuple[int, ...]
    ok: tuple[int, ...]
    failed: tuple[int, ...]
    in_flight: tuple[float, ...]
    p50: tuple[float | None, ...]
    p99: tuple[float | None, ...]

    def __len__(self) -> int:
        return len(self.sent)


def step_for(span: float) -> float:
    """The step for a run of `span` seconds: the shortest of STEPS giving at most BINS bins
    (1 s for a run longer than BINS seconds, as a per-second series)."""
    return next((s for s in STEPS if span / s <= BINS), STEPS[-1])


def series_of(attempts: Sequence[Attempt], step: float | None = None) -> Series:
    """The attempts of one run as a series of `step` seconds (`step_for` its span if None).
    A hedge's loser, abandoned unanswered (`CANCELLED`), counts as sent, never as failed."""
    span = max((a.end for a in attempts), default=0.0)
    step = step or step_for(span)
    count = max(1, math.ceil(span / step - 1e-9))
    sent, ok, failed = [0] * count, [0] * count, [0] * count
    busy = [0.0] * count  # request-seconds open in each bin
    ended: list[list[float]] = [[] for _ in range(count)]
    last = count - 1
    for attempt in attempts:
        start, end = max(0.0, attempt.start), max(0.0, attempt.end)
        sent[min(last, int(start / step))] += 1
        if attempt.error != CANCELLED:
            at = min(last, int(end / step))
            (ok if attempt.ok else failed)[at] += 1
            ended[at].append(attempt.latency)
        _spread(busy, start, end, step)
    return Series(
        step=step,
        sent=tuple(sent),
        ok=tuple(ok),
        failed=tuple(failed),
        in_flight=tuple(b / step for b in busy),
        p50=tuple(percentile(v, 0.5) if v else None for v in ended),
        p99=tuple(percentile(v, 0.99) if v else None for v in ended),
    )


def _spread(busy: list[float], start: float, end: float, step: float) -> None:
    """Add the time from `start` to `end` to the bins it covers."""
    first, last = int(start / step), min(len(busy) - 1, int(end / step))
    for index in range(min(first, len(busy) - 1), last + 1):
        low, high = max(start, index * step), min(end, (index + 1) * step)
        if high > low:
            busy[index] += high - low
