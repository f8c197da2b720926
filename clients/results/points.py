"""A sweep's figures: each client's wall time, throughput and p99 at each swept value.

The data a sweep's table, plot and HTML charts draw (`report.sweepplot`, `report.payload`),
saved as a sweep result's `points`. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..records import RunState
from .summary import Summary


@dataclass(frozen=True, slots=True)
class Point:
    """One client's figures at one value of the swept setting."""

    client: str
    value: float
    wall: float
    throughput: float  # zips per second
    p99: float
    correct: bool
    note: str = ""  # why there are no figures: the run failed or was skipped


def points(value: float, summaries: Sequence[Summary], requests: int) -> list[Point]:
    """The sweep's figures for every client that ran at `value`."""
    return [
        Point(s.client, value, s.wall, requests / s.wall if s.wall > 0 else 0.0, s.p99, s.correct)
        if s.state is RunState.OK
        else Point(s.client, value, 0.0, 0.0, 0.0, s.state is RunState.SKIPPED, s.skipped or "")
        for s in summaries
    ]
