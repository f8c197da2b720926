"""The handlers built once per route: the same answers as before, requests that end when
their client leaves, a bounded attempt counter, and the server's loop and journal flags.

Waits are bounded polls on /__admin/stats and the journal, never timed assertions.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp.test_utils import TestClient

from server import cli
from server.accounting.attempts import MAX_ATTEMPT_KEYS, AttemptCounter
from server.app import create_app
from server.config.parser import parse_config
from server.config.plan import NOTHING, Planner, plan_request
from server.state import State
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


# --- the attempt counter is bounded ---------------------------------------------------------


def test_the_attempt_counter_forgets_the_least_recently_asked_key() -> None:
    counter = AttemptCounter(limit=3)
    assert [counter.next("search", name) for name in ("a", "b", "c", "a")] == [0, 0, 0, 1]
    assert counter.next("search", "d") == 0  # over the limit: "b" was asked least recently
    assert (len(counter), counter.forgotten) == (3, 1)
    assert counter.next("search", "a") == 2  # kept: it was asked recently
    assert counter.next("search", "b") == 0  # forgotten: counts from 0 again, as after a reset
    counter.clear()
    assert (len(counter), counter.forgotten, counter.next("search", "a")) == (0, 0, 0)


def test_the_servers_attempt_counter_is_bounded() -> None:
    state = State(parse_config({}))
    assert state.attempts.limit == MAX_ATTEMPT_KEYS
    state.attempts.limit = 100  # the real bound, made small enough to reach
    for index in range(250):
        state.next_attempt("search", f"Place {index}, ST")
    assert len(state.attempts) == 100
    assert state.stats.snapshot()["attempt_keys"] == {
        "kept": 100,
        "limit_per_route": 100,
        "forgotten": 150,
    }


def test_search_place_names_do_not_grow_memory_without_bound(live_server: LiveServer) -> None:
    live_server.state.attempts.limit = 20
    with requests.Session() as session:
        for index in range(50):
            url = f"{live_server.url}/api/search?LocationName=Town {index}&ResultsPerPage=0"
            assert session.get(url, timeout=10).status_code == 200
    stats = live_server.get("/__admin/stats").json()
    assert stats["attempt_keys"] == {"kept": 20, "limit_per_route": 20, "forgotten": 30}


# --- the per-scenario planner draws what plan_request draws ---------------------------------


PLANNED = {
    "seed": 3,
    "speed": 2.0,
    "server": {
        "latency": {"model": "lognormal", "median": 0.05, "p99": 0.4},
        "faults": {"error_500": 0.2, "hang": 0.1, "slow_body": 0.1, "hang_cap": 9.0},
        "routes": {"search": {"latency": {"model": "fixed", "value": 0.2}}},
        "zips": {
            "60629": {"faults": {"reset": 0.5}},
            "90011": {
                "latency": {
                    "model": "mixture",
                    "components": [
                        {"weight": 0.9, "model": "fixed", "value": 0.01},
                        {"weight": 0.1, "model": "uniform", "low": 0.5, "high": 1.0},
                    ],
                }
            },
        },
    },
}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({}, id="default"),
        pytest.param(PLANNED, id="every-feature"),
        pytest.param(
            {"speed": 4.0, "server": {"latency": {"model": "fixed", "value": 1.0}}}, id="fixed-fast"
        ),
    ],
)
def test_the_planner_matches_plan_request(document: dict[str, Any]) -> None:
    config = parse_config(document)
    planner = Planner(config)
    for route in ("jobs", "search"):
        for zip_code in ("90011", "60629", "12345", "Washington, DC"):
            for attempt in range(20):
                expected = plan_request(config, route, zip_code, attempt)
                assert planner.plan(route, zip_code, attempt) == expected


def test_nothing_to_draw_is_one_constant_plan() -> None:
    planner = Planner(parse_config({}))
    assert planner.plan("jobs", ZIP, 0) is NOTHING
    assert planner.routes["jobs"].constant is NOTHING


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


def test_no_route_runs_through_a_middleware() -> None:
    app = create_app()
    assert list(app.middlewares) == []


# --- the command line: --journal-size and --loop --------------------------------------------


@pytest.mark.slow
def test_the_server_runs_on_uvloop_by_default_and_says_so() -> None:
    pytest.importorskip("uvloop")
    banner = first_banner_line()
    assert banner.endswith("loop uvloop)"), banner
    assert first_banner_line("--loop", "asyncio").endswith("loop asyncio)")


def first_banner_line(*args: str) -> str:
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        return process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize("size", ["-1", "100000001"])
def test_a_bad_journal_size_is_one_line_and_exit_2(
    size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--port", "0", "--journal-size", size]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: --journal-size: must be 0 to 100,000,000, got {size}"
    ]
