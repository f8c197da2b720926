"""The worker and the launcher: one run of one client in a fresh process, its failures as data,
its time limit, its interpreter — against the real server."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from clients.errors import WorkerFailed
from clients.harness import worker
from clients.harness.compare import compare
from clients.harness.launcher import run_worker
from clients.kinds import loader
from clients.progress import Progress
from clients.records import Attempt, ClientSettings, RunResult, RunState
from clients.scenario import load
from clients.zipsets import MEMPY_2015
from tests.helpers import LiveServer, configure, jobs_in, write_scenario

ZIPS_10 = list(MEMPY_2015[:10])


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
    assert result.total == jobs_in(ZIPS_10)
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
    assert result.total == jobs_in(zips)
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
    assert result.total == jobs_in(ZIPS_10)
    assert result.environment["loop"] == "asyncio"


ZIPS = list(MEMPY_2015[:12])
FAST = {"seed": 1, "server": {"latency": {"model": "fixed", "value": 0.005}}}


def expected(server: LiveServer, zips: list[str]) -> int:
    """The server's own total for these zips, from its preview."""
    response = server.get("/__admin/preview", params={"zips": ",".join(zips)})
    return int(response.json()["expected_total"])


def test_a_missing_interpreter_fails_the_row(live_server: LiveServer) -> None:
    settings = ClientSettings(kind="threaded", python="/no/such/python3.13t")
    with pytest.raises(WorkerFailed, match=r"interpreter /no/such/python3\.13t not found"):
        run_worker({"settings": settings.to_dict(), "zips": ZIPS, "url": live_server.url},
                   lambda done: None, 60)  # fmt: skip


@pytest.mark.slow
def test_a_named_interpreter_runs_the_worker(live_server: LiveServer) -> None:
    live_server.put_scenario(FAST)
    settings = ClientSettings(kind="threaded", python=sys.executable)
    result = run_worker(
        {"settings": settings.to_dict(), "zips": ZIPS, "url": live_server.url},
        lambda done: None,
        60,
    )
    assert result.total == expected(live_server, ZIPS)
    assert result.environment["python"] == ".".join(map(str, sys.version_info[:3]))
    assert isinstance(result.environment["gil_enabled"], bool)


NOISY = """
import os, sys, requests
print("loading", end="")  # no newline: it would have run into the result's line
os.write(1, b"{not json")  # straight to fd 1, as C code would
print("progress 99999", file=sys.stderr)  # looks like the protocol, is not it

def total(zips, url):
    print("summing", end="")
    return sum(int(requests.get(f"{url}/api/jobs", params={"LocationId": z},
                                timeout=10).json()["TotalJobs"]) for z in zips)
"""


@pytest.mark.slow
def test_what_the_users_code_prints_never_reaches_the_protocol(
    live_server: LiveServer, tmp_path: Path
) -> None:
    (tmp_path / "noisy.py").write_text(NOISY)
    configure(live_server)
    settings = ClientSettings(kind="python", function="noisy:total", path=str(tmp_path))
    progress: list[int] = []
    job = {"settings": settings.to_dict(), "zips": ZIPS_10[:3], "url": live_server.url}
    result = run_worker(job, progress.append, time_limit=60.0)
    assert (result.state, result.total) == (RunState.OK, jobs_in(ZIPS_10[:3]))
    assert 99999 not in progress


@pytest.mark.slow
def test_a_compare_keeps_its_rows_after_a_module_that_prints_at_import(
    live_server: LiveServer, tmp_path: Path
) -> None:
    (tmp_path / "noisy.py").write_text(NOISY)
    clients = (f'[clients.mine]\nkind = "python"\nfunction = "noisy:total"\npath = "{tmp_path}"\n'
               "[clients.blocking]\n")  # fmt: skip
    outcome = compare(load(write_scenario(tmp_path, clients)), live_server.url, tmp_path / "r")
    assert [(r.client, r.state) for r in outcome.runs] == [
        ("mine", RunState.OK),
        ("blocking", RunState.OK),
    ]
    assert all(r.total == outcome.expected for r in outcome.runs)
    assert outcome.exit_code() == 0
