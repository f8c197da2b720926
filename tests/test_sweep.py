"""Sweeps: the variants each setting makes, their validation, the table and plot, and a tiny
sweep end to end against the real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from clients import scenario as scenarios
from clients.console import run_compare as compare
from clients.errors import ScenarioFileError
from clients.harness.sweep import variants
from clients.kinds import in_flight
from clients.report.sweepplot import sweep_plot, sweep_table
from clients.results.points import Point
from clients.scenario import Sweep
from tests.helpers import LiveServer

BASE = """
name = "swept"
seed = 4
speed = 2.0
[workload]
zips = ["90011", "08701", "00926", "79936"]
[server]
latency = {{ model = "fixed", value = 0.01 }}
[clients.blocking]
[clients.asyncio]
concurrency = 3
{sweep}
"""


def load(tmp_path: Path, sweep: str) -> scenarios.Scenario:
    """The base scenario with a [sweep] table, written and loaded."""
    path = tmp_path / "swept.toml"
    path.write_text(BASE.format(sweep=sweep))
    return scenarios.load(path)


def test_concurrency_sweeps_every_client_but_blocking(tmp_path: Path) -> None:
    loaded = load(tmp_path, '[sweep]\nsetting = "concurrency"\nvalues = [1, 0]')
    found = variants(loaded, Sweep("concurrency", (1.0, 0.0)))
    assert [value for value, _ in found] == [1.0, 0.0]
    for value, variant in found:
        by_kind = {c.kind: c for c in variant.clients}
        assert by_kind["asyncio"].concurrency == int(value)
        assert in_flight(by_kind["blocking"]) == 1


def test_zips_sweep_generates_that_many(tmp_path: Path) -> None:
    loaded = load(tmp_path, "")
    (_, small), (_, large) = variants(loaded, Sweep("zips", (3.0, 40.0)))
    assert len(small.workload.zips) == 3 and len(large.workload.zips) == 40
    assert (small.workload.source, large.workload.source) == ("count=3", "count=40")


def test_latency_scale_slows_the_server_and_the_clients_together(tmp_path: Path) -> None:
    loaded = load(tmp_path, "")
    [(_, slower)] = variants(loaded, Sweep("latency_scale", (4.0,)))
    assert slower.speed == pytest.approx(0.5)  # speed 2 ÷ 4: delays, timeouts and backoff × 4
    assert all(c.speed == pytest.approx(0.5) for c in slower.clients)
    assert slower.server_document()["speed"] == pytest.approx(0.5)


def test_error_rate_sets_the_share_of_500s(tmp_path: Path) -> None:
    loaded = load(tmp_path, "")
    [(_, flaky)] = variants(loaded, Sweep("error_rate", (0.25,)))
    assert flaky.server["faults"]["error_500"] == 0.25
    assert "faults" not in loaded.server  # the original is untouched


@pytest.mark.parametrize(
    ("sweep", "key", "fragment"),
    [
        pytest.param('[sweep]\nsetting = "speed"\nvalues = [1]', "sweep.setting", "must be one of",
                     id="unknown-setting"),
        pytest.param('[sweep]\nsetting = ["zips"]\nvalues = [1]', "sweep.setting", "must be one of",
                     id="setting-list"),
        pytest.param('[sweep]\nsetting = "zips"\nvalues = []', "sweep.values", "1 to 50",
                     id="empty"),
        pytest.param('[sweep]\nsetting = "zips"\nvalues = [0]', "sweep.values", "out of range",
                     id="zero-zips"),
        pytest.param('[sweep]\nsetting = "concurrency"\nvalues = [2.5]', "sweep.values",
                     "whole numbers", id="fractional-concurrency"),
        pytest.param('[sweep]\nsetting = "error_rate"\nvalues = [1.5]', "sweep.values",
                     "out of range", id="rate-above-one"),
        pytest.param('[sweep]\nsetting = "zips"\nvalues = [true]', "sweep.values", "not a number",
                     id="bool"),
        pytest.param('[sweep]\nsetting = "zips"\nvalue = [1]', "sweep.value", "did you mean",
                     id="typo"),
    ],
)  # fmt: skip
def test_bad_sweeps_name_the_key(tmp_path: Path, sweep: str, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        load(tmp_path, sweep)
    assert caught.value.key == key
    assert fragment in str(caught.value)
    assert str(tmp_path / "swept.toml") in str(caught.value)


POINTS = [
    Point("threaded", 1.0, 2.0, 50.0, 0.05, True),
    Point("asyncio", 1.0, 2.0, 50.0, 0.05, True),
    Point("threaded", 0.0, 0.2, 500.0, 0.08, True),
    Point("asyncio", 0.0, 0.1, 1000.0, 0.09, False),
]


def test_the_sweep_table_has_a_row_per_value_and_marks_wrong_totals() -> None:
    console = Console(record=True, width=120)
    console.print(sweep_table("concurrency", POINTS, "a sweep"))
    text = console.export_text()
    assert "2.00 s · 50 · 50 ms" in text
    assert "100 ms · 1,000 · 90 ms ✗" in text
    assert "∞" in text  # concurrency 0 is no limit


def test_the_plot_puts_each_client_at_its_wall_time() -> None:
    console = Console(record=True, width=120)
    console.print(sweep_plot("concurrency", POINTS, width=40, height=8))
    lines = console.export_text().splitlines()
    assert lines[0].lstrip().startswith("2.00 s")  # the slowest wall is the top of the axis
    assert lines[7].lstrip().startswith("100 ms")  # the fastest, the bottom
    assert "●" in lines[0] and "▲" in lines[0]  # both clients took 2 s at concurrency 1
    assert "▲" in lines[7]  # asyncio's 100 ms at ∞
    assert "● threaded" in lines[-1] and "▲ asyncio" in lines[-1]


@pytest.mark.slow
def test_a_sweep_end_to_end(tmp_path: Path, live_server: LiveServer) -> None:
    loaded = load(tmp_path, '[sweep]\nsetting = "zips"\nvalues = [2, 4]')
    console = Console(record=True, width=140)
    code = compare(loaded, live_server.url, console, tmp_path / "results")
    assert code == 0
    text = console.export_text()
    assert "sweep of zips" in text and "wall · req/s · p99" in text
    [saved] = sorted((tmp_path / "results").glob("*.json"))
    document = json.loads(saved.read_text())
    assert document["kind"] == "sweep" and document["sweep"]["values"] == [2.0, 4.0]
    assert {p["value"] for p in document["points"]} == {2.0, 4.0}
    assert all(p["correct"] for p in document["points"])
    assert [len(v["result"]["runs"]) for v in document["variants"]] == [2, 2]
    assert saved.with_suffix(".svg").read_text().lstrip().startswith("<svg")


@pytest.mark.slow
def test_a_sweep_shows_failed_clients_and_checks_expectations_per_value(
    tmp_path: Path, live_server: LiveServer
) -> None:
    sweep = '[sweep]\nsetting = "zips"\nvalues = [2, 3]\n'
    expect = '[[expect]]\nclient = "asyncio"\nfigure = "wall"\nmax = 0.000001\n'
    path = tmp_path / "failing.toml"
    path.write_text(BASE.format(sweep=sweep + expect).replace(
        "[clients.blocking]", "[clients.blocking]\npython = '/no/such/python3'"))  # fmt: skip
    console = Console(record=True, width=160)
    code = compare(scenarios.load(path), live_server.url, console, tmp_path / "results")
    text = console.export_text()
    assert code == 1
    assert "failed: blocking: interpreter /no/such/python3 not found" in text
    assert "zips = 2: expectations: 0/1 passed" in text
    assert "zips = 3: expectations: 0/1 passed" in text
