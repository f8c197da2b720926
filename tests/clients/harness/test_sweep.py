"""Sweeps: the variants each setting makes (client settings reaching every kind that has them),
and a tiny sweep end to end against the real server. Their validation is in `test_sweeps.py`,
the table and plot in `report/test_sweepplot.py`."""

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
from clients.scenario import parse
from clients.sweeps import Sweep
from server.config.parser import parse_config
from tests.builders import SWEPT_BASE, code_sweep, swept
from tests.helpers import ROOT, LiveServer


def test_concurrency_sweeps_every_client_but_blocking(tmp_path: Path) -> None:
    loaded = swept(tmp_path, '[sweep]\nsetting = "concurrency"\nvalues = [1, 0]')
    found = variants(loaded, Sweep.one("concurrency", (1.0, 0.0)))
    assert [combination.pairs for combination, _ in found] == [
        (("concurrency", 1.0),),
        (("concurrency", 0.0),),
    ]
    for combination, variant in found:
        [(_, value)] = combination.pairs
        by_kind = {c.kind: c for c in variant.clients}
        assert by_kind["asyncio"].concurrency == int(value)
        assert in_flight(by_kind["blocking"]) == 1


def test_zips_sweep_generates_that_many(tmp_path: Path) -> None:
    loaded = swept(tmp_path, "")
    (_, small), (_, large) = variants(loaded, Sweep.one("zips", (3.0, 40.0)))
    assert len(small.workload.zips) == 3 and len(large.workload.zips) == 40
    assert (small.workload.source, large.workload.source) == ("count=3", "count=40")


def test_latency_scale_slows_the_server_and_the_clients_together(tmp_path: Path) -> None:
    loaded = swept(tmp_path, "")
    [(_, slower)] = variants(loaded, Sweep.one("latency_scale", (4.0,)))
    assert slower.speed == pytest.approx(0.5)  # speed 2 ÷ 4: delays, timeouts and backoff × 4
    assert all(c.speed == pytest.approx(0.5) for c in slower.clients)
    assert slower.server_document()["speed"] == pytest.approx(0.5)


def test_error_rate_sets_the_share_of_500s(tmp_path: Path) -> None:
    loaded = swept(tmp_path, "")
    [(_, flaky)] = variants(loaded, Sweep.one("error_rate", (0.25,)))
    assert flaky.server["faults"]["error_500"] == 0.25
    assert "faults" not in loaded.server  # the original is untouched


def test_a_dip_is_swept_by_its_depth_and_length() -> None:
    loaded = scenarios.load(ROOT / "scenarios" / "metastability-map.toml")
    grid = Sweep((("dip_workers", (3.0, 1.0)), ("dip_for", (2.0,))), grid=True)
    found = variants(loaded, grid)
    assert [c.as_dict() for c, _ in found] == [{"dip_workers": 3, "dip_for": 2.0},
                                                {"dip_workers": 1, "dip_for": 2.0}]  # fmt: skip
    for combination, variant in found:
        (dip,) = variant.server["phases"]
        assert dip["capacity"]["workers"] == combination.as_dict()["dip_workers"]
        assert dip["for"] == 2.0 and isinstance(dip["capacity"]["workers"], int)
        parse_config(variant.server_document())  # the server takes every combination
    assert loaded.server["phases"][0]["for"] == 4  # the original is untouched


def test_a_dip_sweep_needs_a_phase(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[workload]\nzips = ["90011"]\n[clients.asyncio]\n'
                    "[sweep]\nsetting = \"dip_for\"\nvalues = [1, 2]\n")  # fmt: skip
    with pytest.raises(ScenarioFileError, match=r"sweep: dip_for varies the last "
                       r"\[\[server.phases\]\], and the server section has none"):  # fmt: skip
        scenarios.load(path)


@pytest.mark.slow
def test_a_sweep_end_to_end(tmp_path: Path, live_server: LiveServer) -> None:
    loaded = swept(tmp_path, '[sweep]\nsetting = "zips"\nvalues = [2, 4]')
    console = Console(record=True, width=140)
    code = compare(loaded, live_server.url, console, tmp_path / "results")
    assert code == 0
    text = console.export_text()
    said = " ".join(text.split())
    assert "sweep of zips" in said and "att/zip: requests sent per zip" in said
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
    path.write_text(SWEPT_BASE.format(sweep=sweep + expect).replace(
        "[clients.blocking]", "[clients.blocking]\npython = '/no/such/python3'"))  # fmt: skip
    console = Console(record=True, width=160)
    code = compare(scenarios.load(path), live_server.url, console, tmp_path / "results")
    text = console.export_text()
    assert code == 1
    assert "failed: blocking: interpreter /no/such/python3 not found" in text
    assert "zips 2: expectations: 0/1 passed" in text
    assert "zips 3: expectations: 0/1 passed" in text


