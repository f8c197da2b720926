"""The running server's mutable state, kept in one object under one `web.AppKey`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from aiohttp import web

from .capacity import CapacityGate
from .config import ServerConfig
from .journal import DEFAULT_SIZE, Journal
from .plan import Planner
from .ratelimit import TokenBuckets
from .stats import Stats

# Past this many distinct (route, zip) keys the least recently asked is forgotten: a
# forgotten key counts from attempt 0 again, as after a reset. 250,000 keys hold every zip
# code on both routes (about 40 MB); only a flood of distinct place names reaches it.
MAX_ATTEMPT_KEYS: Final = 250_000


class AttemptCounter:
    """How many times each zip was asked for on each route, bounded to the most recent keys."""

    def __init__(self, limit: int = MAX_ATTEMPT_KEYS) -> None:
        self.limit = limit
        self.forgotten = 0  # keys dropped to stay within the limit, since the reset
        self._counts: dict[tuple[str, str], int] = {}

    def __len__(self) -> int:
        return len(self._counts)

    def next(self, route: str, zip_code: str) -> int:
        """The attempt number of this request (0 for the first); counts it."""
        key = (route, zip_code)
        counts = self._counts
        attempt = counts.pop(key, 0)  # re-inserted last: the dict's order is recency of use
        counts[key] = attempt + 1
        if attempt == 0 and len(counts) > self.limit:
            del counts[next(iter(counts))]
            self.forgotten += 1
        return attempt

    def clear(self) -> None:
        """Forget every key."""
        self._counts.clear()
        self.forgotten = 0


class State:
    """The active config, attempt counters, stats, journal, and the rate-limit and capacity
    machinery."""

    def __init__(
        self,
        config: ServerConfig,
        clock: Callable[[], float] = time.perf_counter,
        *,
        journal_size: int = DEFAULT_SIZE,
    ) -> None:
        self.clock = clock
        self.config = config
        self.journal = Journal(journal_size, clock)
        self.attempts = AttemptCounter()
        self.stats = Stats(self.journal, self.attempts)
        self.buckets: TokenBuckets | None = None
        self.gate: CapacityGate | None = None
        self.apply(config)

    def apply(self, config: ServerConfig) -> None:
        """Make `config` the active one; requests already in service finish under the old one.

        Everything a request would otherwise work out again and again — each route's and
        overridden zip's latency model and fault rates, speed applied — is worked out here.
        """
        self.config = config
        self.planner = Planner(config)
        limit = config.rate_limit
        # Speed scales time, so the bucket refills `speed` times faster to keep the same shape.
        self.buckets = TokenBuckets(limit.rate * config.speed, limit.burst) if limit else None
        capacity = config.capacity
        self.gate = CapacityGate(capacity.workers, capacity.queue, self.clock) if capacity else None

    def reset(self, tag: str | None = None) -> None:
        """Clear the stats, the journal (labelled `tag` from now), the attempt counters and
        the token buckets."""
        self.journal.clear(tag)
        self.attempts.clear()
        self.stats = Stats(self.journal, self.attempts, self.stats.gauges)  # gauges carry over
        self.apply(self.config)

    def next_attempt(self, route: str, zip_code: str) -> int:
        """How many times `zip_code` was asked for on `route` before this request (0 first)."""
        return self.attempts.next(route, zip_code)


STATE = web.AppKey("state", State)
