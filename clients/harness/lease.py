"""Holding the server for one run: take its lease, renew it in the background, give it back.

A compare or a sweep takes the server's exclusive lease (`/__admin/lease`) before it resets or
reconfigures anything, so two runs on one server cannot corrupt each other's figures. A
daemon thread renews the lease every third of its ttl; a run that is killed stops renewing,
and the server lets its lease expire. A server without leases (404) is used as before.

A lease that is lost — a renewal refused, or none that succeeded within the ttl (the process
was stopped) — is told to whoever listens (`on_lost`: `held` tells the `ServerControl`, which
refuses every change from then on and stops the running client).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import requests

from ..errors import ServerHeld, ServerUnavailable
from .server_control import LEASE_HEADER, ServerControl

PATH: Final = "/__admin/lease"
TTL: Final = 15.0  # seconds a lease outlives its last renewal: how long a killed run blocks
POLL: Final = 1.0  # seconds between tries while another run holds the server


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a server, as its lease says."""

    scenario: str
    pid: int | None = None
    user: str | None = None
    since: float | None = None  # unix seconds

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> Holder:
        """The holder named in a lease answer (a 409 or `GET /__admin/lease`)."""
        raw = body.get("holder")
        holder = raw if isinstance(raw, Mapping) else {}
        pid, since = holder.get("pid"), body.get("since")
        return cls(
            scenario=str(holder.get("scenario", "?")),
            pid=pid if isinstance(pid, int) else None,
            user=str(holder["user"]) if holder.get("user") else None,
            since=float(since) if isinstance(since, int | float) else None,
        )

    def describe(self) -> str:
        """`quick (pid 4242, user ann) since 2025-06-01 14:03:12`."""
        who = [f"pid {self.pid}"] if self.pid is not None else []
        who += [f"user {self.user}"] if self.user else []
        text = f"{self.scenario} ({', '.join(who)})" if who else self.scenario
        if self.since is not None:
            with contextlib.suppress(ValueError, OverflowError, OSError):  # no calendar time
                text += f" since {dt.datetime.fromtimestamp(self.since):%Y-%m-%d %H:%M:%S}"
        return text


def holder(scenario: str) -> dict[str, Any]:
    """How this process describes itself to the server: scenario, pid and user."""
    described: dict[str, Any] = {"scenario": scenario.strip()[:200] or "?", "pid": os.getpid()}
    with contextlib.suppress(KeyError, OSError):  # no name for this uid (a bare container)
        described["user"] = getpass.getuser()[:200]
    return described


def _call(
    session: requests.Session, method: str, url: str, token: str | None = None, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    headers = {LEASE_HEADER: token} if token else {}
    try:
        response = session.request(method, url + PATH, headers=headers, timeout=TTL / 3, **kwargs)
    except requests.RequestException as error:
        raise ServerUnavailable(f"{url}{PATH}: {type(error).__name__}") from None
    try:
        body = response.json()
    except ValueError:  # a server without leases answers 404 in plain text
        body = {}
    return response.status_code, body if isinstance(body, dict) else {}


class Lease:
    """A lease this process holds: its token, renewed by a daemon thread until `release`."""

    def __init__(
        self, url: str, token: str, ttl: float, session: requests.Session,
        clock: Callable[[], float] = time.monotonic, taken_at: float | None = None,
    ) -> None:  # fmt: skip
        self.url, self.token, self.ttl = url, token, ttl
        self.lost: str | None = None  # why the lease was lost, once it was
        self.on_lost: list[Callable[[str], None]] = []  # told why, once, from the thread
        self.on_renewed: list[Callable[[float], None]] = []  # told the new deadline
        self.deadline = (clock() if taken_at is None else taken_at) + ttl
        self._clock = clock
        self._session = session
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="lease-renewal", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            asked = self._clock()
            if asked > self.deadline:  # stopped past its ttl: the server let it go meanwhile
                self._lose("it was not renewed within its ttl (was this process stopped?)")
                return
            try:
                status, body = _call(self._session, "PUT", self.url, self.token)
            except ServerUnavailable:
                continue  # a server that went away is the run's to notice, not this thread's
            if status == 409:
                self._lose(f"a renewal was refused: {body.get('message', 'the lease was lost')}")
                return
            if status == 200:
                self.deadline = asked + self.ttl  # from when it was asked: never optimistic
                for listener in self.on_renewed:
                    listener(self.deadline)

    def _lose(self, why: str) -> None:
        self.lost = why
        for listener in self.on_lost:
            listener(why)

    def release(self) -> None:
        """Stop renewing and give the lease back (a server that has gone took it along)."""
        self._stop.set()
        self._thread.join()
        try:
            _call(self._session, "DELETE", self.url, self.token)
        except ServerUnavailable:
            pass
        finally:
            self._session.close()


def take(
    url: str,
    described: Mapping[str, Any],
    *,
    wait: bool = True,
    on_wait: Callable[[str, Holder], None] = lambda url, holder: None,
    ttl: float = TTL,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Lease | None:
    """The server's lease for the run `described`; None when the server has no leases.

    While another run holds it: wait (telling `on_wait` the url and who holds it, again
    whenever that changes), or with `wait=False` raise `ServerHeld` naming the holder.
    """
    session = requests.Session()
    told: tuple[str, int | None, float | None] | None = None
    try:
        while True:
            asked = clock()
            status, body = _call(session, "POST", url, json={"holder": dict(described), "ttl": ttl})
            if status == 404:
                session.close()
                return None
            if status == 200 and isinstance(body.get("token"), str):
                return Lease(url, body["token"], ttl, session, clock, asked)
            if status != 409:
                raise ServerUnavailable(f"{url}{PATH}: HTTP {status}: {body.get('message', '')}")
            held = Holder.from_body(body)
            if not wait:
                raise ServerHeld(f"{url} is held by {held.describe()}; not waiting (--no-wait)")
            if (held.scenario, held.pid, held.since) != told:
                on_wait(url, held)
                told = (held.scenario, held.pid, held.since)
            sleep(POLL)
    except BaseException:
        session.close()
        raise


@contextmanager
def held(
    control: ServerControl,
    described: Mapping[str, Any],
    *,
    wait: bool = True,
    on_wait: Callable[[str, Holder], None] = lambda url, holder: None,
    ttl: float = TTL,
) -> Iterator[Lease | None]:
    """Hold `control`'s server for the body of the `with`; its admin calls carry the token.

    Released however the body ends: normally, on an error, on Ctrl-C.
    """
    lease = take(control.url, described, wait=wait, on_wait=on_wait, ttl=ttl)
    if lease is None:
        yield None
        return
    control.lease, control.lease_deadline = lease.token, lease.deadline
    lease.on_renewed.append(control.lease_renewed)
    lease.on_lost.append(control.lose_lease)
    try:
        yield lease
    finally:
        control.lease = None
        lease.release()
