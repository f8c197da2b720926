"""Every client kind against the real fake server, with faults set through the admin API.

The server runs in a background thread (`live_server` from conftest); each client runs in
this process through `loader.load(kind)`, exactly as a worker would run it. Latencies are a
few milliseconds and workloads a few zips, so the whole file takes seconds.
"""

from __future__ import annotations

import json
import platform
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest
import requests

import clients.kinds._sync
import clients.kinds.asyncio
from clients.errors import WorkerFailed
from clients.harness import worker
from clients.harness.launcher import run_worker
from clients.kinds import in_flight, loader
from clients.progress import Progress
from clients.protocol import backoff_delay, total_jobs
from clients.records import Attempt, ClientSettings, RunResult
from clients.zipsets import MEMPY_2015
from server.data import job_count

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


def expected_total(zips: Sequence[str], seed: int = 0) -> int:
    """What every client should sum for `zips`."""
    return sum(job_count(seed, z) for z in zips)


def configure(
    server: Any,
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
    assert total_jobs(attempts) == expected_total(ZIPS_10)
    assert {a.lane for a in attempts} <= set(range(in_flight(settings)))


def test_server_timing_is_recorded(live_server: Any) -> None:
    zips = ZIPS_10[:5]
    for settings in VARIANTS.values():
        configure(live_server, latency=0.015)
        attempts = run(settings, zips, live_server.url)
        assert total_jobs(attempts) == expected_total(zips)
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
    assert total_jobs(attempts) == expected_total(zips, seed=1)
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
    """Spy on `backoff_delay` as both request loops call it: (asked, delay) per retry."""
    calls: list[tuple[float | None, float]] = []

    def spy(settings: ClientSettings, retry: int, asked: float | None) -> float:
        delay = backoff_delay(settings, retry, asked)
        calls.append((asked, delay))
        return delay

    monkeypatch.setattr(clients.kinds._sync, "backoff_delay", spy)
    monkeypatch.setattr(clients.kinds.asyncio, "backoff_delay", spy)
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
    assert total_jobs(attempts) == expected_total(zips)
    refused = [a for a in attempts if not a.ok]
    assert refused
    assert all((a.status, a.error) == (429, "http_429") for a in refused)
    assert len(asked_waits) == len(refused)  # every refusal was retried after a wait
    for asked, delay in asked_waits:
        # Retry-After is whole seconds (>= 1); a sub-second wait can only be Retry-After-Ms.
        assert asked is not None and 0.0 < asked < 1.0
        assert delay == asked


# --- the worker and the launcher ----------------------------------------------------------


@pytest.mark.slow  # the meter starts its sampler process
@pytest.mark.parametrize(
    ("settings", "loop"),
    [
        pytest.param(ClientSettings(kind="blocking"), "none", id="blocking"),
        pytest.param(ClientSettings(kind="threaded", concurrency=2), "none", id="threaded"),
        pytest.param(
            ClientSettings(kind="asyncio", label="asyncio-limit-2", concurrency=2),
            "asyncio",
            id="asyncio",
        ),
        pytest.param(ClientSettings(kind="uvloop"), "uvloop", id="uvloop"),
    ],
)
def test_worker_execute(live_server: Any, settings: ClientSettings, loop: str) -> None:
    configure(live_server)
    job = {"settings": settings.to_dict(), "zips": ZIPS_10, "url": live_server.url}
    result = worker.execute(job)
    assert isinstance(result, RunResult)
    assert result.client == settings.name
    assert result.settings == settings
    assert result.total == expected_total(ZIPS_10)
    assert result.skipped is None
    assert len(result.attempts) == len(ZIPS_10)
    assert list(result.attempts) == sorted(result.attempts, key=lambda a: (a.start, a.zip))
    usage = result.usage
    assert isinstance(usage.mem, int) and usage.mem >= 0
    assert usage.utime >= 0.0 and usage.stime >= 0.0
    assert usage.cpu == pytest.approx(usage.utime + usage.stime)
    assert usage.time > 0.0
    assert usage.peak_threads >= 1
    env = result.environment
    assert env["loop"] == loop
    assert env["python"] == platform.python_version()
    assert env["cpus"] >= 1
    assert {"aiohttp", "requests"} <= set(env["libraries"])
    assert RunResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


@pytest.mark.slow  # the meter starts its sampler process
def test_worker_records_failures_as_data(live_server: Any) -> None:
    configure(live_server, faults={"error_500": 1.0})
    settings = ClientSettings(kind="asyncio", retries=1, backoff=0.0)
    job = {"settings": settings.to_dict(), "zips": ZIPS_10[:4], "url": live_server.url}
    result = worker.execute(job)
    assert result.total == 0
    assert len(result.attempts) == 8
    assert all(a.error == "http_500" for a in result.attempts)


@pytest.mark.slow
def test_launcher_runs_a_worker_subprocess(live_server: Any) -> None:
    zips = list(MEMPY_2015[:60])
    configure(live_server, latency=0.01)  # at least 0.6 s one after another: progress shows
    settings = ClientSettings(kind="blocking", shared_session=True)
    job = {"settings": settings.to_dict(), "zips": zips, "url": live_server.url}
    progress: list[int] = []
    result = run_worker(job, progress.append, time_limit=60.0)
    assert result.total == expected_total(zips)
    assert result.client == "blocking"
    assert result.settings == settings
    assert len(result.attempts) == len(zips)
    assert result.usage.time > 0.0
    assert result.environment["loop"] == "none"
    assert progress, "no progress was relayed"
    assert progress == sorted(progress)
    assert all(0 <= done <= len(zips) for done in progress)


@pytest.mark.slow
def test_launcher_reports_a_crashed_worker(live_server: Any) -> None:
    settings = ClientSettings(kind="nope")
    job = {"settings": settings.to_dict(), "zips": ZIPS_10[:1], "url": live_server.url}
    with pytest.raises(WorkerFailed) as caught:
        run_worker(job, lambda done: None, time_limit=60.0)
    assert str(caught.value).startswith("nope: worker failed: ")
    assert "KeyError" in str(caught.value)


@pytest.mark.slow
def test_launcher_kills_a_worker_past_its_time_limit(live_server: Any) -> None:
    configure(live_server, faults={"hang": 1.0, "hang_cap": 5.0})
    settings = ClientSettings(kind="blocking", timeout=30.0)
    job = {"settings": settings.to_dict(), "zips": ZIPS_10[:1], "url": live_server.url}
    with pytest.raises(WorkerFailed) as caught:
        run_worker(job, lambda done: None, time_limit=1.0)
    assert str(caught.value) == "blocking: killed, no result within 1 s"


def test_launcher_missing_interpreter_fails(live_server: Any) -> None:
    settings = ClientSettings(kind="blocking", python="/no/such/python3")
    job = {"settings": settings.to_dict(), "zips": ZIPS_10[:1], "url": live_server.url}
    with pytest.raises(WorkerFailed) as caught:
        run_worker(job, lambda done: None, time_limit=60.0)
    assert str(caught.value) == "blocking: interpreter /no/such/python3 not found"


@pytest.mark.slow  # the meter starts its sampler process
def test_worker_skips_an_unavailable_client(
    live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no node anywhere
    settings = ClientSettings(kind="javascript")
    result = worker.execute(
        {"settings": settings.to_dict(), "zips": ZIPS_10, "url": live_server.url}
    )
    assert result.skipped == "skipped: node not installed"
    assert (result.total, result.attempts) == (0, ())
    assert result.environment["python"] == platform.python_version()


@pytest.mark.slow  # the meter starts its sampler process
def test_worker_peak_threads_include_the_clients_count(monkeypatch: pytest.MonkeyPatch) -> None:
    def run_with_many_threads(
        zips: Sequence[str], url: str, settings: ClientSettings, progress: Progress
    ) -> list[Attempt]:
        progress.peak_threads = 50  # what a thread-per-zip client saw at its busiest tick
        progress.done = len(zips)
        return [Attempt(z, 0, 0.0, 0.01, status=200, jobs=1) for z in zips]

    monkeypatch.setattr(loader, "load", lambda kind: run_with_many_threads)
    settings = ClientSettings(kind="threaded")
    result = worker.execute({"settings": settings.to_dict(), "zips": ZIPS_10, "url": "http://x"})
    assert result.total == 10
    assert result.usage.peak_threads >= 49  # 50, less the meter's sampler


@pytest.mark.slow  # the meter starts its sampler process
def test_worker_names_the_httpx_loop(live_server: Any) -> None:
    configure(live_server)
    settings = ClientSettings(kind="httpx")
    result = worker.execute(
        {"settings": settings.to_dict(), "zips": ZIPS_10, "url": live_server.url}
    )
    assert result.total == expected_total(ZIPS_10)
    assert result.environment["loop"] == "asyncio"
