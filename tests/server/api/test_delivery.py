"""Latency, faults, rate limit and capacity as a real client meets them, set via the admin API.

No test asserts how long anything took: timings are read from the Server-Timing header,
which reports what the server *intended*, and waits are bounded polls on /__admin/stats.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp.test_utils import TestClient

from tests.helpers import poll_stats, wait_for_stats

ZIP = "90011"
OTHER = "60629"
JOBS = f"/api/jobs?LocationId={ZIP}&NumberOfJobs=2"
FEW_SECONDS = aiohttp.ClientTimeout(total=5)


def fixed(seconds: float) -> dict[str, Any]:
    return {"model": "fixed", "value": seconds}


def faults(**rates: float) -> dict[str, Any]:
    return {"server": {"faults": rates}}


def server_timing(header: str) -> dict[str, str]:
    """`intended;dur=50.000, queue;dur=0.000, ...` as {"intended": "50.000", ...}."""
    metrics: dict[str, str] = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        metrics[name] = duration
    return metrics


async def timing_of(client: TestClient, path: str) -> dict[str, str]:
    """GET `path`, assert 200 and valid JSON, return its parsed Server-Timing header."""
    async with client.get(path, timeout=FEW_SECONDS) as response:
        assert response.status == 200, await response.text()
        await response.json()
        return server_timing(response.headers["Server-Timing"])


async def correct_body(client: TestClient, path: str, put_scenario: Any) -> bytes:
    """The fault-free body of `path` (bodies never depend on the attempt number)."""
    await put_scenario(client, {})
    async with client.get(path) as response:
        assert response.status == 200
        return await response.read()


# --- latency -------------------------------------------------------------------------------


async def test_fixed_latency_shows_in_server_timing(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, {"server": {"latency": fixed(0.05)}})
    async with client.get(JOBS) as response:
        assert response.status == 200
        assert (await response.json())["TotalJobs"] == "28"
        header = response.headers["Server-Timing"]
    assert header.startswith("intended;dur=50.000, queue;dur=0.000, overshoot;dur=")
    metrics = server_timing(header)
    assert list(metrics) == ["intended", "queue", "overshoot"]
    float(metrics["overshoot"])  # a number; its value is the machine's business


async def test_no_injection_means_zero_intended(client: TestClient) -> None:
    metrics = await timing_of(client, JOBS)
    assert metrics["intended"] == "0.000"
    assert metrics["queue"] == "0.000"


async def test_speed_two_halves_the_intended_delay(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, {"speed": 2, "server": {"latency": fixed(0.1)}})
    assert (await timing_of(client, JOBS))["intended"] == "50.000"
    await put_scenario(client, {"speed": 0.5, "server": {"latency": fixed(0.01)}})
    assert (await timing_of(client, JOBS))["intended"] == "20.000"


async def test_per_zip_override_applies_only_to_that_zip(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(client, {"server": {"zips": {ZIP: {"latency": fixed(0.05)}}}})
    assert (await timing_of(client, f"/api/jobs?LocationId={ZIP}"))["intended"] == "50.000"
    assert (await timing_of(client, f"/api/search?LocationName={ZIP}"))["intended"] == "50.000"
    assert (await timing_of(client, f"/api/jobs?LocationId={OTHER}"))["intended"] == "0.000"
    assert (await timing_of(client, f"/api/search?LocationName={OTHER}"))["intended"] == "0.000"


async def test_per_route_override_applies_only_to_that_route(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(client, {"server": {"routes": {"search": {"latency": fixed(0.02)}}}})
    assert (await timing_of(client, f"/api/search?LocationName={ZIP}"))["intended"] == "20.000"
    assert (await timing_of(client, f"/api/Search?LocationName={ZIP}"))["intended"] == "20.000"
    assert (await timing_of(client, f"/api/jobs?LocationId={ZIP}"))["intended"] == "0.000"


async def test_same_zip_attempt_sequence_after_reset_is_identical(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(
        client, {"seed": 3, "server": {"latency": {"model": "uniform", "low": 0, "high": 0.02}}}
    )
    sequence = [ZIP, ZIP, OTHER, ZIP, OTHER, "10025"]

    async def run() -> list[str]:
        return [
            (await timing_of(client, f"/api/jobs?LocationId={zip_code}&NumberOfJobs=0"))["intended"]
            for zip_code in sequence
        ]

    first = await run()
    async with client.post("/__admin/reset") as response:
        assert response.status == 200
    second = await run()
    assert first == second
    assert len(set(first)) == len(first)  # attempts of one zip draw afresh: not a constant
    # Attempt 0 of each zip is what the preview predicts.
    async with client.get(f"/__admin/preview?zips={ZIP},{OTHER},10025") as response:
        preview = await response.json()
    predicted = {item["zip"]: f"{1000 * item['delay']:.3f}" for item in preview["zips"]}
    assert [first[0], first[2], first[5]] == [predicted[ZIP], predicted[OTHER], predicted["10025"]]


# --- faults --------------------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "status"), [("error_500", 500), ("error_503", 503)])
async def test_error_faults_answer_json(
    client: TestClient, put_scenario: Any, fault: str, status: int
) -> None:
    await put_scenario(client, faults(**{fault: 1.0}))
    async with client.get(JOBS, timeout=FEW_SECONDS) as response:
        assert response.status == status
        body = await response.json()
        assert "Server-Timing" in response.headers
    assert body["status"] == status
    assert fault in body["message"]


async def test_reset_is_a_connection_error_not_a_hang(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(client, faults(reset=1.0))
    async with aiohttp.ClientSession(timeout=FEW_SECONDS) as session:
        with pytest.raises(aiohttp.ClientConnectionError) as caught:
            async with session.get(client.make_url(JOBS)) as response:
                await response.read()
    assert not isinstance(caught.value, TimeoutError), repr(caught.value)
    stats = await wait_for_stats(client, lambda s: "jobs" in s["routes"])
    assert stats["routes"]["jobs"]["statuses"].get("reset", 0) >= 1


def test_reset_is_a_connection_error_for_requests(live_server: Any) -> None:
    live_server.put_scenario(faults(reset=1.0))
    with pytest.raises(requests.ConnectionError) as caught:
        live_server.get(JOBS, timeout=5)
    assert not isinstance(caught.value, requests.Timeout), repr(caught.value)


async def test_hang_is_ended_by_the_clients_own_timeout(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(client, faults(hang=1.0, hang_cap=30))
    with pytest.raises(TimeoutError):
        async with client.get(JOBS, timeout=aiohttp.ClientTimeout(total=0.3)) as response:
            await response.read()
    # The server stops hanging once the client is gone (aiohttp's TestServer cancels the
    # handler on disconnect; `web.run_app` does not, see the requests test below).
    await wait_for_stats(client, lambda s: s["in_flight"] == 0)


def test_hang_is_ended_by_the_requests_timeout_and_noticed(live_server: Any) -> None:
    # Served like `python -m server` serves (no handler cancellation): the hang itself must
    # notice the client left, and count it, long before its 30 s cap.
    live_server.put_scenario(faults(hang=1.0, hang_cap=30))
    with pytest.raises(requests.Timeout) as caught:
        live_server.get(JOBS, timeout=0.3)
    assert not isinstance(caught.value, requests.ConnectionError), repr(caught.value)
    stats = poll_stats(live_server, lambda s: s["in_flight"] == 0 and s["requests"] == 1)
    assert stats["routes"]["jobs"]["statuses"] == {"hang": 1}
    assert stats["faults"] == {"hang": 1}


async def test_truncate_is_a_payload_error(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, faults(truncate=1.0))
    with pytest.raises(aiohttp.ClientPayloadError):
        async with client.get(JOBS, timeout=FEW_SECONDS) as response:
            assert response.status == 200
            await response.read()


async def test_malformed_is_a_200_that_is_not_json(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, faults(malformed=1.0))
    async with client.get(JOBS, timeout=FEW_SECONDS) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        assert "Server-Timing" in response.headers
        body = await response.read()
    with pytest.raises(ValueError):
        json.loads(body)
    whole = await correct_body(client, JOBS, put_scenario)
    assert whole.startswith(body) and len(body) < len(whole)


async def test_slow_body_delivers_the_whole_body(client: TestClient, put_scenario: Any) -> None:
    await put_scenario(client, faults(slow_body=1.0, slow_body_bps=20000))
    async with client.get(JOBS, timeout=FEW_SECONDS) as response:
        assert response.status == 200
        assert "Server-Timing" in response.headers
        body = await response.read()
    assert body == await correct_body(client, JOBS, put_scenario)
    assert json.loads(body)["TotalJobs"] == "28"


# --- rate limit and capacity ---------------------------------------------------------------


async def test_rate_limit_third_immediate_request_is_429(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(client, {"server": {"rate_limit": {"rate": 1, "burst": 2}}})
    statuses = []
    for _ in range(2):
        async with client.get(JOBS) as response:
            statuses.append(response.status)
    async with client.get(JOBS) as response:
        statuses.append(response.status)
        retry_after = response.headers.get("Retry-After")
        body = await response.json()
    assert statuses == [200, 200, 429]
    assert retry_after is not None and int(retry_after) >= 1
    assert "rate limit" in body["message"]


def test_rate_limit_through_requests(live_server: Any) -> None:
    live_server.put_scenario({"server": {"rate_limit": {"rate": 1, "burst": 2}}})
    with requests.Session() as session:
        responses = [session.get(live_server.url + JOBS, timeout=5) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert int(responses[2].headers["Retry-After"]) >= 1


async def test_capacity_without_queue_turns_a_concurrent_request_away(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(
        client,
        {"server": {"latency": fixed(0.3), "capacity": {"workers": 1, "queue": 0}}},
    )

    async def first_request() -> int:
        async with client.get(JOBS, timeout=FEW_SECONDS) as response:
            await response.read()
            return response.status

    first = asyncio.create_task(first_request())
    await wait_for_stats(client, lambda s: s["in_flight"] == 1)  # it holds the only worker
    async with client.get(f"/api/jobs?LocationId={OTHER}", timeout=FEW_SECONDS) as response:
        assert response.status == 503
        body = await response.json()
    assert "capacity" in body["message"]
    assert await first == 200


async def test_capacity_queue_wait_shows_in_server_timing(
    client: TestClient, put_scenario: Any
) -> None:
    await put_scenario(
        client,
        # long enough that the stats poll sees the second one queued even on a loaded CI
        {"server": {"latency": fixed(0.4), "capacity": {"workers": 1, "queue": 5}}},
    )
    first = asyncio.create_task(timing_of(client, JOBS))
    await wait_for_stats(client, lambda s: s["in_flight"] == 1)
    second = asyncio.create_task(timing_of(client, f"/api/jobs?LocationId={OTHER}"))
    await wait_for_stats(client, lambda s: s["queued"] == 1)  # waiting behind the first
    first_timing, second_timing = await first, await second
    assert first_timing["queue"] == "0.000"
    assert float(second_timing["queue"]) > 0
    assert second_timing["intended"] == "400.000"
