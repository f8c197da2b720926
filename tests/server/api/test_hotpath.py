"""The handlers built once per route: the same answers as the envelopes render, and requests
that end when their client leaves.

Waits are bounded polls on /__admin/stats and the journal, never timed assertions.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp.test_utils import TestClient

from tests.helpers import POLL_DEADLINE, LiveServer, poll_stats

ZIP = "90011"
JOBS = f"/api/jobs?LocationId={ZIP}&NumberOfJobs=2"


# --- a request whose client has gone ends ---------------------------------------------------


@pytest.mark.parametrize(
    ("server", "fault"),
    [
        pytest.param({"latency": {"model": "fixed", "value": 3600}}, None, id="hour-delay"),
        pytest.param({"faults": {"hang": 1.0, "hang_cap": 3600}}, "hang", id="hang"),
        pytest.param(
            {"faults": {"slow_body": 1.0, "slow_body_bps": 1}}, "slow_body", id="slow-body"
        ),
    ],
)
def test_a_request_ends_when_its_client_gives_up(
    live_server: LiveServer, server: dict[str, Any], fault: str | None
) -> None:
    # Served like `web.run_app` serves by default (no handler cancellation): the handler itself
    # must notice that the client left, not hold a timer (or a slow body) for an hour.
    live_server.put_scenario({"server": server})
    with pytest.raises((requests.Timeout, requests.ConnectionError)):  # a slow body: the latter
        live_server.get(JOBS, timeout=0.3)
    stats = poll_stats(live_server, lambda s: s["in_flight"] == 0 and s["requests"] == 1)
    assert stats["max_in_flight"] == 1
    entries = live_server.get("/__admin/journal").json()["entries"]
    assert [(e["status"], e["fault"]) for e in entries] == [("gone", fault)]
    assert entries[0]["end"] < 60  # ended when the client left, not at the hour's end


async def test_handler_cancellation_ends_it_too(client: TestClient, put_scenario: Any) -> None:
    # aiohttp's TestServer cancels the handler on disconnect, as `python -m server` does.
    await put_scenario(client, {"server": {"latency": {"model": "fixed", "value": 3600}}})
    with pytest.raises(TimeoutError):
        async with client.get(JOBS, timeout=aiohttp.ClientTimeout(total=0.2)) as response:
            await response.read()
    deadline = time.monotonic() + POLL_DEADLINE
    while True:
        async with client.get("/__admin/journal") as response:
            entries = (await response.json())["entries"]
        if entries:
            break
        assert time.monotonic() < deadline, "the abandoned request never ended"
        await asyncio.sleep(0.02)
    assert entries[0]["status"] == "gone"
    async with client.get("/__admin/stats") as response:
        stats = await response.json()
    assert stats["in_flight"] == 0
    assert stats["routes"]["jobs"]["statuses"] == {"gone": 1}


# --- answers are unchanged by the handlers built once per route -----------------------------


async def test_the_api_answers_what_the_envelopes_render(client: TestClient) -> None:
    from server.api import envelopes

    for path, body in (
        (JOBS, envelopes.render_jobs(0, ZIP, 2, 1)),
        (f"/api/search?LocationName={ZIP}", envelopes.render_search(0, ZIP, 250, 1)),
        (f"/api/Search?LocationName={ZIP}&Page=2&ResultsPerPage=3",
         envelopes.render_search(0, ZIP, 3, 2)),
    ):  # fmt: skip
        async with client.get(path) as response:
            assert response.status == 200
            assert response.content_type == "application/json"
            assert response.headers["Server-Timing"].startswith(
                "intended;dur=0.000, queue;dur=0.000, overshoot;dur="
            )
            assert await response.read() == body
    async with client.head(JOBS) as response:
        assert response.status == 200 and await response.read() == b""
