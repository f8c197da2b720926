"""The running server's mutable state, kept in one object under one `web.AppKey`."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from .accounting.attempts import AttemptCounter
from .accounting.journal import DEFAULT_BYTES, DEFAULT_SIZE, Journal
from .accounting.stats import Stats
from .config.parser import parse_config
from .config.plan import Planner, planners_for
from .config.settings import UNLIMITED, Capacity, ServerConfig
from .models.ratelimit import TokenBuckets
from .shared.local import LocalShared
from .shared.protocol import SharedState, Slots


class State:
    """The active config, attempt counters, stats, journal, and the rate-limit and capacity
    machinery; `shared` is where what every process of the server shares lives (this
    process, by default: `server.shared`)."""

    def __init__(
        self,
        config: ServerConfig,
        clock: Callable[[], float] = time.perf_counter,
        *,
        journal_size: int = DEFAULT_SIZE,
        journal_bytes: int = DEFAULT_BYTES,
        shared: SharedState | None = None,
    ) -> None:
        self.clock = clock
        self.config = config
        # With a shared store the journal is the store's: this process keeps none of its own.
        self.journal = Journal(journal_size if shared is None else 0, clock, journal_bytes)
        self.attempts = AttemptCounter()
        self.stats = Stats(self.journal, self.attempts)
        self.buckets: TokenBuckets | None = None
        self.gate: Slots | None = None
        self.shared: SharedState = shared or LocalShared(
            self.attempts, lambda: self.buckets, self.journal, lambda: self.stats, clock
        )
        if shared is not None:
            if journal_size > 0 and journal_bytes > 0:  # 0 turns the store's journal off too
                self.stats.sink = shared.record
            shared.attach(
                lambda document: self.apply(parse_config(document)),
                self.run_began,
                lambda: self.stats.part(),
                lambda: self.schedule,
            )
        self.apply(config)

    def apply(self, config: ServerConfig, planners: tuple[Planner, ...] | None = None) -> None:
        """Make `config` the active one; requests already in service finish under the old one.

        Everything a request would otherwise work out again and again — each route's and
        overridden zip's latency model and fault rates, speed applied — is worked out here,
        for the base server and for each phase, or was already in `planners` (built off the
        loop for a large scenario).
        """
        self.config = config
        self.configs = config.configs()  # base, then each phase: the schedule's index order
        self.planners = planners if planners is not None else planners_for(config)
        self.planner = self.planners[0]
        self.schedule = config.schedule
        self.phased = bool(config.phases)
        self.phase = 0  # the phase the gate is sized for now
        self.journal.schedule = self.stats.schedule = self.schedule
        limit = config.rate_limit
        # Speed scales time, so the bucket refills `speed` times faster to keep the same shape.
        self.buckets = TokenBuckets(limit.rate * config.speed, limit.burst) if limit else None
        self.capacities: tuple[Capacity, ...] = tuple(
            each.capacity or UNLIMITED for each in self.configs
        )
        capacity = config.capacity if config.capacity or not self.phased else UNLIMITED
        self.gate = (
            self.shared.slots(capacity.workers, capacity.queue, self.clock) if capacity else None
        )

    def refresh(self, now: float) -> int:
        """The phase active at `now` (0: none, i: phase i - 1); the gate is resized to it when
        it changed. Called as requests arrive and as workers come back, so a phase's change
        of capacity shows as soon as anyone could notice it."""
        index = self.schedule.index_at(now - self.journal.epoch)
        if index != self.phase:
            self.phase = index
            if self.gate is not None:
                capacity = self.capacities[index]
                self.gate.resize(capacity.workers, capacity.queue)
        return index

    def reset(self, tag: str | None = None) -> None:
        """Clear the stats, the journal (labelled `tag` from now), the attempt counters and
        the token buckets."""
        self.journal.clear(tag)
        self.attempts.clear()
        sink = self.stats.sink
        self.stats = Stats(self.journal, self.attempts, self.stats.gauges)  # gauges carry over
        self.stats.sink = sink
        self.apply(self.config)  # phases count from the reset, so the gate starts at the base

    def run_began(self, epoch: float) -> None:
        """Another process reset the run at `epoch` (this app's clock): reset this process's
        share, and count the phases from the run's start, as every process does."""
        self.reset()
        self.journal.epoch = epoch

    def next_attempt(self, route: str, zip_code: str) -> int:
        """How many times `zip_code` was asked for on `route` before this request (0 first)."""
        return self.attempts.next(route, zip_code)


STATE = web.AppKey("state", State)
