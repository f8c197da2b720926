"""The client half of the server's lease: a compare or a sweep holds the server while it runs.

Real server on loopback, real HTTP. A run takes the lease before it changes anything, sends
its token on every admin change, renews it from a background thread, and gives it back
however it ends; a second run waits, saying who holds the server, or with `--no-wait` stops.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from aiohttp import web
from rich.console import Console

from clients import cli
from clients.console import ProgressDisplay, show_compare
from clients.errors import LeaseLost, ScenarioFileError, ServerHeld
from clients.harness import lease
from clients.harness.compare import Quiet, compare
from clients.harness.server_control import ServerControl
from clients.scenario import load
from server.app import create_app
from tests.helpers import FIXED_10MS, ROOT, LiveServer, wait_for, write_scenario

OTHER = {"scenario": "first", "pid": 4242}


def lease_state(url: str) -> dict[str, Any]:
    state: dict[str, Any] = requests.get(f"{url}/__admin/lease", timeout=10).json()
    return state


def reset_status(url: str, token: str | None = None) -> int:
    headers = {"X-Lease": token} if token else {}
    return requests.post(f"{url}/__admin/reset", headers=headers, timeout=10).status_code


class FakeClock:
    """The server's clock, moved by hand: leases expire by it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- taking, waiting, releasing -----------------------------------------------------------------


def test_a_held_server_refuses_changes_without_the_token(live_server: LiveServer) -> None:
    held = lease.take(live_server.url, lease.holder("tiny"))
    assert held is not None
    try:
        state = lease_state(live_server.url)
        assert state["held"] is True
        assert state["holder"]["scenario"] == "tiny"
        assert state["holder"]["pid"] == os.getpid()
        assert reset_status(live_server.url) == 409
        control = ServerControl(live_server.url)
        control.lease = held.token
        control.reset()  # the holder's own changes go through
        control.close()
    finally:
        held.release()
    assert lease_state(live_server.url)["held"] is False
    assert reset_status(live_server.url) == 200


def test_a_second_run_waits_saying_who_holds_the_server(live_server: LiveServer) -> None:
    first = lease.take(live_server.url, OTHER)
    assert first is not None
    told: list[tuple[str, lease.Holder]] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # the first run ends while the second waits
        sleeps.append(seconds)
        first.release()

    second = lease.take(
        live_server.url, lease.holder("second"), on_wait=lambda *said: told.append(said),
        sleep=sleep,
    )  # fmt: skip
    assert second is not None
    try:
        assert sleeps == [lease.POLL]
        ((url, holder),) = told
        assert url == live_server.url
        assert (holder.scenario, holder.pid) == ("first", 4242)
        assert holder.since is not None and abs(holder.since - time.time()) < 3600
        assert holder.describe().startswith("first (pid 4242) since 20")
        assert lease_state(live_server.url)["holder"]["scenario"] == "second"
    finally:
        second.release()


def test_without_waiting_the_error_names_the_holder(live_server: LiveServer) -> None:
    first = lease.take(live_server.url, OTHER)
    assert first is not None
    try:
        with pytest.raises(ServerHeld) as caught:
            lease.take(live_server.url, lease.holder("second"), wait=False)
    finally:
        first.release()
    message = str(caught.value)
    assert message.startswith(f"{live_server.url} is held by first (pid 4242) since ")
    assert message.endswith("; not waiting (--no-wait)")


