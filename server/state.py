"""The running server's mutable state, kept in one object under one `web.AppKey`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from aiohttp import web

from .config.plan import Planner
from .config.settings import ROUTES, ServerConfig
from .journal import DEFAULT_SIZE, Journal
from .models.capacity import CapacityGate
from .models.ratelimit import TokenBuckets
from .stats import Stats

# Past this many distinct zips (or place names) on a route, the least recently asked is
# forgotten: a forgotten key counts from attempt 0 again, as after a reset. 125,000 a route
# holds every zip code on both routes (about 40 MB in all); only a flood of distinct place
# names on /api/search reaches it.
MAX_ATTEMPT_KEYS: Final = 125_000


class AttemptCounter:
    """How many times each zip was asked for on each route, bounded to the most recent keys.

    One dict per route, keyed by the zip alone (no tuple to build), in order of last use.
    """

    def __init__(self, limit: int = MAX_ATTEMPT_KEYS) -> None:
        self.limit = limit  # keys kept per route
        self.forgotten = 0  # keys dropped to stay within the limit, since the reset
        self.routes: dict[str, dict[str, int]] = {route: {} for route in ROUTES}

    def __len__(self) -> int:
        return sum(len(counts) for counts in self.routes.values())

    def next(self, route: str, zip_code: str) -> int:
        """The attempt number of this request (0 for the first); counts it."""
        counts = self.routes[route]
        attempt = counts.pop(zip_code, 0)  # re-inserted last: the dict's order is recency
        counts[zip_code] = attempt + 1
        if not attempt and len(counts) > self.limit:
            self.forget(counts)
        return attempt

    def forget(self, counts: dict[str, int]) -> None:
        """Drop the least recently asked key of one route's counts."""
        del counts[next(iter(counts))]
        self.forgotten += 1

    def clear(self) -> None:
        """Forget every key (in place: handlers hold the per-route dicts)."""
        for counts in self.routes.values():
            counts.clear()
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
