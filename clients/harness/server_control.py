"""Talking to the fake server over HTTP: health and the admin API.

The clients never import `server`; they speak to it over HTTP only.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import requests

from ..errors import LeaseLost, NotOffered, ScenarioRejected, ServerUnavailable

LEASE_HEADER: Final = "X-Lease"  # the lease's token, which the server wants on every change


class ServerControl:
    """The admin API of one running server."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._http = requests.Session()
        self.lease: str | None = None  # the token of the lease this run holds (`harness.lease`)
        # When the lease lapses unless renewed first (monotonic clock; the renewal moves it).
        self.lease_deadline = math.inf
        self.lease_lost: str | None = None  # why the lease was lost, once it was
        self.lost_event = threading.Event()  # set as it is lost: a running client is stopped

    def lease_renewed(self, deadline: float) -> None:
        """The lease was renewed: it now lapses at `deadline` (monotonic clock)."""
        self.lease_deadline = deadline

    def lose_lease(self, why: str) -> None:
        """Note that the lease is gone (the first reason stays) and tell whoever waits."""
        if self.lease_lost is None:
            self.lease_lost = why
        self.lost_event.set()

    def check_lease(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Raise LeaseLost if the run's lease is gone: lost, or past its deadline unrenewed
        (a process stopped past its ttl learns it here, before its renewal thread wakes)."""
        if self.lease is not None and self.lease_lost is None and clock() > self.lease_deadline:
            self.lose_lease("it was not renewed within its ttl (was this process stopped?)")
        if self.lease_lost is not None:
            raise LeaseLost(f"{self.url}: lost the server's lease: {self.lease_lost}; "
                            "nothing measured from then on is kept")  # fmt: skip

    def close(self) -> None:
        """Drop pooled connections."""
        self._http.close()

    def healthy(self, timeout: float = 2.0) -> bool:
        """Whether a fake server answers `/health` here."""
        try:
            response = self._http.get(f"{self.url}/health", timeout=timeout)
            return response.status_code == 200 and response.json().get("status") == "ok"
        except (requests.RequestException, ValueError):
            return False

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if method != "GET":  # no change goes out once the lease is gone
            self.check_lease()
        try:
            headers = {LEASE_HEADER: self.lease} if self.lease else {}
            response = self._http.request(
                method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs
            )
        except requests.RequestException as error:
            raise ServerUnavailable(f"{self.url}{path}: {type(error).__name__}") from None
        if response.status_code in (404, 405):  # an older server without this admin route
            raise NotOffered(f"{self.url}{path}: this server does not offer it (an older version)")
        body = response.json()
        if response.status_code == 400:
            raise ScenarioRejected(body.get("key") or body.get("parameter") or "", body["message"])
        if response.status_code == 409 and self.lease is not None:  # ours lapsed or was taken
            self.lose_lease(f"{path} was refused: {body.get('message', body)}")
            self.check_lease()
        if response.status_code == 409:  # another run holds the server
            raise ServerUnavailable(f"{self.url}{path}: refused: {body.get('message', body)}")
        if response.status_code != 200:
            raise ServerUnavailable(f"{self.url}{path}: HTTP {response.status_code}: {body}")
        return body

    def apply(self, document: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Make `document` (seed, speed, server) the active scenario, or only validate it."""
        path = "/__admin/scenario?dry_run=1" if dry_run else "/__admin/scenario"
        result: dict[str, Any] = self._call("PUT", path, json=document)
        return result

    def reset(self, tag: str | None = None) -> None:
        """Clear stats, attempt counters and the journal, so every run meets the same draws;
        `tag` names what comes next (the journal reports it)."""
        self._call("POST", "/__admin/reset", **({} if tag is None else {"json": {"tag": tag}}))

    def journal(self, **filters: str | int | None) -> dict[str, Any]:
        """One page of the request journal (filters: zip, route, status, since, limit);
        NotOffered from a server that keeps none."""
        params = {name: value for name, value in filters.items() if value is not None}
        result: dict[str, Any] = self._call("GET", "/__admin/journal", params=params)
        return result

    def stats(self) -> dict[str, Any]:
        """The server's own accounting since the last reset."""
        result: dict[str, Any] = self._call("GET", "/__admin/stats")
        return result

    def warm(self, zips: Sequence[str], route: str, per_page: int | None) -> None:
        """Have the server render the workload's pages before any client is timed."""
        body = {"zips": list(zips), "route": route, "per_page": per_page}
        self._call("POST", "/__admin/warm", json=body)

    def preview(
        self,
        zips: Sequence[str],
        concurrency: Sequence[int],
        timeout: float | None,
        route: str,
        per_page: int | None,
    ) -> dict[str, Any]:
        """What the active scenario will do to this workload."""
        body = {
            "zips": list(zips),
            "concurrency": sorted(set(concurrency)),
            "timeout": timeout,
            "route": route,
            "per_page": per_page,
        }
        result: dict[str, Any] = self._call("POST", "/__admin/preview", json=body)
        return result