def test_compare_no_wait_exits_2_in_one_line(
    live_server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = load(write_scenario(tmp_path))
    first = lease.take(live_server.url, OTHER)
    assert first is not None
    results = tmp_path / "results"
    try:
        code = cli.main(["compare", scenario.path, "--url", live_server.url, "--no-wait",
                         "--results", str(results)])  # fmt: skip
    finally:
        first.release()
    captured = capsys.readouterr()
    assert code == 2
    (line,) = captured.err.splitlines()
    assert line.startswith(f"error: {live_server.url} is held by first (pid 4242) since ")
    assert captured.out == ""
    assert not results.exists()


def test_the_lease_is_renewed_while_it_is_held() -> None:
    clock = FakeClock()
    server = LiveServer(create_app(clock=clock)).start()
    try:
        held = lease.take(server.url, lease.holder("tiny"), ttl=3.0)  # renewed every second
        assert held is not None
        clock.now += 2.5  # half a second from expiry, unless renewed
        assert wait_for(lambda: lease_state(server.url)["expires_in"] > 2.9)
        clock.now += 2.5  # past the first expiry: only a renewal kept it
        state = lease_state(server.url)
        assert state["held"] is True and state["holder"]["pid"] == os.getpid()
        held.release()
        assert held.lost is None
        assert lease_state(server.url)["held"] is False
    finally:
        server.stop()


def test_a_lapsed_lease_is_noticed_by_the_renewal() -> None:
    clock = FakeClock()
    server = LiveServer(create_app(clock=clock)).start()
    try:
        held = lease.take(server.url, lease.holder("tiny"), ttl=3.0)
        assert held is not None
        clock.now += 10  # the run was frozen past its ttl; another took the server
        other = lease.take(server.url, OTHER)
        assert other is not None
        assert wait_for(lambda: held.lost is not None)
        assert held.lost is not None  # as the other took it, or just before: both are said
        assert "held by first (pid 4242)" in held.lost or "no lease is held" in held.lost
        held.release()  # refused (not ours any more): nothing to do, nothing raised
        assert lease_state(server.url)["holder"]["scenario"] == "first"
        other.release()
    finally:
        server.stop()


def test_a_server_without_leases_is_used_without_one() -> None:
    app = web.Application()  # answers 404, in plain text, to everything
    server = LiveServer(app).start()
    control = ServerControl(server.url)
    try:
        with lease.held(control, lease.holder("tiny")) as held:
            assert held is None
            assert control.lease is None
    finally:
        control.close()
        server.stop()


# --- compare holds the lease ----------------------------------------------------------------


class Interrupting(Quiet):
    """Looks at the lease when the first run starts, then presses Ctrl-C."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.chosen: list[tuple[str, bool]] = []
        self.seen: dict[str, Any] = {}
        self.foreign_reset = 0

    def server_chosen(self, url: str, started: bool) -> None:
        self.chosen.append((url, started))

    def run_started(self, label: str, total: int) -> None:
        self.seen = lease_state(self.url)
        self.foreign_reset = reset_status(self.url)
        raise KeyboardInterrupt


def test_compare_holds_the_server_and_lets_go_on_ctrl_c(
    live_server: LiveServer, tmp_path: Path
) -> None:
    watcher = Interrupting(live_server.url)

    outcome = compare(load(write_scenario(tmp_path)), live_server.url, tmp_path / "r", watcher)

    assert outcome.interrupted
    assert watcher.chosen == [(live_server.url, False)]
    assert watcher.seen["held"] is True
    assert watcher.seen["holder"]["scenario"] == "tiny"
    assert watcher.seen["holder"]["pid"] == os.getpid()
    assert watcher.foreign_reset == 409  # nobody else may reset it meanwhile
    assert outcome.preview["expected_total"] > 0  # the scenario was applied with the token
    assert lease_state(live_server.url)["held"] is False


def test_compare_lets_go_when_the_server_refuses_the_scenario(
    live_server: LiveServer, tmp_path: Path
) -> None:
    scenario = load(
        write_scenario(
            tmp_path, server=f"{FIXED_10MS}\nfaults = {{ error_500 = 0.7, reset = 0.7 }}"
        )
    )
    with pytest.raises(ScenarioFileError):
        compare(scenario, live_server.url, tmp_path / "r")
    assert lease_state(live_server.url)["held"] is False


def test_the_display_says_which_server_and_who_holds_it() -> None:
    console = Console(record=True, width=60)
    display = ProgressDisplay(console)
    display.server_chosen("http://127.0.0.1:8080", False)
    display.server_chosen("http://127.0.0.1:41234", True)
    display.server_held("http://127.0.0.1:8080", lease.Holder("quick", 77, "ann"))
    lines = console.export_text().splitlines()
    assert lines == [
        "server: http://127.0.0.1:8080 (already running, not started by this run)",
        "server: http://127.0.0.1:41234 (started for this run)",
        "waiting for http://127.0.0.1:8080: held by quick (pid 77, user ann) (Ctrl-C to give up)",
    ]


@pytest.mark.slow
def test_a_second_compare_waits_then_runs(live_server: LiveServer, tmp_path: Path) -> None:
    scenario = load(write_scenario(tmp_path))
    first = lease.take(live_server.url, OTHER)
    assert first is not None
    command = [sys.executable, "-m", "clients", "compare", scenario.path, "--url",
               live_server.url, "--results", str(tmp_path / "results")]  # fmt: skip
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        guard = threading.Timer(60, process.kill)  # a compare that never says it waits: end it
        guard.start()
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith(
                f"waiting for {live_server.url}: held by first (pid 4242) since "
            )
            assert lease_state(live_server.url)["holder"]["scenario"] == "first"  # still held
            first.release()
            rest = process.stdout.read()
            assert process.wait() == 0, rest
        finally:
            guard.cancel()
            first.release()
    assert rest.startswith(f"server: {live_server.url} (already running, not started by this run)")
    assert lease_state(live_server.url)["held"] is False


# --- a lease lost mid-compare ---------------------------------------------------------------

LOST_TTL = 1.5  # seconds: renewed every half second


class TakenOver(Quiet):
    """As the second client gets going: the server's clock jumps past the lease (as when this
    run was stopped), another run takes the server and reconfigures it; then a wait long
    enough for two renewals to meet the other's lease."""

    def __init__(self, url: str, clock: FakeClock) -> None:
        self.url, self.clock = url, clock
        self.label = ""
        self.other: lease.Lease | None = None

    def run_started(self, label: str, total: int) -> None:
        self.label = label

    def progressed(self, done: int) -> None:
        if not self.label.startswith("blocking") or self.other is not None:
            return
        self.clock.now += 100
        self.other = lease.take(self.url, OTHER)
        assert self.other is not None
        instant = {"server": {"latency": {"model": "fixed", "value": 0.0}}}
        response = requests.put(f"{self.url}/__admin/scenario", json=instant,
                                headers={"X-Lease": self.other.token}, timeout=10)  # fmt: skip
        assert response.status_code == 200, response.text
        time.sleep(LOST_TTL)


