"""The models the talk mentioned but did not run: processes, httpx, Node and the browser page,
each against the real server (a client under a chosen interpreter: `harness/test_worker.py`)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from clients.errors import ClientUnavailable, WorkerFailed
from clients.harness import worker
from clients.kinds import loader
from clients.progress import Progress
from clients.protocol import total_jobs
from clients.records import Attempt, ClientSettings
from clients.zipsets import MEMPY_2015
from server.api.zipsets import MEMPY_2015_TOTAL
from tests.helpers import LiveServer

ZIPS = list(MEMPY_2015[:12])
FAST = {"seed": 1, "server": {"latency": {"model": "fixed", "value": 0.005}}}
NODE = shutil.which("node")
CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)


def expected(server: LiveServer, zips: list[str]) -> int:
    """The server's own total for these zips, from its preview."""
    response = server.get("/__admin/preview", params={"zips": ",".join(zips)})
    return int(response.json()["expected_total"])


def run_kind(server: LiveServer, kind: str, zips: list[str], **settings: Any) -> list[Attempt]:
    """Run one client kind in this process against `server`."""
    server.put_scenario(FAST)
    run = loader.load(kind)
    return run(zips, server.url, ClientSettings(kind=kind, **settings), Progress())


@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        pytest.param("httpx", {}, id="httpx-unlimited"),
        pytest.param("httpx", {"concurrency": 3}, id="httpx-limit-3"),
        pytest.param("httpx", {"api": "search"}, id="httpx-search"),
        pytest.param("processes", {"concurrency": 2}, id="processes-2"),
        pytest.param(
            "javascript", {}, id="javascript",
            marks=pytest.mark.skipif(NODE is None, reason="node is not installed"),
        ),
        pytest.param(
            "javascript", {"concurrency": 4}, id="javascript-limit-4",
            marks=pytest.mark.skipif(NODE is None, reason="node is not installed"),
        ),
    ],
)  # fmt: skip
@pytest.mark.slow
def test_new_clients_sum_the_servers_total(
    live_server: LiveServer, kind: str, settings: dict[str, Any]
) -> None:
    attempts = run_kind(live_server, kind, ZIPS, **settings)
    assert total_jobs(attempts) == expected(live_server, ZIPS)
    assert sorted(a.zip for a in attempts) == sorted(ZIPS)
    assert all(a.ok and a.status == 200 for a in attempts)
    assert all(a.intended == pytest.approx(0.005) for a in attempts)


def test_the_talks_total_through_the_process_pool(live_server: LiveServer) -> None:
    attempts = run_kind(live_server, "processes", list(MEMPY_2015), concurrency=4)
    assert total_jobs(attempts) == MEMPY_2015_TOTAL
    assert {a.lane for a in attempts} <= {0, 1, 2, 3}


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("httpx", id="httpx"),
        pytest.param("processes", id="processes"),
        pytest.param(
            "javascript", id="javascript",
            marks=pytest.mark.skipif(NODE is None, reason="node is not installed"),
        ),
    ],
)  # fmt: skip
@pytest.mark.slow
def test_failures_are_recorded_and_retried(live_server: LiveServer, kind: str) -> None:
    live_server.put_scenario({"seed": 1, "server": {"faults": {"error_500": 1.0}}})
    run = loader.load(kind)
    settings = ClientSettings(kind=kind, retries=1, backoff=0.0, concurrency=2)
    attempts = run(ZIPS[:4], live_server.url, settings, Progress())
    assert len(attempts) == 8
    assert {a.error for a in attempts} == {"http_500"}
    assert sorted(a.attempt for a in attempts) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert total_jobs(attempts) == 0


def test_httpx_reports_a_reset_as_a_connection_error(live_server: LiveServer) -> None:
    live_server.put_scenario({"seed": 1, "server": {"faults": {"reset": 1.0}}})
    run = loader.load("httpx")
    attempts = run(ZIPS[:2], live_server.url, ClientSettings(kind="httpx"), Progress())
    assert {a.error for a in attempts} == {"connection"}


