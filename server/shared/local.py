"""The local backend: this process's memory, the server's state as it always was.

Everything here answers at once. The API's handler does not even await it — the backend is
`inline`, so the handler uses the attempt counter, the token buckets and the capacity gate
directly — but the admin routes speak to every backend through the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..accounting.attempts import AttemptCounter
from ..accounting.journal import Asker, Journal
from ..accounting.stats import Stats
from ..models.capacity import CapacityGate
from ..models.lease import Lease, Leases
from ..models.phases import Schedule
from ..models.ratelimit import TokenBuckets


class LocalLeases:
    """`models.lease.Leases` behind the protocol's awaitable calls."""

    def __init__(self, leases: Leases) -> None:
        self.book = leases

    def now(self) -> float:
        """The app's clock."""
        return self.book.now()

    async def current(self) -> Lease | None:
        """The live lease, or None."""
        return self.book.current()

    async def acquire(
        self, holder: Mapping[str, Any], ttl: float, token: str | None = None
    ) -> Lease:
        """Take or renew the lease."""
        return self.book.acquire(holder, ttl, token)

    async def renew(self, token: str | None, ttl: float | None = None) -> Lease:
        """Push the expiry on."""
        return self.book.renew(token, ttl)

    async def release(self, token: str | None) -> Lease:
        """Give it up."""
        return self.book.release(token)

    async def check(self, token: str | None) -> Lease | None:
        """The caller's lease, or None when the server is free."""
        return self.book.check(token)


class LocalShared:
    """The protocol over one process's attempt counter, buckets, gate, journal and stats."""

    url = "local"
    inline = True

    def __init__(
        self,
        attempts: AttemptCounter,
        buckets: Callable[[], TokenBuckets | None],
        journal: Journal,
        stats: Callable[[], Stats],
        clock: Callable[[], float],
    ) -> None:
        self._attempts = attempts
        self._buckets = buckets  # the live configuration's (a new one on every apply)
        self._journal = journal
        self._stats = stats
        self._clock = clock
        self.leases = LocalLeases(Leases(clock))

    def attach(
        self,
        on_config: Callable[[Mapping[str, Any]], None],
        on_reset: Callable[[float], None],
        stats_part: Callable[[], dict[str, Any]],
        schedule: Callable[[], Schedule],
    ) -> None:
        """One process: nobody else changes its scenario or its run."""

    async def refresh(self) -> None:
        """One process: its scenario is the only one."""

    async def attempt(self, route: str, key: str) -> int:
        """Counted in this process."""
        return self._attempts.next(route, key)

    async def take(self, key: str, rate: float, burst: int) -> float:
        """The live configuration's bucket (its rate and burst are already its own)."""
        buckets = self._buckets()
        return 0.0 if buckets is None else buckets.take(key, self._clock())

    def slots(self, workers: int, queue: int, clock: Callable[[], float]) -> CapacityGate:
        """This process's gate."""
        return CapacityGate(workers, queue, clock)

    def record(
        self,
        arrival: float,
        start: float,
        route: str,
        zip_code: str | None,
        attempt: int | None,
        intended: float,
        queue: float,
        status: int | str,
        fault: str | None,
        size: int,
        request: Asker,
    ) -> None:
        """Never called: the local journal is written by `Stats.finished` itself."""

    async def reset(self, tag: str | None) -> None:
        """Nothing beyond what `State.reset` clears in this process."""

    async def publish(self, document: Mapping[str, Any]) -> None:
        """One process: applying it is publishing it."""

    async def journal(self, since: int) -> Journal:
        """This process's journal."""
        return self._journal

    async def stats(self) -> dict[str, Any]:
        """This process's stats."""
        return self._stats().snapshot()

    async def serving(self) -> int:
        """This process alone."""
        return 1

    async def close(self) -> None:
        """Nothing to let go of."""
