"""A cheap progress counter the clients tick once per zip; the worker reports it."""

from __future__ import annotations

import threading


class Progress:
    """Counts finished zips; safe to tick from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.peak_threads = 1

    def tick(self) -> None:
        """One more zip finished; note how many Python threads are alive right now."""
        alive = threading.active_count()  # cheap; catches thread-per-zip peaks a sampler misses
        with self._lock:
            self.done += 1
            self.peak_threads = max(self.peak_threads, alive)
