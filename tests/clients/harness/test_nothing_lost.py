"""Nothing computed is lost: a finished run is kept before the server is asked anything more,
saved (whole, by an atomic replace) before the next run starts, and a disk that fails
mid-run costs the file, not the table.

The server is lost by stopping it from the observer as a run starts, or by killing a server
process while a worker runs; the disk fails by turning the saved result into a directory,
which stops root as well as anyone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from clients import scenario as scenarios
from clients.console import show_compare, show_sweep
from clients.harness.compare import Outcome, Quiet, compare
from clients.harness.embedded import EmbeddedServer
from clients.harness.store import Store, result_path, temporary_path, write_atomic
from clients.harness.sweep import QuietSweep, sweep
from tests.helpers import LiveServer

SCENARIO = """
name = "kept"
[workload]
zips = ["90011", "08701", "00926", "79936", "10001", "60629"]
[server]
latency = {{ model = "fixed", value = {latency} }}
{rest}
"""


def load(tmp_path: Path, rest: str, latency: float = 0.01) -> scenarios.Scenario:
    path = tmp_path / "kept.toml"
    path.write_text(SCENARIO.format(latency=latency, rest=rest), encoding="utf-8")
    return scenarios.load(path)


def saved(results: Path) -> list[Path]:
    return sorted(results.iterdir()) if results.exists() else []


def read(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


# --- the store ----------------------------------------------------------------------------------


def test_the_store_rewrites_one_file_whole(tmp_path: Path) -> None:
    store = Store(tmp_path / "results", "kept")
    assert store.save({"runs": [1]}) and store.save({"runs": [1, 2]})
    assert store.saved is not None and store.problem is None
    assert saved(tmp_path / "results") == [store.saved]  # one file, no temporary left
    assert read(store.saved) == {"runs": [1, 2]}


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    target.write_text('{"runs": [1]}', encoding="utf-8")
    temporary_path(target).mkdir()  # the temporary file cannot be created
    with pytest.raises(IsADirectoryError):
        write_atomic(target, '{"runs": [1, 2]}')
    assert read(target) == {"runs": [1]}


def test_the_store_says_what_it_could_not_save_and_tries_again(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.write_text("a file where the folder should be", encoding="utf-8")
    store = Store(results, "kept")
    assert not store.save({"runs": []})
    assert store.problem == f"{results}: could not save the result: File exists"
    assert store.saved is None
    results.unlink()
    assert store.save({"runs": []})  # the disk came back: the next save works
    assert store.problem is None and store.saved is not None


# --- a lost server ----------------------------------------------------------------------------


class StopServer(Quiet):
    """Stops the server as the first run starts."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server

    def run_started(self, label: str, total: int) -> None:
        self.server.stop()


class KillServer(Quiet):
    """Kills the server process once the first run has answered `after` zips."""

    def __init__(self, server: EmbeddedServer, after: int) -> None:
        self.server, self.after = server, after

    def progressed(self, done: int) -> None:
        if done >= self.after and self.server.process.poll() is None:
            self.server.process.kill()


def test_a_server_lost_before_the_first_run_keeps_the_preview(
    live_server: LiveServer, tmp_path: Path
) -> None:
    loaded = load(tmp_path, "[clients.asyncio]")
    outcome = compare(loaded, live_server.url, tmp_path / "results", StopServer(live_server))

    assert outcome.lost is not None and "/__admin/reset" in outcome.lost
    assert outcome.exit_code() == 2
    assert outcome.saved is not None
    document = read(outcome.saved)
    assert document["interrupted"] is True
    assert document["runs"] == []
    assert document["expected_total"] == outcome.expected and outcome.expected


@pytest.mark.slow
def test_a_server_killed_during_the_first_run_keeps_that_run(tmp_path: Path) -> None:
    loaded = load(tmp_path, "[clients.blocking]\ntimeout = 5\n[clients.asyncio]", latency=0.05)
    server = EmbeddedServer()
    try:
        outcome = compare(loaded, server.url, tmp_path / "results", KillServer(server, after=2))
    finally:
        server.stop()

    assert outcome.lost is not None and "/__admin/stats" in outcome.lost
    (run,) = outcome.runs  # the blocking run that was going on; asyncio never started
    assert run.client == "blocking" and len(run.attempts) == 6
    assert sum(a.ok for a in run.attempts) >= 2
    assert outcome.saved is not None
    document = read(outcome.saved)
    assert document["interrupted"] is True
    assert [r["client"] for r in document["runs"]] == ["blocking"]
    assert document["preview"]["expected_total"] == outcome.expected
    console = Console(record=True, width=200)
    assert show_compare(outcome, console) == 2
    text = console.export_text()
    assert "(lost: partial results)" in text
    assert f"saved {outcome.saved}" in text and "error: " in text
    assert "(during " not in text  # the run in flight was kept: nothing was cut short