@pytest.mark.parametrize(
    ("setting", "values", "field", "kinds"),
    [
        pytest.param("timeout", [0.5, 2], "timeout", {"blocking", "asyncio", "browser", "command"},
                     id="timeout"),
        pytest.param("retries", [1, 3], "retries", {"blocking", "asyncio", "command"},
                     id="retries"),
        pytest.param("backoff", [0.01, 0.2], "backoff", {"blocking", "asyncio", "command"},
                     id="backoff"),
        pytest.param("concurrency", [1, 8], "concurrency", {"asyncio", "command"},
                     id="concurrency"),
    ],
)  # fmt: skip
def test_a_client_setting_sweep_reaches_every_client_that_has_it(
    setting: str, values: list[float], field: str, kinds: set[str]
) -> None:
    loaded = parse(code_sweep(setting, values), "t.toml")
    assert loaded.sweep is not None
    for combination, variant in variants(loaded, loaded.sweep):
        [(_, value)] = combination.pairs
        changed = {c.kind for c in variant.clients if getattr(c, field) == value}
        assert changed == kinds, (value, changed)
        whole = {type(getattr(c, field)) for c in variant.clients if c.kind in kinds}
        assert whole == ({int} if setting in ("retries", "concurrency") else {float})


TUNED = """
name = "tuned"
seed = 11
speed = 2.0
[workload]
count = 12
[server]
latency = {{ model = "fixed", value = 0.01 }}
faults = {{ error_500 = 0.25 }}
[clients.asyncio]
backoff = 0.01
[clients.threaded]
concurrency = 4
backoff = 0.01
[sweep]
grid = {{ timeout = [0.5, 1.0], retries = [0, 4] }}
[tune]
require = [{{ figure = "failed", max = 0 }}]
minimize = "{objective}"
then = "amplification"
"""


@pytest.mark.slow
def test_a_grid_sweep_answers_with_the_combination_its_saved_figures_pick(
    tmp_path: Path, live_server: LiveServer
) -> None:
    path = tmp_path / "tuned.toml"
    path.write_text(TUNED.format(objective="p99"))
    console = Console(record=True, width=160)
    code = compare(scenarios.load(path), live_server.url, console, tmp_path / "results")
    [saved] = sorted((tmp_path / "results").glob("*.json"))
    document = json.loads(saved.read_text())
    assert [v["label"] for v in document["variants"]] == [
        "timeout 0.5 s, retries 0", "timeout 0.5 s, retries 4",
        "timeout 1 s, retries 0", "timeout 1 s, retries 4"]  # fmt: skip
    tuned = {a["client"]: a for a in document["tune"]["answers"]}
    assert set(tuned) == {"asyncio", "threaded"}
    text = console.export_text()
    for client in ("asyncio", "threaded"):  # the pick made here, from the saved figures alone
        mine = [p for p in document["points"] if p["client"] == client]
        met = [(i, p) for i, p in enumerate(mine) if p["figures"]["failed"] <= 0]
        met.sort(key=lambda ip: (ip[1]["figures"]["p99"], ip[1]["figures"]["amplification"],
                                 ip[0]))  # fmt: skip
        answer = tuned[client]
        assert answer["met"] == len(met) and answer["combinations"] == 4
        if met:
            assert answer["best"]["combination"] == met[0][1]["combination"]
            assert answer["sentence"].startswith(f"best for {client}: ")
        else:
            assert answer["best"] is None and "no combination for" in answer["sentence"]
        assert answer["sentence"] in text.replace("\n", " ") or answer["sentence"][:60] in text
    with_retries = [p for p in document["points"] if p["combination"]["retries"] == 4]
    assert all(p["figures"]["retried"] > 0 for p in with_retries)  # a 25 % error rate, retried
    assert code == (0 if all(a["found"] for a in tuned.values()) else 1)
