"""What a client tells the worker while it runs (zips done, threads seen, memory elsewhere),
and the one thing the worker tells it: the headers that mark its requests as this run's."""

from __future__ import annotations

import threading

from .records import LoopLag, Usage


class Progress:
    """Counts finished zips; safe to tick from many threads."""

    def __init__(self, mark: dict[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        # Headers every request carries (the run's tag as `X-Client`), so the server's
        # journal tells this run's requests from a stray's.
        self.mark: dict[str, str] = dict(mark or {})
        self.done = 0
        self.peak_threads = 1
        self.extra_rss = 0  # bytes resident in helper processes (a pool, node), added to mem
        self.usage: Usage | None = None  # a client measured elsewhere (node) reports its own
        # Code that sums for itself (a command, a function) says its total, the loop it ran on
        # and when it started (monotonic clock), to place the server journal's requests.
        self.total: int | None = None
        self.loop: str | None = None
        self.origin: float | None = None
        self.budget_denied = 0  # retries and hedges its retry budget refused (never sent)
        self.loop_lag: LoopLag | None = None  # how late its event loop ran timers, if it has one
        self.lags: list[float] = []  # ... each timer's lateness (merged across processes)

    def tick(self) -> None:
        """One more zip finished; note how many Python threads are alive right now."""
        alive = threading.active_count()  # cheap; catches thread-per-zip peaks a sampler misses
        with self._lock:
            self.done += 1
            self.peak_threads = max(self.peak_threads, alive)
