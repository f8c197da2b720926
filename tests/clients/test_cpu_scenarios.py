"""The shipped CPU scenarios, run for real (on a dozen of their zips): the figures and the notes
come out in the shape the talk's slides state. Shapes, never timings: the machine is shared."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from clients.harness.compare import Outcome, compare
from clients.kinds._loop import LAG_EVERY
from clients.results.diagnoses import diagnose
from clients.results.summary import Summary
from clients.scenario import Scenario, load
from tests.helpers import ROOT

CORES = os.cpu_count() or 1


def run_shipped(name: str, server: Any, results: Path, zips: int = 12) -> Outcome:
    """A shipped scenario on its first `zips` zips, its expectations left out (they are timings)."""
    scenario: Scenario = load(ROOT / "scenarios" / f"{name}.toml")
    workload = replace(scenario.workload, zips=scenario.workload.zips[:zips])
    return compare(replace(scenario, workload=workload, expect=()), server.url, results)


def rows(outcome: Outcome) -> dict[str, Summary]:
    """Each client's row; every one ran and summed right."""
    found = {s.client: s for s in outcome.summaries()}
    for s in found.values():
        assert s.correct, (s.client, s.skipped)
    return found


def working_processes(outcome: Outcome, client: str) -> int:
    """How many processes of a client's run spent over 100 ms on a CPU (its trains); 2 where
    the trains were not sampled (not Linux), so the check says nothing there."""
    (run,) = [r for r in outcome.runs if r.client == client]
    if run.samples is None:
        return 2
    return sum(1 for t in run.samples.tracks if t.kind == "process" and sum(t.cpu_us) > 100_000)


def kinds_of_notes(outcome: Outcome) -> dict[str, set[str]]:
    """Each client's kinds of note."""
    said: dict[str, set[str]] = {}
    for note in diagnose(outcome.summaries(), outcome.runs):
        said.setdefault(note.client, set()).add(note.kind)
    return said


@pytest.mark.slow
def test_cpu_bound_shows_the_gil_slide(live_server: Any, tmp_path: Path) -> None:
    outcome = run_shipped("cpu-bound", live_server, tmp_path)
    row = rows(outcome)
    cpu = outcome.scenario.workload.cpu
    assert row["threaded"].cores is not None and row["threaded"].cores <= 1.2  # the GIL
    for client in ("processes", "asyncio-process", "asyncio-x2"):
        assert working_processes(outcome, client) >= 2  # the work ran in several processes
    # A timer due while the inline loop did one answer's work ran after it.
    assert row["asyncio"].loop_lag_max is not None
    assert row["asyncio"].loop_lag_max >= cpu - LAG_EVERY
    assert row["asyncio-thread"].loop_lag is not None and row["threaded"].loop_lag is None
    said = kinds_of_notes(outcome)
    assert "cpu on the loop" in said["asyncio"]
    if CORES >= 2:  # the GIL note compares with the machine's cores
        assert "gil" in said["threaded"]
    for client in ("processes", "asyncio-process", "asyncio-x2"):
        assert "processes" in said[client]  # won or lost, and what starting them cost
    preview = outcome.preview
    assert preview["cpu"]["per_answer"] == cpu
    # Each answer's work counts in the ideal: one at a time pays every wait and every piece.
    assert preview["makespans"]["1"] >= preview["cpu"]["wait_makespans"]["1"] + 12 * cpu - 1e-9
    assert outcome.document()["notes"]


@pytest.mark.slow
def test_cpu_native_lets_threads_run_in_parallel(live_server: Any, tmp_path: Path) -> None:
    outcome = run_shipped("cpu-native", live_server, tmp_path, zips=8)
    row = rows(outcome)
    assert row["asyncio"].loop_lag_max is not None
    assert row["asyncio"].loop_lag_max >= outcome.scenario.workload.cpu - LAG_EVERY
    said = kinds_of_notes(outcome)
    assert "cpu on the loop" in said["asyncio"]
    assert "cpu on the loop" not in said.get("asyncio-thread", set())  # the work left the loop


@pytest.mark.slow
def test_blocking_in_async_is_named_with_its_line(live_server: Any, tmp_path: Path) -> None:
    outcome = run_shipped("blocking-in-async", live_server, tmp_path, zips=20)
    row = rows(outcome)
    source = (ROOT / "examples" / "blocking_in_async.py").read_text(encoding="utf-8")
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "requests.get(" in text)
    notes = [n for n in diagnose(outcome.summaries(), outcome.runs) if n.client == "bad-async"]
    assert [n.kind for n in notes] == ["blocking call in a coroutine"]
    assert f"blocking_in_async.py:{line} in count, requests.api.get" in notes[0].text
    assert "never had more than 1 request in flight" in notes[0].text
    assert not [n for n in diagnose(outcome.summaries(), outcome.runs)
                if n.client == "fixed-async"]  # fmt: skip
    assert row["bad-async"].loop_lag_max is not None and row["fixed-async"].loop_lag_max is not None
    assert row["bad-async"].loop_lag_max > row["fixed-async"].loop_lag_max
