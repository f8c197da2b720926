"""Every client kind against the real fake server, with faults set through the admin API.

The server runs in a background thread (`live_server` from conftest); each client runs in
this process through `loader.load(kind)`, exactly as a worker would run it. Latencies are a
few milliseconds and workloads a few zips, so the whole file takes seconds.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest

import clients.policy
from clients.kinds import in_flight, loader
from clients.policy import real_delay
from clients.progress import Progress
from clients.protocol import total_jobs
from clients.records import Attempt, ClientSettings
from clients.zipsets import MEMPY_2015
from server.api.data import job_count
from tests.helpers import configure, jobs_in

ZIPS_10 = list(MEMPY_2015[:10])

VARIANTS = {
    "blocking": ClientSettings(kind="blocking"),
    "blocking-session": ClientSettings(kind="blocking", shared_session=True),
    "threaded-per-zip": ClientSettings(kind="threaded"),
    "threaded-pool": ClientSettings(kind="threaded", concurrency=4),
    "asyncio-unlimited": ClientSettings(kind="asyncio"),
    "asyncio-limited": ClientSettings(kind="asyncio", concurrency=4),
    "uvloop": ClientSettings(kind="uvloop"),
    "httpx-limited": ClientSettings(kind="httpx", concurrency=4),
}
KINDS = [pytest.param(settings, id=name) for name, settings in VARIANTS.items()]


def run(settings: ClientSettings, zips: Sequence[str], url: str, **changes: Any) -> list[Attempt]:
    """One client run in this process; every zip must be ticked off exactly once."""
    settings = replace(settings, **changes)
    progress = Progress()
    attempts = loader.load(settings.kind)(list(zips), url, settings, progress)
    assert progress.done == len(zips)
    return attempts


def by_zip(attempts: Sequence[Attempt]) -> dict[str, list[Attempt]]:
    """Each zip's attempts in order."""
    grouped: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        grouped.setdefault(attempt.zip, []).append(attempt)
    return {z: sorted(a, key=lambda x: x.attempt) for z, a in grouped.items()}


def check_shape(attempts: Sequence[Attempt], zips: Sequence[str], retries: int) -> None:
    """Every zip asked; attempts numbered 0..n-1; only the last may succeed; within budget."""
    grouped = by_zip(attempts)
    assert sorted(grouped) == sorted(zips)
    for per_zip in grouped.values():
        assert [a.attempt for a in per_zip] == list(range(len(per_zip)))
        assert len(per_zip) <= retries + 1
        assert not any(a.ok for a in per_zip[:-1])
        for a in per_zip:
            assert a.end >= a.start >= 0.0


# --- correct totals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "api", [pytest.param("jobs", id="jobs"), pytest.param("search", id="search")]
)
@pytest.mark.parametrize("settings", KINDS)
def test_mempy_2015_sums_to_1651(live_server: Any, settings: ClientSettings, api: str) -> None:
    configure(live_server, latency=0.001)
    attempts = run(settings, MEMPY_2015, live_server.url, api=api)
    assert total_jobs(attempts) == 1651
    assert len(attempts) == 100
    assert all(a.ok and a.attempt == 0 and a.status == 200 for a in attempts)
    check_shape(attempts, MEMPY_2015, retries=0)
    assert {a.zip: a.jobs for a in attempts} == {z: job_count(0, z) for z in MEMPY_2015}


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(ClientSettings(kind="processes", concurrency=2), id="processes"),
        pytest.param(ClientSettings(kind="javascript"), id="javascript"),
    ],
)
def test_more_kinds_sum_to_1651(live_server: Any, settings: ClientSettings) -> None:
    if settings.kind == "javascript" and shutil.which("node") is None:
        pytest.skip("node is not installed")
    configure(live_server, latency=0.001)
    attempts = run(settings, MEMPY_2015, live_server.url)
    assert total_jobs(attempts) == 1651
    check_shape(attempts, MEMPY_2015, retries=0)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(ClientSettings(kind="threaded", concurrency=3), id="threaded-pool"),
        pytest.param(ClientSettings(kind="asyncio", concurrency=3), id="asyncio-limited"),
        pytest.param(ClientSettings(kind="uvloop", concurrency=3), id="uvloop-limited"),
        pytest.param(ClientSettings(kind="httpx", concurrency=3), id="httpx-limited"),
        pytest.param(ClientSettings(kind="blocking"), id="blocking"),
    ],
)
def test_lanes_never_exceed_the_concurrency(live_server: Any, settings: ClientSettings) -> None:
    configure(live_server, latency=0.005)
    attempts = run(settings, ZIPS_10, live_server.url)
    assert total_jobs(attempts) == jobs_in(ZIPS_10)
    assert {a.lane for a in attempts} <= set(range(in_flight(settings)))


def test_server_timing_is_recorded(live_server: Any) -> None:
    zips = ZIPS_10[:5]
    for settings in VARIANTS.values():
        configure(live_server, latency=0.015)
        attempts = run(settings, zips, live_server.url)
        assert total_jobs(attempts) == jobs_in(zips)
        for a in attempts:
            assert a.intended == pytest.approx(0.015, abs=1e-6), settings
            assert a.queue == 0.0
            assert a.overshoot is not None and a.overshoot >= 0.0


