"""`[workload] cpu` and `cpu_kind`: read into every client's settings, or refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients.errors import ScenarioFileError
from clients.kinds import in_flight
from clients.scenario import load

BAD = [
    pytest.param("[workload]\ncpu = -0.1\n[clients.asyncio]\n", "workload.cpu",
                 "must be >= 0 and <= 60, got -0.1", id="negative"),
    pytest.param("[workload]\ncpu = 61\n[clients.asyncio]\n", "workload.cpu",
                 "must be >= 0 and <= 60, got 61", id="too-much"),
    pytest.param("[workload]\ncpu = '1s'\n[clients.asyncio]\n", "workload.cpu",
                 "must be a number, got '1s'", id="text"),
    pytest.param("[workload]\ncpu_kind = 'natve'\n[clients.asyncio]\n", "workload.cpu_kind",
                 "must be one of python, native, got 'natve' (did you mean 'native'?)",
                 id="typo"),
    pytest.param("[workload]\ncpu = 0.01\n[clients.browser]\n", "clients.browser",
                 "the browser client cannot do [workload] cpu after each answer (its page is "
                 "the server's); leave it out of this scenario", id="browser"),
    pytest.param("[clients.threaded]\noffload = 'thread'\n", "clients.threaded.offload",
                 "only the asyncio, uvloop, httpx, niquests, pyreqwest, httpx2 clients take "
                 "offload (kind = 'threaded' does not)", id="offload-threaded"),
    pytest.param("[clients.httpx]\nprocesses = 2\n", "clients.httpx.processes",
                 "only the asyncio, uvloop clients take processes (kind = 'httpx' does not)",
                 id="processes-httpx"),
    pytest.param("[clients.asyncio]\noffload = 'threads'\n", "clients.asyncio.offload",
                 "must be one of none, thread, process, got 'threads' (did you mean "
                 "'thread'?)", id="offload-typo"),
    pytest.param("[clients.uvloop]\nprocesses = 0\n", "clients.uvloop.processes",
                 "must be between 1 and 64, got 0", id="no-processes"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "message"), BAD)
def test_bad_cpu(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: {key}: {message}"


def test_every_client_gets_the_workloads_cpu(tmp_path: Path) -> None:
    path = tmp_path / "cpu.toml"
    path.write_text("speed = 2\n[workload]\ncpu = 0.02\ncpu_kind = 'native'\n"
                    "[clients.blocking]\n[clients.asyncio]\n[clients.js]\nkind = 'javascript'\n",
                    encoding="utf-8")  # fmt: skip
    scenario = load(path)
    assert {(c.cpu, c.cpu_kind) for c in scenario.clients} == {(0.02, "native")}
    assert scenario.to_dict()["workload"]["cpu"] == 0.02
    assert scenario.clients[0].for_code()["cpu"] == 0.01  # real seconds: ÷ speed


def test_no_cpu_by_default(tmp_path: Path) -> None:
    path = tmp_path / "plain.toml"
    path.write_text("[clients.browser]\n[clients.threaded]\n", encoding="utf-8")
    assert {(c.cpu, c.cpu_kind) for c in load(path).clients} == {(0.0, "python")}


def test_the_loop_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "loops.toml"
    path.write_text("[clients.a]\nkind = 'asyncio'\noffload = 'process'\nprocesses = 2\n"
                    "concurrency = 5\n[clients.httpx]\noffload = 'thread'\n",
                    encoding="utf-8")  # fmt: skip
    first, second = load(path).clients
    assert (first.offload, first.processes, second.offload, second.processes) == (
        "process", 2, "thread", 1,
    )  # fmt: skip
    assert in_flight(first) == 10  # each process its own five
