"""What the timeline panel draws beside each client's bars: its requests in flight on a
y-axis shared across clients (so "1 at most" looks as empty as it is next to "10 at most"),
and the stretches its event loop was blocked. Pure: runs in, JSON-ready numbers out."""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Attempt, LoopLag, RunResult
from ..results.units import seconds


def peak(attempts: Sequence[Attempt]) -> int:
    """The most requests in flight at once (an end before a start on a tie: back to back is
    one at a time)."""
    events = sorted([(a.start, 1) for a in attempts] + [(a.end, -1) for a in attempts])
    level = most = 0
    for _, step in events:  # (t, -1) sorts before (t, 1)
        level += step
        most = max(most, level)
    return most


def shared_max(runs: Sequence[RunResult]) -> int:
    """The in-flight charts' common y-axis top: the highest peak of every client (1 at least)."""
    return max([1, *(peak(run.attempts) for run in runs)])


def block_marks(lag: LoopLag | None) -> list[list[float | str]]:
    """A run's blocked stretches as [start, end, title], the title saying for how long and where:
    `loop blocked 1.2 s at mine.py:12 main`."""
    if lag is None:
        return []
    return [[b.start, b.end, _title(b.end - b.start, b.where)]
            for b in lag.blocks if b.end > b.start]  # fmt: skip


def _title(spent: float, where: str) -> str:
    return f"loop blocked {seconds(spent)}" + (f" at {where}" if where else "")
