"""What several test modules share: a free loopback port, the live server in a thread, and
run states written the way result files write them; then, in the clients section, the
checkout's root, polling, scenario files, the talk's sums and a server set up for a run.

Fixtures built on these live in `conftest.py`; result documents and outcomes built by hand
live in `builders.py`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests
from aiohttp import web
from aiohttp.test_utils import TestClient

from clients.records import RunState, parse_state
from server.api.data import job_count
from server.state import STATE, State

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 10.0  # seconds to wait for a background server to start or stop


def free_port() -> int:
    """A loopback port nothing listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def state_of(skipped: str | None) -> dict[str, Any]:
    """`state=` and `reason=` keywords from a saved `skipped` text (`"failed: killed"`)."""
    state, reason = parse_state(skipped)
    return {"state": state, "reason": reason}


__all__ = ["LOOPBACK", "LiveServer", "RunState", "free_port", "state_of"]


class LiveServer:
    """The app on 127.0.0.1 at a free port, served by an event loop in a background thread."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.host = LOOPBACK
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:41234`."""
        return f"http://{self.host}:{self.port}"

    @property
    def state(self) -> State:
        """The app's live state (read it only; the server thread owns it)."""
        return self.app[STATE]

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _start(self) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port: int = self._runner.addresses[0][1]
        return port

    def start(self) -> LiveServer:
        """Start the loop thread and the site; return once the port is listening."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        self.port = future.result(START_TIMEOUT)
        return self

    def stop(self) -> None:
        """Close the site and its connections, stop the loop, join the thread."""
        if not self._thread.is_alive():
            return
        try:
            cleanup = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop)
            cleanup.result(START_TIMEOUT)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(START_TIMEOUT)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """`requests.get` on this server (timeout 10 s unless given)."""
        kwargs.setdefault("timeout", 10)
        return requests.get(self.url + path, **kwargs)

    def put_scenario(self, document: Mapping[str, Any]) -> Any:
        """PUT a configuration document to /__admin/scenario; assert it was accepted."""
        response = requests.put(self.url + "/__admin/scenario", json=document, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()


# --- server ---------------------------------------------------------------------------------
# What the server's tests share (tests/server/...): documents, a GET that must answer JSON,
# and polls of /__admin/stats bounded by the one deadline.

POLL_DEADLINE = 15.0  # seconds a poll waits for the server to reach a state: a bound, not a figure
POLL_INTERVAL = 0.01  # seconds between two looks


HOLDER = {"scenario": "quick", "pid": 4242}  # who takes the lease in the lease's tests
OTHER_HOLDER = {"scenario": "sweep-b", "pid": 777, "host": "box", "started": 1.5}


class FakeClock:
    """A clock that only moves when the test says so (`clock.now = ...`)."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def server(**section: Any) -> dict[str, Any]:
    """A configuration document of this `[server]` section alone."""
    return {"server": section}


async def get_json(client: TestClient, path: str, **kwargs: Any) -> Any:
    """GET `path`, assert 200 and a JSON content type, return the decoded body."""
    async with client.get(path, **kwargs) as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "application/json"
        return await response.json()


async def stats_of(client: TestClient) -> dict[str, Any]:
    """`/__admin/stats` as it is now."""
    async with client.get("/__admin/stats") as response:
        stats: dict[str, Any] = await response.json()
    return stats


async def wait_for_stats(client: TestClient, ready: Callable[[dict[str, Any]], bool]) -> Any:
    """Poll /__admin/stats until `ready(stats)` holds (bounded: fails the test past it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + POLL_DEADLINE
    while not ready(stats := await stats_of(client)):
        assert loop.time() < deadline, f"server never reached the state; last stats: {stats}"
        await asyncio.sleep(POLL_INTERVAL)
    return stats


def poll_stats(live: LiveServer, ready: Callable[[dict[str, Any]], bool]) -> Any:
    """`wait_for_stats` for a blocking `LiveServer`."""
    deadline = time.monotonic() + POLL_DEADLINE
    while not ready(stats := live.get("/__admin/stats").json()):
        assert time.monotonic() < deadline, f"server never reached the state; last: {stats}"
        time.sleep(POLL_INTERVAL)
    return stats


def asker(peer: Any = None, client: str | None = None) -> Any:
    """A stand-in for a request as the journal reads it (`Stats.finished`): its peer, and the
    client its `X-Client` header names."""
    headers = {} if client is None else {"X-Client": client}
    return SimpleNamespace(protocol=SimpleNamespace(peername=peer), headers=headers)


# --- clients ---------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent  # the checkout
FIXED_10MS = 'latency = { model = "fixed", value = 0.01 }'  # a server section's usual line


def wait_for(condition: Callable[[], object], limit: float = POLL_DEADLINE) -> bool:
    """Poll `condition()` every 0.05 s until it holds or `limit` seconds pass."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def write_scenario(
    folder: Path,
    clients: str = "[clients.asyncio]\n",
    *,
    name: str = "tiny",
    zips: Sequence[str] = ("90011", "10001"),
    server: str = FIXED_10MS,
    description: str | None = None,
    seed: int | None = None,
    repeat: int | None = None,
) -> Path:
    """`folder/NAME.toml`: the zips, the server section's lines, the client tables, and the top
    keys given (the others keep their defaults)."""
    top = [f'name = "{name}"']
    top += [f'description = "{description}"'] if description is not None else []
    top += [f"seed = {seed}"] if seed is not None else []
    top += [f"repeat = {repeat}"] if repeat is not None else []
    path = folder / f"{name}.toml"
    path.write_text("\n".join(top) + f"\n[workload]\nzips = {json.dumps(list(zips))}\n"
                    f"[server]\n{server}\n{clients}", encoding="utf-8")  # fmt: skip
    return path


def jobs_in(zips: Sequence[str], seed: int = 0) -> int:
    """What summing the job counts of `zips` gives: what every client must sum."""
    return sum(job_count(seed, z) for z in zips)


def configure(
    server: LiveServer,
    *,
    latency: float = 0.002,
    faults: Mapping[str, float] | None = None,
    rate_limit: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> None:
    """PUT a scenario (fixed latency, optional faults and rate limit), then reset the server."""
    section: dict[str, Any] = {"latency": {"model": "fixed", "value": latency}}
    if faults is not None:
        section["faults"] = dict(faults)
    if rate_limit is not None:
        section["rate_limit"] = dict(rate_limit)
    server.put_scenario({"seed": seed, "server": section})
    response = requests.post(f"{server.url}/__admin/reset", timeout=10)
    assert response.status_code == 200, response.text


def client_lines(text: str, name: str) -> list[str]:
    """The lines of a printed table that begin with the client `name`."""
    return [line for line in text.splitlines() if line.lstrip().startswith(f"{name} ")]
