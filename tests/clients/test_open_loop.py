"""`[workload] rate`: validated with its bounds, and run by the kinds against the real server
(each request sent no earlier than it was due, every one of them seen by the server)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from clients.arrivals import planned
from clients.errors import ScenarioFileError
from clients.kinds import loader
from clients.progress import Progress
from clients.records import ClientSettings
from clients.results.summary import lateness
from clients.scenario import load
from clients.zipsets import MEMPY_2015
from tests.helpers import LiveServer, configure, poll_stats

HEAD = '[workload]\nzips = "mempy-2015"\n'
ONE = "\n[clients.asyncio]\n"


def scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "open.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rate_duration_and_arrivals_reach_every_client(tmp_path: Path) -> None:
    loaded = load(scenario(tmp_path, HEAD + 'rate = 20\nduration = 3\narrivals = "poisson"\n'
                           "[clients.blocking]\n[clients.threaded]" + ONE))  # fmt: skip
    assert loaded.workload.open_loop
    for settings in loaded.clients:
        assert (settings.rate, settings.duration, settings.arrivals) == (20.0, 3.0, "poisson")
        assert settings.open_loop


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        pytest.param("rate = 10\n" + ONE, "workload.duration",
                     "is required with workload.rate", id="rate-alone"),
        pytest.param("duration = 10\n" + ONE, "workload.rate",
                     "is required with workload.duration", id="duration-alone"),
        pytest.param('arrivals = "poisson"\n' + ONE, "workload.arrivals",
                     "needs workload.rate and workload.duration", id="arrivals-alone"),
        pytest.param("rate = 0\nduration = 10\n" + ONE, "workload.rate", "must be >= 0.01",
                     id="rate-0"),
        pytest.param("rate = 10000\nduration = 10\n" + ONE, "workload.rate", "<= 5000",
                     id="rate-too-high"),
        pytest.param("rate = 10\nduration = 0.5\n" + ONE, "workload.duration", "must be >= 1",
                     id="duration-short"),
        pytest.param("rate = 5000\nduration = 3600\n" + ONE, "workload.rate",
                     "18,000,000 requests; at most 1,000,000 a run", id="too-many"),
        pytest.param('rate = 10\nduration = 10\narrivals = "bursty"\n' + ONE,
                     "workload.arrivals", "must be one of constant, poisson", id="arrivals"),
        pytest.param("rate = 10\nduration = 10\n[clients.processes]\n", "clients.processes",
                     "the processes client runs the batch only, not workload.rate",
                     id="processes"),
        pytest.param("rate = 10\nduration = 10\n[clients.asyncio]\nprocesses = 2\n",
                     "clients.asyncio.processes", "an open-loop run (workload.rate) runs in one "
                     "process", id="processes-2"),
        pytest.param("rate = 10\nduration = 20\n[server]\nphases = [{ at = 15, for = 10 }]\n"
                     + ONE, "server.phases[0]",
                     "ends at 25 s, after the run (workload.duration = 20 s)",
                     id="phase-outside-the-run"),
    ],
)  # fmt: skip
def test_bad_open_loop_names_the_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = scenario(tmp_path, HEAD + text)
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert caught.value.key == key
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


KINDS = [
    pytest.param(ClientSettings(kind="asyncio"), id="asyncio"),
    pytest.param(ClientSettings(kind="httpx"), id="httpx"),
    pytest.param(ClientSettings(kind="threaded"), id="threaded"),
    pytest.param(ClientSettings(kind="threaded", concurrency=2), id="threaded-pool"),
    pytest.param(ClientSettings(kind="blocking"), id="blocking"),
]


@pytest.mark.parametrize("settings", KINDS)
def test_each_request_is_sent_when_due_and_the_server_sees_them_all(
    live_server: LiveServer, settings: ClientSettings
) -> None:
    configure(live_server, latency=0.01)
    timed = replace(settings, rate=20.0, duration=1.0, seed=3)
    zips = list(MEMPY_2015[:7])
    progress = Progress()
    attempts = loader.load(timed.kind)(zips, live_server.url, timed, progress)
    plan = planned(timed, zips)
    assert progress.done == len(plan) == 20
    assert sorted(a.request for a in attempts if a.request is not None) == list(range(20))
    for attempt in attempts:
        due = plan[attempt.request or 0]
        assert (attempt.due, attempt.zip) == (due.at, due.zip)
        assert attempt.start >= due.at  # never early; how late is `lateness`'s to say
    late = lateness(attempts)
    assert late is not None and late.offered == 20
    stats = poll_stats(live_server, lambda s: not s["in_flight"])
    assert stats["routes"]["jobs"]["requests"] == 20
