"""The running server's mutable state, kept in one object under one `web.AppKey`."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from aiohttp import web

from server.capacity import CapacityGate
from server.config import ServerConfig
from server.ratelimit import TokenBuckets
from server.stats import Stats


class State:
    """The active config, attempt counters, stats, and the rate-limit and capacity machinery."""

    def __init__(
        self, config: ServerConfig, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.clock = clock
        self.config = config
        self.stats = Stats()
        self.attempts: Counter[tuple[str, str]] = Counter()
        self.buckets: TokenBuckets | None = None
        self.gate: CapacityGate | None = None
        self.apply(config)

    def apply(self, config: ServerConfig) -> None:
        """Make `config` the active one; requests already in service finish under the old one."""
        self.config = config
        limit = config.rate_limit
        # Speed scales time, so the bucket refills `speed` times faster to keep the same shape.
        self.buckets = TokenBuckets(limit.rate * config.speed, limit.burst) if limit else None
        capacity = config.capacity
        self.gate = CapacityGate(capacity.workers, capacity.queue, self.clock) if capacity else None

    def reset(self) -> None:
        """Clear the stats, the attempt counters and the token buckets."""
        self.stats = Stats()
        self.attempts.clear()
        self.apply(self.config)

    def next_attempt(self, route: str, zip_code: str) -> int:
        """How many times `zip_code` was asked for on `route` before this request (0 first)."""
        key = (route, zip_code)
        attempt = self.attempts[key]
        self.attempts[key] = attempt + 1
        return attempt


STATE = web.AppKey("state", State)
