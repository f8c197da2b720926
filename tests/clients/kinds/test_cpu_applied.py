"""Every kind does `[workload] cpu` after each successful answer, through the one helper
(the built-in Python clients), in its script (Node), or as told (the user's code)."""

from __future__ import annotations

import resource
import shutil
from dataclasses import replace
from typing import Any

import pytest

import clients.cpuwork
from clients.kinds import KINDS, loader
from clients.kinds.command import command_line, placeholder_values
from clients.kinds.python import keywords
from clients.progress import Progress
from clients.protocol import total_jobs
from clients.records import ClientSettings
from clients.zipsets import MEMPY_2015
from tests.helpers import configure, jobs_in

ZIPS = list(MEMPY_2015[:6])
IN_PROCESS = [
    pytest.param(ClientSettings(kind="blocking"), id="blocking"),
    pytest.param(ClientSettings(kind="threaded"), id="threaded"),
    pytest.param(ClientSettings(kind="threaded", concurrency=2), id="threaded-pool"),
    pytest.param(ClientSettings(kind="asyncio"), id="asyncio"),
    pytest.param(ClientSettings(kind="uvloop", concurrency=2), id="uvloop"),
    pytest.param(ClientSettings(kind="httpx"), id="httpx"),
]


@pytest.fixture
def burned(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, str, bytes]]:
    """Spy on `cpuwork.burn` as `after_answer` reaches it: (seconds, kind, body) per call."""
    calls: list[tuple[float, str, bytes]] = []
    real = clients.cpuwork.burn

    def spy(seconds: float, kind: str, data: bytes = b"") -> clients.cpuwork.Work:
        calls.append((seconds, kind, data))
        return real(seconds, kind, data)

    monkeypatch.setattr(clients.cpuwork, "burn", spy)
    return calls


@pytest.mark.parametrize("settings", IN_PROCESS)
def test_each_answer_gets_the_cpu_once(
    live_server: Any, settings: ClientSettings, burned: list[tuple[float, str, bytes]]
) -> None:
    configure(live_server, latency=0.002)
    tuned = replace(settings, cpu=0.004, cpu_kind="native", speed=2.0)
    attempts = loader.load(settings.kind)(ZIPS, live_server.url, tuned, Progress())
    assert total_jobs(attempts) == jobs_in(ZIPS)
    assert len(burned) == len(ZIPS)
    assert {(s, k) for s, k, _ in burned} == {(0.002, "native")}  # real seconds: ÷ speed
    assert all(b'"TotalJobs"' in body for _, _, body in burned)  # worked over the answer


@pytest.mark.parametrize("settings", IN_PROCESS)
def test_a_failed_zip_gets_no_cpu(
    live_server: Any, settings: ClientSettings, burned: list[tuple[float, str, bytes]]
) -> None:
    configure(live_server, faults={"error_500": 1.0})
    tuned = replace(settings, cpu=0.01, retries=1, backoff=0.0)
    attempts = loader.load(settings.kind)(ZIPS[:3], live_server.url, tuned, Progress())
    assert total_jobs(attempts) == 0
    assert burned == []


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.slow
@pytest.mark.parametrize("cpu_kind", [pytest.param("python", id="python"),
                                      pytest.param("native", id="native")])  # fmt: skip
def test_the_process_pool_does_it_in_its_workers(live_server: Any, cpu_kind: str) -> None:
    configure(live_server, latency=0.002)
    settings = ClientSettings(kind="processes", concurrency=2, cpu=0.05, cpu_kind=cpu_kind)
    before = _children_cpu()
    attempts = loader.load("processes")(ZIPS, live_server.url, settings, Progress())
    assert total_jobs(attempts) == jobs_in(ZIPS)
    assert _children_cpu() - before >= len(ZIPS) * 0.05  # the workers' clocks, summed


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("cpu_kind", [pytest.param("python", id="python"),
                                      pytest.param("native", id="native")])  # fmt: skip
def test_node_does_it_in_its_script(live_server: Any, cpu_kind: str) -> None:
    configure(live_server, latency=0.002)
    settings = ClientSettings(kind="javascript", cpu=0.05, cpu_kind=cpu_kind)
    progress = Progress()
    attempts = loader.load("javascript")(ZIPS, live_server.url, settings, progress)
    assert total_jobs(attempts) == jobs_in(ZIPS)
    assert progress.usage is not None
    assert progress.usage.utime + progress.usage.stime >= len(ZIPS) * 0.05


def test_the_users_code_is_told_the_cpu() -> None:
    settings = ClientSettings(kind="command", command=("prog",), cpu=0.2, cpu_kind="native",
                              speed=2.0)  # fmt: skip
    values = placeholder_values(settings, "http://h:1/", ["90011"], "/tmp/z.txt")
    assert command_line(["{cpu}", "{cpu_kind}"], values) == ["0.1", "native"]

    def mine(zips: list[str], url: str, cpu: float = 0.0, cpu_kind: str = "") -> int:
        return 0

    told = keywords(mine, replace(settings, kind="python", command=None))
    assert told == {"cpu": 0.1, "cpu_kind": "native"}


def test_only_the_browser_cannot_do_it() -> None:
    assert [kind.name for kind in KINDS.values() if not kind.cpu] == ["browser"]
