"""A sweep's figures: each client's wall time, throughput and p99 at each swept value (or
combination of a grid), and every other figure by name for `[tune]` and the grid's charts.

The data a sweep's table, plot and HTML charts draw (`report.sweepplot`, `report.payload`),
saved as a sweep result's `points`. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records import RunState
from .summary import Summary


@dataclass(frozen=True, slots=True)
class Point:
    """One client's figures at one value of the swept setting (a grid: one combination)."""

    client: str
    value: float  # the swept value; a grid's (or a named setting's): the combination's index
    wall: float
    throughput: float  # zips per second
    p99: float
    correct: bool
    note: str = ""  # why there are no figures: the run failed or was skipped
    combination: dict[str, Any] = field(default_factory=dict)  # setting → value
    figures: dict[str, float | None] = field(default_factory=dict)  # every figure by name

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Point:
        """A saved point (an older file's has no combination or figures)."""
        return cls(str(raw["client"]), float(raw["value"]), float(raw["wall"]),
                   float(raw["throughput"]), float(raw["p99"]), bool(raw["correct"]),
                   str(raw.get("note") or ""), dict(raw.get("combination") or {}),
                   dict(raw.get("figures") or {}))  # fmt: skip


def points(
    value: float,
    summaries: Sequence[Summary],
    requests: int,
    combination: Mapping[str, Any] | None = None,
    figures: Mapping[str, Mapping[str, float | None]] | None = None,
) -> list[Point]:
    """The sweep's figures for every client that ran at `value` (`figures`: each client's
    every figure by name)."""
    where = dict(combination or {})
    every = figures or {}
    return [
        Point(s.client, value, s.wall, requests / s.wall if s.wall > 0 else 0.0, s.p99,
              s.correct or s.open_loop,  # an open-loop run asks zips again: no sum to judge
              "", where, dict(every.get(s.client) or {}))
        if s.state is RunState.OK
        else Point(s.client, value, 0.0, 0.0, 0.0, s.state is RunState.SKIPPED, s.skipped or "",
                   where)
        for s in summaries
    ]  # fmt: skip