# --- faults -------------------------------------------------------------------------------


@pytest.mark.parametrize("settings", KINDS)
def test_every_500_exhausts_the_retries(live_server: Any, settings: ClientSettings) -> None:
    configure(live_server, faults={"error_500": 1.0})
    attempts = run(settings, ZIPS_10, live_server.url, retries=2, backoff=0.0)
    assert total_jobs(attempts) == 0
    check_shape(attempts, ZIPS_10, retries=2)
    for per_zip in by_zip(attempts).values():
        assert [a.attempt for a in per_zip] == [0, 1, 2]
        assert all(a.status == 500 and a.error == "http_500" and a.jobs is None for a in per_zip)


MIXED = {"error_500": 0.1, "error_503": 0.1, "reset": 0.1, "truncate": 0.05, "malformed": 0.05}


@pytest.mark.parametrize("settings", KINDS)
def test_retries_recover_from_a_mix_of_faults(live_server: Any, settings: ClientSettings) -> None:
    zips = list(MEMPY_2015[:30])
    configure(live_server, faults=MIXED, seed=1)
    attempts = run(settings, zips, live_server.url, retries=6, backoff=0.001, backoff_max=0.002)
    check_shape(attempts, zips, retries=6)
    assert total_jobs(attempts) == jobs_in(zips, seed=1)
    assert all(per_zip[-1].ok for per_zip in by_zip(attempts).values())
    retried = [a for a in attempts if a.attempt > 0]
    assert retried
    errors = {a.error for a in attempts if not a.ok}
    assert errors
    assert errors <= {"http_500", "http_503", "connection", "payload", "malformed"}


@pytest.mark.parametrize(
    ("faults", "status", "error", "timeout"),
    [
        pytest.param({"reset": 1.0}, None, "connection", 5.0, id="reset"),
        pytest.param({"hang": 1.0, "hang_cap": 2.0}, None, "timeout", 0.3, id="hang"),
        pytest.param({"malformed": 1.0}, 200, "malformed", 5.0, id="malformed"),
        pytest.param({"truncate": 1.0}, None, "payload", 5.0, id="truncate"),
        pytest.param({"error_503": 1.0}, 503, "http_503", 5.0, id="503"),
    ],
)
@pytest.mark.parametrize("settings", KINDS)
def test_fault_error_kinds(
    live_server: Any,
    settings: ClientSettings,
    faults: dict[str, float],
    status: int | None,
    error: str,
    timeout: float,
) -> None:
    zips = ZIPS_10[:3]
    configure(live_server, faults=faults)
    attempts = run(settings, zips, live_server.url, timeout=timeout, retries=0)
    check_shape(attempts, zips, retries=0)
    assert total_jobs(attempts) == 0
    assert [(a.status, a.error, a.jobs) for a in attempts] == [(status, error, None)] * len(zips)


def test_non_retryable_status_is_not_retried(live_server: Any) -> None:
    """A 400 (a zip the server refuses) is final: no retries spent on it."""
    settings = ClientSettings(kind="asyncio", retries=3, backoff=0.0)
    configure(live_server)
    attempts = run(settings, ["1234x"], live_server.url)
    assert [(a.attempt, a.status, a.error) for a in attempts] == [(0, 400, "http_400")]


@pytest.fixture
def asked_waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[float | None, float]]]:
    """Spy on `policy.real_delay` as both request loops reach it: (asked, delay) per retry."""
    calls: list[tuple[float | None, float]] = []

    def spy(settings: ClientSettings, wait: float, asked: float | None) -> float:
        delay = real_delay(settings, wait, asked)
        calls.append((asked, delay))
        return delay

    monkeypatch.setattr(clients.policy, "real_delay", spy)
    yield calls


@pytest.mark.parametrize("settings", KINDS)
def test_rate_limit_honours_retry_after_ms(
    live_server: Any, settings: ClientSettings, asked_waits: list[tuple[float | None, float]]
) -> None:
    zips = ZIPS_10[:6]
    configure(live_server, rate_limit={"rate": 50.0, "burst": 1})
    # A 1 ms backoff could never outlast the bucket: only the server's wait gets these through.
    attempts = run(settings, zips, live_server.url, retries=20, backoff=0.001, backoff_max=0.001)
    check_shape(attempts, zips, retries=20)
    assert total_jobs(attempts) == jobs_in(zips)
    refused = [a for a in attempts if not a.ok]
    assert refused
    assert all((a.status, a.error) == (429, "http_429") for a in refused)
    assert len(asked_waits) == len(refused)  # every refusal was retried after a wait
    for asked, delay in asked_waits:
        # Retry-After is whole seconds (>= 1); a sub-second wait can only be Retry-After-Ms.
        assert asked is not None and 0.0 < asked < 1.0
        assert delay == asked