@pytest.mark.slow  # the meter starts its sampler process
def test_processes_report_their_workers_memory(live_server: LiveServer) -> None:
    live_server.put_scenario(FAST)
    job = {"settings": ClientSettings(kind="processes", concurrency=2).to_dict(),
           "zips": ZIPS, "url": live_server.url}  # fmt: skip
    result = worker.execute(job)
    # Two spawned interpreters hold far more than a megabyte each, and their CPU is counted.
    assert result.usage.mem > 2 * 1024 * 1024
    assert result.usage.cpu > 0
    assert result.total == expected(live_server, ZIPS)


@pytest.mark.slow
@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_node_measures_itself(live_server: LiveServer) -> None:
    live_server.put_scenario(FAST)
    job = {"settings": ClientSettings(kind="javascript").to_dict(), "zips": ZIPS,
           "url": live_server.url}  # fmt: skip
    result = worker.execute(job)
    assert result.total == expected(live_server, ZIPS)
    assert result.usage.time > 0 and result.usage.peak_threads >= 1
    assert result.skipped is None


@pytest.mark.slow  # the meter starts its sampler process
def test_a_missing_node_skips_the_row(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # node is not installed
    job = {"settings": ClientSettings(kind="javascript").to_dict(), "zips": ZIPS,
           "url": live_server.url}  # fmt: skip
    result = worker.execute(job)
    assert result.skipped == "skipped: node not installed"
    assert result.attempts == ()


def test_a_node_path_that_is_not_there_is_a_failure_not_a_skip() -> None:
    from clients.kinds.javascript import node_binary

    with pytest.raises(WorkerFailed, match="node /no/such/node not found"):
        node_binary(ClientSettings(kind="javascript", node="/no/such/node"))


def test_a_missing_chromium_skips_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from clients.kinds import browser as browser_client

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(
        ClientUnavailable, match=r"Chromium not installed \(Debian: apt-get install chromium"
    ):
        browser_client.chromium_path()


def test_the_demo_page_is_served(live_server: LiveServer) -> None:
    response = live_server.get("/demo")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "window.fanout" in response.text
    assert '"08701"' in response.text  # the talk's zips are embedded, leading zeros kept


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_the_demo_page_sums_the_talks_total_in_real_chromium(live_server: LiveServer) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    from clients.kinds.browser import CHROMIUM_FLAGS

    live_server.put_scenario(FAST)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/demo")
            page.click("#run")
            page.wait_for_function(
                "document.getElementById('result').textContent.includes('jobs available')"
            )
            text = page.text_content("#result")
        finally:
            browser.close()
    assert text is not None
    assert f"jobs available: {MEMPY_2015_TOTAL}" in text
    assert "time:" in text


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_the_browser_client_row(live_server: LiveServer) -> None:
    pytest.importorskip("playwright.sync_api")
    live_server.put_scenario(FAST)
    job = {"settings": ClientSettings(kind="browser").to_dict(), "zips": ZIPS,
           "url": live_server.url}  # fmt: skip
    result = worker.execute(job)
    assert result.skipped is None
    assert result.total == expected(live_server, ZIPS)
    assert len(result.attempts) == len(ZIPS)
    assert result.usage.time > 0


@pytest.mark.parametrize("kind", ["blocking", "threaded", "asyncio", "httpx"])
def test_the_timeout_bounds_the_whole_request(live_server: LiveServer, kind: str) -> None:
    """A slow body trickling in must not outlive the timeout, whichever library reads it."""
    live_server.put_scenario(
        {"seed": 1, "server": {"faults": {"slow_body": 1.0, "slow_body_bps": 2000.0}}}
    )
    run = loader.load(kind)
    settings = ClientSettings(kind=kind, timeout=0.3)
    attempts = run(ZIPS[:1], live_server.url, settings, Progress())
    assert [a.error for a in attempts] == ["timeout"]