# --- a disk that fails mid-run -------------------------------------------------------------------


class Watch(QuietSweep):
    """Looks at the results folder when each run starts; breaks the saved file on run `break_at`."""

    def __init__(self, results: Path, break_at: int | None = None) -> None:
        self.results, self.break_at = results, break_at
        self.started = 0
        self.seen: list[dict[str, Any]] = []

    def run_started(self, label: str, total: int) -> None:
        self.started += 1
        files = saved(self.results)
        self.seen.append({"files": [f.name for f in files], "document": read(files[0])})
        if self.started == self.break_at:
            files[0].unlink()
            files[0].mkdir()  # the file cannot be replaced any more, whoever we are


@pytest.mark.slow
def test_each_finished_run_is_on_disk_before_the_next_starts(
    live_server: LiveServer, tmp_path: Path
) -> None:
    loaded = load(tmp_path, "[clients.asyncio]\n[clients.threaded]")
    results = tmp_path / "results"
    watcher = Watch(results)

    outcome = compare(loaded, live_server.url, results, watcher)

    first, second = watcher.seen
    assert first["document"]["runs"] == []  # the preview, saved before any run
    assert first["document"]["preview"]["expected_total"] == outcome.expected
    assert [r["client"] for r in second["document"]["runs"]] == ["asyncio"]
    assert second["document"]["interrupted"] is True  # partial until the end
    assert first["files"] == second["files"]  # one file, rewritten
    assert outcome.saved is not None and saved(results) == [outcome.saved]
    final = read(outcome.saved)
    assert [r["client"] for r in final["runs"]] == ["asyncio", "threaded"]
    assert final["interrupted"] is False
    assert outcome.exit_code() == 0


@pytest.mark.slow
def test_a_result_that_cannot_be_saved_still_shows_the_table(
    live_server: LiveServer, tmp_path: Path
) -> None:
    loaded = load(tmp_path, "[clients.asyncio]\n[clients.threaded]")
    results = tmp_path / "results"
    watcher = Watch(results, break_at=2)

    outcome = compare(loaded, live_server.url, results, watcher)

    (broken,) = saved(results)  # the directory put there; no temporary file left beside it
    assert broken.is_dir()
    assert outcome.saved is None
    assert outcome.unsaved == f"{broken}: could not save the result: Is a directory"
    console = Console(record=True, width=200)
    assert show_compare(outcome, console) == 2
    text = console.export_text()
    assert "asyncio" in text and "threaded" in text  # the table, whatever the disk did
    assert text.rstrip().endswith(f"error: {broken}: could not save the result: Is a directory")
    assert "saved " not in text


@pytest.mark.slow
def test_a_sweep_that_cannot_be_saved_still_shows_its_table(
    live_server: LiveServer, tmp_path: Path
) -> None:
    loaded = load(tmp_path, '[clients.asyncio]\n[sweep]\nsetting = "concurrency"\nvalues = [1, 0]')
    results = tmp_path / "results"
    watcher = Watch(results, break_at=2)

    swept = sweep(loaded, live_server.url, results, watcher)

    assert [len(outcome.runs) for _, outcome in swept.outcomes] == [1, 1]
    (broken,) = saved(results)
    assert swept.unsaved == f"{broken}: could not save the result: Is a directory"
    console = Console(record=True, width=200)
    assert show_sweep(swept, console) == 2
    text = console.export_text()
    assert "concurrency" in text
    assert f"error: {broken}: could not save the result: Is a directory" in text


def test_an_outcome_that_could_not_be_saved_exits_2(tmp_path: Path) -> None:
    outcome = Outcome(load(tmp_path, "[clients.asyncio]"), unsaved="results/x.json: full")
    assert outcome.exit_code() == 2


def test_the_longest_name_makes_a_file_name_the_disk_takes(tmp_path: Path) -> None:
    path = result_path(tmp_path, "名" * 100)  # 300 bytes in UTF-8: cut to whole characters
    assert len(path.name.encode()) <= 255
    path.write_text("{}")
    assert path.read_text() == "{}"
