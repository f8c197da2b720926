"""One exclusive lease on the server: which run owns it, since when, until when.

A run (a compare, a sweep, a test fixture) takes the lease before it resets or reconfigures
the server, renews it while it runs and releases it at the end. A lease that is not renewed
within its ttl expires, so a killed run cannot lock the server forever. Pure bookkeeping on
an injected clock; the routes that speak HTTP, and what they accept, are `server.admin.lease`.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds the server: an opaque token, the holder's own description, and the times."""

    token: str
    holder: Mapping[str, Any]
    since: float  # unix seconds, for people
    ttl: float
    expires_at: float  # on the app's clock, for expiry

    def expires_in(self, now: float) -> float:
        """Seconds left before the lease lapses unless renewed (never negative)."""
        return max(0.0, self.expires_at - now)

    def public(self, now: float) -> dict[str, Any]:
        """What anyone may see: everything but the token."""
        return {
            "holder": dict(self.holder),
            "since": self.since,
            "expires_in": round(self.expires_in(now), 3),
            "ttl": self.ttl,
        }

    def describe(self, now: float) -> str:
        """`held by quick (pid 4242) since 2025-06-01 14:03:12; expires in 12 s`."""
        when = datetime.fromtimestamp(self.since).strftime("%Y-%m-%d %H:%M:%S")
        who = f"{self.holder['scenario']} (pid {self.holder['pid']})"
        return f"held by {who} since {when}; expires in {math.ceil(self.expires_in(now))} s"


class LeaseConflict(Exception):
    """The caller's token is not the current lease: another run holds it, or nobody does."""

    def __init__(self, lease: Lease | None, now: float) -> None:
        message = (
            lease.describe(now)
            if lease is not None
            else "no lease is held: the token expired or was released; take a new one with POST"
        )
        super().__init__(message)
        self.lease = lease
        self.now = now

    def body(self) -> dict[str, Any]:
        """The fields a 409 carries besides its message."""
        if self.lease is None:
            return {"held": False, "holder": None, "since": None, "expires_in": None}
        return {"held": True, **self.lease.public(self.now)}


class Leases:
    """The server's one lease; expiry is checked lazily against `clock` on every question."""

    def __init__(
        self,
        clock: Callable[[], float],
        wall: Callable[[], float] = time.time,
        new_token: Callable[[], str] = lambda: secrets.token_urlsafe(18),
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._new_token = new_token
        self._lease: Lease | None = None

    def now(self) -> float:
        """The clock leases expire by."""
        return self._clock()

    def current(self) -> Lease | None:
        """The live lease, or None (an expired one is dropped here)."""
        if self._lease is not None and self._lease.expires_at <= self._clock():
            self._lease = None
        return self._lease

    def acquire(self, holder: Mapping[str, Any], ttl: float, token: str | None = None) -> Lease:
        """Take the lease; the current holder (the same `token`) simply renews it."""
        lease = self.current()
        if lease is not None:
            if token != lease.token:
                raise LeaseConflict(lease, self._clock())
            return self.renew(lease.token, ttl)
        self._lease = Lease(
            token=self._new_token(),
            holder=dict(holder),
            since=self._wall(),
            ttl=ttl,
            expires_at=self._clock() + ttl,
        )
        return self._lease

    def renew(self, token: str | None, ttl: float | None = None) -> Lease:
        """Push the expiry `ttl` seconds (default: the lease's own) past now."""
        lease = self.check(token)
        if lease is None:
            raise LeaseConflict(None, self._clock())
        ttl = lease.ttl if ttl is None else ttl
        self._lease = Lease(lease.token, lease.holder, lease.since, ttl, self._clock() + ttl)
        return self._lease

    def release(self, token: str | None) -> Lease:
        """Give the lease up; the released lease is returned."""
        lease = self.check(token)
        if lease is None:
            raise LeaseConflict(None, self._clock())
        self._lease = None
        return lease

    def check(self, token: str | None) -> Lease | None:
        """May a caller showing `token` (None: no header) change the server?

        Returns the caller's lease, or None when nobody holds one and no token was shown
        (the server is free, as before leases existed). Raises LeaseConflict when another
        run holds the lease, or when a token is shown that is no longer current (the caller
        lost its lease: its run may have been disturbed, which it must hear about).
        """
        lease = self.current()
        if lease is not None and token == lease.token:
            return lease
        if lease is None and token is None:
            return None
        raise LeaseConflict(lease, self._clock())
