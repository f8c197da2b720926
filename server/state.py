"""The running server's mutable state, kept in one object under one `web.AppKey`."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from .accounting.attempts import AttemptCounter
from .accounting.journal import DEFAULT_BYTES, DEFAULT_SIZE, Journal
from .accounting.stats import Stats
from .config.plan import Planner
from .config.settings import ServerConfig
from .models.capacity import CapacityGate
from .models.ratelimit import TokenBuckets


class State:
    """The active config, attempt counters, stats, journal, and the rate-limit and capacity
    machinery."""

    def __init__(
        self,
        config: ServerConfig,
        clock: Callable[[], float] = time.perf_counter,
        *,
        journal_size: int = DEFAULT_SIZE,
        journal_bytes: int = DEFAULT_BYTES,
    ) -> None:
        self.clock = clock
        self.config = config
        self.journal = Journal(journal_size, clock, journal_bytes)
        self.attempts = AttemptCounter()
        self.stats = Stats(self.journal, self.attempts)
        self.buckets: TokenBuckets | None = None
        self.gate: CapacityGate | None = None
        self.apply(config)

    def apply(self, config: ServerConfig, planner: Planner | None = None) -> None:
        """Make `config` the active one; requests already in service finish under the old one.

        Everything a request would otherwise work out again and again — each route's and
        overridden zip's latency model and fault rates, speed applied — is worked out here,
        or was already in `planner` (built off the loop for a large scenario).
        """
        self.config = config
        self.planner = planner if planner is not None else Planner(config)
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
