"""Talking to the fake server over HTTP: health, admin API, and an embedded server process.

The clients never import `server`; they start it as a subprocess and speak to its admin API.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import requests

from clients.errors import ServerUnavailable

START_TIMEOUT = 30.0  # seconds an embedded server may take to say where it listens


class ScenarioRejected(Exception):
    """The server refused the scenario's server section; `key` names the offending key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class ServerControl:
    """The admin API of one running server."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._http = requests.Session()

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
            response = self._http.request(method, f"{self.url}{path}", timeout=60, **kwargs)
        except requests.RequestException as error:
            raise ServerUnavailable(f"{self.url}{path}: {type(error).__name__}") from None
        body = response.json()
        if response.status_code == 400:
            raise ScenarioRejected(body.get("key") or body.get("parameter") or "", body["message"])
        if response.status_code != 200:
            raise ServerUnavailable(f"{self.url}{path}: HTTP {response.status_code}: {body}")
        return body

    def apply(self, document: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Make `document` (seed, speed, server) the active scenario, or only validate it."""
        path = "/__admin/scenario?dry_run=1" if dry_run else "/__admin/scenario"
        result: dict[str, Any] = self._call("PUT", path, json=document)
        return result

    def reset(self) -> None:
        """Clear stats and attempt counters, so every run meets the same draws."""
        self._call("POST", "/__admin/reset")

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


class EmbeddedServer:
    """`python -m server` on a free loopback port, for as long as this object is open."""

    def __init__(self, python: str = sys.executable) -> None:
        # stderr goes to a file, not a pipe: nobody reads a pipe after start-up, and a server
        # whose pipe fills up blocks on its next log line — its whole event loop with it.
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (stop() closes it)
        self.process = subprocess.Popen(
            [python, "-m", "server", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                line = self.process.stdout.readline()
                if line.startswith("serving on "):
                    return line.split()[2]
                if not line:
                    break
        self.stop()
        raise ServerUnavailable(f"the embedded server did not start: {self._stderr_tail()}")

    def _stderr_tail(self) -> str:
        self._log.seek(0)
        text = self._log.read().strip().splitlines()
        return text[-1] if text else f"exit code {self.process.returncode}"

    def stop(self) -> None:
        """End the server we started, by its PID, politely first."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()
