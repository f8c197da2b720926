"""Phases: the windows of a run in which a different server applies, and which one is active.

A schedule is a sorted tuple of non-overlapping windows in seconds since the reset; index 0
is the base server (outside every window), index `i + 1` the window `i`. A pure lookup: the
caller says what time it is.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Final

BASE: Final = "base"  # what the time outside every phase is called in stats and the journal


@dataclass(frozen=True, slots=True)
class Window:
    """A phase's name and its span, [start, end) in seconds since the reset."""

    name: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Schedule:
    """Non-overlapping windows, sorted by start (the parser checks both)."""

    windows: tuple[Window, ...] = ()
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(w.start for w in self.windows))

    def index_at(self, elapsed: float) -> int:
        """0 outside every window, else 1 + the index of the window holding `elapsed`."""
        position = bisect.bisect_right(self._starts, elapsed)
        if position and elapsed < self.windows[position - 1].end:
            return position
        return 0

    def name_at(self, elapsed: float) -> str | None:
        """The name of the window holding `elapsed`, None outside every one."""
        index = self.index_at(elapsed)
        return self.windows[index - 1].name if index else None

    def names(self) -> tuple[str, ...]:
        """`base`, then every window's name, in index order."""
        return (BASE, *(w.name for w in self.windows))

    @property
    def end(self) -> float:
        """When the last window ends (0.0 with none)."""
        return self.windows[-1].end if self.windows else 0.0


NO_PHASES: Final = Schedule()
