"""Talking to the fake server over HTTP: health and the admin API.

The clients never import `server`; they speak to it over HTTP only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import requests

from ..errors import NotOffered, ScenarioRejected, ServerUnavailable

LEASE_HEADER: Final = "X-Lease"  # the lease's token, which the server wants on every change


class ServerControl:
    """The admin API of one running server."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._http = requests.Session()
        self.lease: str | None = None  # the token of the lease this run holds (`harness.lease`)

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
        if response.status_code == 409:  # another run holds the server, or ours lapsed
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
