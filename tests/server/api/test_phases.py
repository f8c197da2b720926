"""Phases and `abandon` as a real client meets them on the real server.

The phase tests inject the app's clock: a request's phase is decided by its arrival on that
clock, so moving the clock between requests switches phases at exactly the stated times.
The `abandon` tests run on the real clock and compare the server's own times (journal
entries), never a wall-time budget.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.config.parser import parse_config
from server.state import STATE
from tests.helpers import FakeClock, get_json, server

JOBS = "/api/jobs?LocationId=10001"
OUTAGE: dict[str, Any] = server(
    capacity={"workers": 4, "queue": 4},
    phases=[
        {"name": "outage", "at": 10, "for": 5, "faults": {"error_503": 1.0}},
        {"name": "narrow", "at": 20, "for": 5, "capacity": {"workers": 1, "queue": 0}},
    ],
)


async def status_at(client: TestClient, clock: FakeClock, now: float) -> int:
    clock.now = now
    async with client.get(JOBS) as response:
        await response.read()
        return response.status


async def test_the_phase_at_arrival_picks_the_server_on_the_injected_clock(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    clock = FakeClock(100.0)
    client = await aiohttp_client(create_app(parse_config(OUTAGE), clock=clock))
    async with client.post("/__admin/reset") as response:  # phases count from here: 100.0
        assert response.status == 200
    times = [0.0, 9.999, 10.0, 14.999, 15.0, 30.0]
    statuses = [await status_at(client, clock, 100.0 + t) for t in times]
    assert statuses == [200, 200, 503, 503, 200, 200]
    journal = await get_json(client, "/__admin/journal")
    phases = [(e["arrival"], e["phase"]) for e in journal["entries"]]
    assert phases == [(0.0, None), (9.999, None), (10.0, "outage"), (14.999, "outage"),
                      (15.0, None), (30.0, None)]  # fmt: skip
    clock.now = 122.0
    stats = await get_json(client, "/__admin/stats")
    assert stats["phase"] == "narrow"
    by_name = {p["name"]: p for p in stats["phases"]}
    assert by_name["base"]["statuses"] == {"200": 4}
    assert by_name["outage"] == {"name": "outage", "at": 10.0, "for": 5.0, "requests": 2,
                                 "statuses": {"503": 2}}  # fmt: skip
    assert by_name["narrow"]["requests"] == 0


async def test_a_capacity_phase_resizes_the_gate_at_its_start_and_end(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    clock = FakeClock()
    client = await aiohttp_client(create_app(parse_config(OUTAGE), clock=clock))
    live = client.app[STATE]
    assert await status_at(client, clock, 19.0) == 200
    assert live.gate is not None and live.gate.workers == 4
    assert await status_at(client, clock, 20.0) == 200
    assert live.gate.workers == 1 and live.gate.queue == 0
    assert await status_at(client, clock, 25.0) == 200
    assert live.gate.workers == 4


async def test_preview_and_scenario_show_the_phases(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    client = await aiohttp_client(create_app(parse_config(OUTAGE)))
    scenario = await get_json(client, "/__admin/scenario")
    assert [p["name"] for p in scenario["server"]["phases"]] == ["outage", "narrow"]
    preview = await get_json(client, "/__admin/preview?zips=10001,10002")
    outage, narrow = preview["phases"]
    assert (outage["name"], outage["at"], outage["for"]) == ("outage", 10.0, 5.0)
    assert outage["changes"] == {"name": "outage", "faults": {"error_503": 1.0}}
    assert (narrow["workers"], narrow["abandon"]) == (1, "drop")


async def abandoned_then_next(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """One request whose client gives up long before its planned delay, then another one."""
    quick = aiohttp.ClientTimeout(total=0.05)
    with contextlib.suppress(asyncio.TimeoutError):
        async with client.get(JOBS, timeout=quick) as response:
            await response.read()
    async with client.get("/api/jobs?LocationId=10002") as response:
        assert response.status == 200
        await response.read()
    for _ in range(200):  # the abandoned one may be journaled after the second (keep)
        entries = (await get_json(client, "/__admin/journal"))["entries"]
        if len(entries) == 2:
            break
        await asyncio.sleep(0.05)
    gone, served = sorted(entries, key=lambda e: e["arrival"])
    assert (gone["status"], served["status"]) == ("gone", 200)
    return gone, served


def slow_server(abandon: str) -> dict[str, Any]:
    return server(latency={"model": "fixed", "value": 0.6},
                  capacity={"workers": 1, "queue": 4, "abandon": abandon})  # fmt: skip


async def test_abandon_keep_works_a_request_to_its_end_after_its_client_left(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    client = await aiohttp_client(create_app(parse_config(slow_server("keep"))))
    gone, served = await abandoned_then_next(client)
    assert gone["end"] >= gone["start"] + gone["intended"]  # the whole delay was worked
    # and the next one, sent when the first gave up, waited for that worker most of the delay
    assert served["queue_wait"] > gone["intended"] / 2


async def test_abandon_drop_frees_the_worker_when_the_client_leaves(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    client = await aiohttp_client(create_app(parse_config(slow_server("drop"))))
    gone, served = await abandoned_then_next(client)
    assert gone["end"] < gone["start"] + gone["intended"]  # stopped before its planned end
    assert served["queue_wait"] < gone["intended"] / 2  # and the next one had it at once