@pytest.mark.slow
def test_a_compare_that_loses_its_lease_stops_and_keeps_only_what_came_before(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    server = LiveServer(create_app(clock=clock)).start()
    clients = "[clients.asyncio]\n[clients.blocking]\n[clients.threaded]\n"
    zips = [f"{10000 + n:05d}" for n in range(40)]  # blocking: 40 × 50 ms
    fixed = 'latency = { model = "fixed", value = 0.05 }'
    scenario = load(write_scenario(tmp_path, clients, zips=zips, server=fixed))
    watcher = TakenOver(server.url, clock)
    try:
        outcome = compare(scenario, server.url, tmp_path / "r", watcher, ttl=LOST_TTL)
    finally:
        if watcher.other is not None:
            watcher.other.release()
        server.stop()
    assert outcome.lost is not None and "lost the server's lease" in outcome.lost
    assert "held by first (pid 4242)" in outcome.lost  # the reason, in the server's words
    assert [(r.client, r.state.value) for r in outcome.runs] == [("asyncio", "ok")]
    assert outcome.running is not None and outcome.running.label == "blocking 1/1"
    assert outcome.exit_code() == 2
    assert outcome.saved is not None
    saved = json.loads(outcome.saved.read_text())
    assert saved["lost"] == outcome.lost and saved["during"].startswith("blocking 1/1, ")
    assert [run["client"] for run in saved["runs"]] == ["asyncio"]
    assert saved["interrupted"] is True  # partial: the table's title says so
    console = Console(record=True, width=200)
    assert show_compare(outcome, console) == 2
    text = " ".join(console.export_text().split())
    assert "(lost: partial results)" in text and "(during blocking 1/1, " in text


def test_a_lease_unrenewed_past_its_ttl_is_lost_before_any_change() -> None:
    control = ServerControl("http://127.0.0.1:9")  # nothing is asked: the check comes first
    control.lease, control.lease_deadline = "token", 100.0
    control.check_lease(clock=lambda: 99.0)
    with pytest.raises(
        LeaseLost, match=r"not renewed within its ttl \(was this process stopped\?\)"
    ):
        control.check_lease(clock=lambda: 101.0)
    assert control.lost_event.is_set()
    with pytest.raises(LeaseLost):  # and every change after it is refused here
        control.reset(tag="next")
    control.close()
