"""The shipped reproduction of Brooker's "Exponential Backoff And Jitter": run against the real
server, its [[expect]] shape holds (no backoff makes by far the most calls, exponential without
jitter takes the longest, the jittered ones make far fewer calls and finish well before it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from clients import scenario as scenarios
from clients.console import run_compare
from clients.results.document import summaries_of
from tests.helpers import ROOT, LiveServer

SCENARIO = ROOT / "scenarios" / "backoff-jitter.toml"
STRATEGIES = ("no-backoff", "exponential", "full-jitter", "equal-jitter", "decorrelated-jitter")


def test_one_client_per_strategy_with_one_base_and_cap() -> None:
    loaded = scenarios.load(SCENARIO)
    by_name = {c.name: c for c in loaded.clients}
    assert tuple(by_name) == STRATEGIES
    assert {c.jitter for c in loaded.clients} == {"none", "full", "equal", "decorrelated"}
    assert by_name["no-backoff"].backoff == 0 and by_name["exponential"].jitter == "none"
    backed = [c for c in loaded.clients if c.name != "no-backoff"]
    assert {(c.backoff, c.backoff_max) for c in backed} == {(0.005, 0.2)}  # one base, one cap
    assert all(c.retries >= 1000 and c.concurrency == 0 for c in loaded.clients)  # until done
    assert loaded.server["capacity"] == {"workers": 1, "queue": 0}
    assert len(loaded.expect) == 8


@pytest.mark.slow
def test_the_blogs_shape_holds_against_the_real_server(
    tmp_path: Path, live_server: LiveServer
) -> None:
    console = Console(record=True, width=160)
    code = run_compare(scenarios.load(SCENARIO), live_server.url, console, tmp_path / "results")
    [saved] = sorted((tmp_path / "results").glob("*.json"))
    rows = {s.client: s for s in summaries_of(json.loads(saved.read_text()))}
    measured = {name: (rows[name].counts.requests, round(rows[name].wall, 2)) for name in rows}
    finished = [rows[name].counts.failed == 0 and rows[name].correct for name in STRATEGIES]
    assert all(finished), measured
    text = console.export_text()
    assert "expectations: 14/14 passed" in text, (measured, text[-3000:])  # 8, some for each
    assert code == 0, measured
    calls = {name: rows[name].counts.requests for name in STRATEGIES}
    assert max(calls, key=calls.__getitem__) == "no-backoff", measured
    walls = {name: rows[name].wall for name in STRATEGIES}
    assert max(walls, key=walls.__getitem__) == "exponential", measured
