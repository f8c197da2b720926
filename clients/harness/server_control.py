"""Talking to the fake server over HTTP: health and the admin API.

The clients never import `server`; they speak to it over HTTP only.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import requests

from .. import __version__
from ..errors import LeaseLost, NotOffered, ScenarioRejected, ServerUnavailable
from ..files import MAX_FILE_BYTES, limit_message

LEASE_HEADER: Final = "X-Lease"  # the lease's token, which the server wants on every change


SERVER_NAME: Final = "asynchronicity"  # what our server's /health says it is (`name`)


def said(body: dict[str, Any]) -> str:
    """What an error answer says, as a sentence: its message, else its reason."""
    return str(body.get("message") or body.get("error") or "no reason given")


def too_large(response: requests.Response) -> str:
    """What a 413 says: its message when it is the fake server's JSON, else its status line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return f"HTTP 413 {response.reason or 'Request Entity Too Large'}"


def identity_problem(status: int, health: Any) -> str | None:
    """Why a `/health` answer (its status, its JSON or None) is not this project's server of
    this version, or None. An older server of ours says no `name`: its answer's shape (a
    version, a seed, a pid) stands for it."""
    if not isinstance(health, dict):
        return f"something else answers there (/health: HTTP {status}, not the fake server's JSON)"
    if status != 200 or health.get("status") != "ok":
        return f"the server there is not well (/health: HTTP {status}: {health.get('message', '')})"
    name = health.get("name")
    shaped = all(isinstance(health.get(key), int | str) for key in ("version", "seed", "pid"))
    if name != SERVER_NAME and not (name is None and shaped):
        said = f"name {name!r}" if name is not None else "no name, no version"
        return f"another program answers there (/health says {said}, not {SERVER_NAME!r})"
    if health.get("version") != __version__:
        return (f"the fake server there is version {health.get('version')}, these clients are "
                f"{__version__}: run the server of this install")  # fmt: skip
    return None


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
        return self.not_ours(timeout) is None

    def not_ours(self, timeout: float = 2.0) -> str | None:
        """Why what answers here is not this project's fake server (nothing answers, another
        program's `/health`, another version of ours), or None when it is: asked before
        anything is changed there."""
        try:
            response = self._http.get(f"{self.url}/health", timeout=timeout)
        except requests.RequestException:
            return "no fake server answers there"
        try:
            health = response.json()
        except ValueError:
            health = None
        return identity_problem(response.status_code, health)

    def _call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        if method != "GET":  # no change goes out once the lease is gone
            self.check_lease()
        try:
            headers = {**(headers or {}), **({LEASE_HEADER: self.lease} if self.lease else {})}
            response = self._http.request(
                method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs
            )
        except requests.RequestException as error:
            raise ServerUnavailable(f"{self.url}{path}: {type(error).__name__}") from None
        if response.status_code in (404, 405):  # an older server without this admin route
            raise NotOffered(f"{self.url}{path}: this server does not offer it (an older version)")
        if response.status_code == 413:  # its JSON, or aiohttp's own text: a sentence either way
            raise ServerUnavailable(f"{self.url}{path}: the server refused the request as too "
                                    f"large ({too_large(response)})")  # fmt: skip
        try:
            body = response.json()
        except ValueError:  # not the fake server's admin API (a proxy's page, another program)
            raise ServerUnavailable(f"{self.url}{path}: HTTP {response.status_code} without the "
                                    "JSON the fake server answers") from None  # fmt: skip
        if not isinstance(body, dict):
            raise ServerUnavailable(f"{self.url}{path}: HTTP {response.status_code}: not a JSON "
                                    "object")  # fmt: skip
        if response.status_code == 400:
            raise ScenarioRejected(body.get("key") or body.get("parameter") or "", body["message"])
        if response.status_code == 409 and self.lease is not None:  # ours lapsed or was taken
            self.lose_lease(f"{path} was refused: {body.get('message', body)}")
            self.check_lease()
        if response.status_code == 409:  # another run holds the server
            raise ServerUnavailable(f"{self.url}{path}: refused: {said(body)}")
        if response.status_code != 200:
            raise ServerUnavailable(f"{self.url}{path}: HTTP {response.status_code}: {said(body)}")
        return body

    def apply(self, document: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Make `document` (seed, speed, server) the active scenario, or only validate it.

        Raises ScenarioRejected naming `server` for a document over the server's body limit,
        before a byte is sent (JSON writes é as six bytes: a file under the limit can be over).
        """
        path = "/__admin/scenario?dry_run=1" if dry_run else "/__admin/scenario"
        body = json.dumps(document, allow_nan=False).encode()
        if len(body) > MAX_FILE_BYTES:
            too_big = limit_message(len(body), what="a scenario's JSON")
            raise ScenarioRejected("server", f"the server would refuse it: {too_big}")
        json_type = {"Content-Type": "application/json"}
        result: dict[str, Any] = self._call("PUT", path, data=body, headers=json_type)
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
