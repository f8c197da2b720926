"""What the processes of one logical server must agree on, as one small protocol.

The draws are a pure function of (seed, route, zip, attempt, purpose), so what must be
shared is small and known: the attempt counters, the token buckets, the capacity slots, the
lease and the run (its tag, and when it was reset) — and, so that a reader sees one server,
the journal and the stats. `server.shared.local` keeps all of it in this process, as the
server always has; `server.shared.store` keeps it in Redis or Valkey for every worker and
every machine pointing at the same URL. `BACKENDS` (in `server.shared`) chooses.

The local backend is `inline`: the API's handler then counts attempts, takes tokens and
capacity slots with the in-process objects themselves, synchronously, as before — the
one-worker default pays nothing for the protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..accounting.journal import Asker, Journal
from ..models.lease import Lease
from ..models.phases import Schedule


class Stale(Exception):
    """Another process published a scenario this request was not decided under: decide it
    again (the new one is applied by then). Nothing was counted or spent."""


class Slots(Protocol):
    """Capacity: at most `workers` requests in service, `queue` more waiting (FIFO)."""

    def try_acquire(self) -> bool:
        """Take a slot if one is free at once (False: ask `acquire`)."""

    async def acquire(self) -> float:
        """Seconds spent queued; raises `models.capacity.QueueFull` when the queue is full."""

    def release(self) -> None:
        """Give the slot back (to the first one queued, if any)."""

    def resize(self, workers: int, queue: int) -> None:
        """A phase's capacity from now on (requests held keep their slots)."""


class LeaseBook(Protocol):
    """The server's one lease (`models.lease` says what each call means)."""

    def now(self) -> float:
        """The clock `Lease.public` and `Lease.describe` are read against."""

    async def current(self) -> Lease | None:
        """The live lease, or None."""

    async def acquire(
        self, holder: Mapping[str, Any], ttl: float, token: str | None = None
    ) -> Lease:
        """Take (or, with its token, renew) the lease; raises LeaseConflict."""

    async def renew(self, token: str | None, ttl: float | None = None) -> Lease:
        """Push the expiry on; raises LeaseConflict."""

    async def release(self, token: str | None) -> Lease:
        """Give it up; raises LeaseConflict."""

    async def check(self, token: str | None) -> Lease | None:
        """The caller's lease, None when the server is free; raises LeaseConflict."""


class SharedState(Protocol):
    """Attempts, tokens, slots, the lease and the run, for every process of one server."""

    @property
    def url(self) -> str:
        """Where it lives ("local" for this process; a store's URL without its password)."""

    @property
    def inline(self) -> bool:
        """Whether the handler may use the in-process objects directly (local)."""

    @property
    def leases(self) -> LeaseBook:
        """The lease."""

    def attach(
        self,
        on_config: Callable[[Mapping[str, Any]], None],
        on_reset: Callable[[float], None],
        stats_part: Callable[[], dict[str, Any]],
        schedule: Callable[[], Schedule],
    ) -> None:
        """What this process does when another changes the scenario or resets the run, and
        how it tells its share of the stats."""

    async def refresh(self) -> None:
        """Adopt a scenario another process published since (the API's requests learn it
        with their batch; a reader of the scenario, the preview or /health asks here)."""

    async def attempt(self, route: str, key: str) -> int:
        """The attempt number of this request of `key` on `route` (0 first); counts it.
        Raises Stale (counting nothing) when the scenario changed meanwhile."""

    async def take(self, key: str, rate: float, burst: int) -> float:
        """Spend a token of `key`'s bucket: 0.0, or seconds until one is due; Stale (spending
        nothing) when the scenario changed meanwhile."""

    def slots(self, workers: int, queue: int, clock: Callable[[], float]) -> Slots:
        """The capacity gate of a configuration."""

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
        """Journal one finished request (where the journal lives is the backend's)."""

    async def reset(self, tag: str | None) -> None:
        """Start a new run labelled `tag`: attempts, buckets and journal forgotten."""

    async def publish(self, document: Mapping[str, Any]) -> None:
        """Make a scenario document the one every process serves."""

    async def journal(self, since: int) -> Journal:
        """The journal's entries after sequence number `since`, and its figures."""

    async def stats(self) -> dict[str, Any]:
        """`/__admin/stats` for the whole server."""

    async def serving(self) -> int:
        """How many server processes serve now."""

    async def close(self) -> None:
        """Let go of the store (what is pending written first)."""


class SharedStore(SharedState, Protocol):
    """A backend outside this process: opened as the app starts."""

    async def open(self, document: Mapping[str, Any] | None) -> None:
        """Connect; `document` becomes every process's scenario (None: adopt the store's).
        Raises StoreUnreachable or StoreRefused naming the URL."""
