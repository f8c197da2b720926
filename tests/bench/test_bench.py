"""The benchmarks: pure helpers unit-tested, and every benchmark run once at a tiny size.

No test here asserts a ratio, a rate or a duration: figures depend on the machine. The smoke
test checks that each benchmark runs to the end and produces rows with the expected fields.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from rich.console import Console

from bench import (
    cli,
    clientcost,
    context,
    distribution,
    fanout,
    fidelity,
    inprocess,
    journalcost,
    loadgen,
    models,
    overhead,
    procs,
    reference,
)
from bench.figures import (
    bound_hit,
    cpu_floor,
    cpuinfo_model,
    latency_summary,
    meets,
    per_request_us,
    percentile,
    proc_stat_ticks,
    ratio,
    relative_error,
    requests_done,
    requests_per_second,
    server_timing_ms,
)
from bench.report import cell, outcome_table
from bench.results import Column, Outcome, check, missing_keys
from clients.zipsets import MEMPY_2015
from server.config.parser import parse_config
from server.models import latency
from tests.helpers import ROOT

SMOKE_DEADLINE = 180.0  # a bound on the smoke run, never asserted on


# --- figures -------------------------------------------------------------------------------


def test_percentile_interpolates_and_handles_edges() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0], 1.0) == 2.0
    assert percentile([5.0], 0.99) == 5.0
    assert math.isnan(percentile([], 0.5))


def test_latency_summary_is_in_milliseconds() -> None:
    summary = latency_summary([0.3, 0.1, 0.2])
    assert summary["p50_ms"] == pytest.approx(200.0)
    assert summary["max_ms"] == pytest.approx(300.0)
    assert math.isnan(latency_summary([])["p99_ms"])


def test_ratio_and_errors() -> None:
    assert ratio(3.0, 4.0) == 0.75
    assert ratio(None, 4.0) is None
    assert ratio(1.0, 0.0) is None
    assert relative_error(105.0, 100.0) == pytest.approx(0.05)
    assert relative_error(95.0, 100.0) == pytest.approx(-0.05)
    assert per_request_us(0.5, 1000) == pytest.approx(500.0)
    assert per_request_us(0.5, 0) is None


def test_meets_is_false_for_missing_values() -> None:
    assert meets(0.9, 0.85, at_least=True)
    assert not meets(0.8, 0.85, at_least=True)
    assert meets(1.1, 1.1, at_least=False)
    assert not meets(None, 1.0, at_least=False)
    assert not meets(math.nan, 1.0, at_least=True)


def test_cpu_floor_and_bound() -> None:
    assert cpu_floor(1000, 0.0004, 2) == pytest.approx(0.2)
    assert bound_hit(0.4, 0.1, 0.2).startswith("CPU (2.0×")
    assert bound_hit(0.15, 0.1, 0.05).startswith("latency (1.5×")


def test_parsers() -> None:
    assert cpuinfo_model("processor\t: 0\nmodel name\t: Example CPU\n") == "Example CPU"
    assert cpuinfo_model("") == "unknown"
    stat = "123 (python -m (x)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0"
    assert proc_stat_ticks(stat) == 300
    assert server_timing_ms("intended;dur=50.000, queue;dur=0.000, overshoot;dur=-1.5") == {
        "intended": pytest.approx(50.0), "queue": 0.0, "overshoot": pytest.approx(-1.5),
    }  # fmt: skip
    wrk = "  123456 requests in 3.00s, 1.2GB read\nRequests/sec:  41152.00\n"
    assert requests_per_second(wrk) == 41152.0
    assert requests_done(wrk) == 123456
    hey = "Summary:\n  Requests/sec:\t1234.5678\n\nStatus codes:\n  [200]\t500 responses\n"
    assert requests_per_second(hey) == pytest.approx(1234.5678)
    assert requests_done(hey) == 500
    assert requests_per_second("nothing") is None


# --- models: an independent implementation, checked against the server's --------------------


LOGNORMAL = {"model": "lognormal", "median": 0.05, "p99": 0.2}


@pytest.mark.parametrize("name", sorted(distribution.MODELS))
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.95, 0.99])
def test_models_agree_with_the_server(name: str, q: float) -> None:
    document = distribution.MODELS[name]
    server_model = parse_config({"server": {"latency": document}}).latency
    assert models.quantile(document, q) == pytest.approx(server_model.quantile(q), rel=1e-6)


def test_model_quantiles_match_their_specification() -> None:
    assert models.quantile(LOGNORMAL, 0.5) == pytest.approx(0.05)
    assert models.quantile(LOGNORMAL, 0.99) == pytest.approx(0.2)
    table = distribution.MODELS["percentiles"]
    assert [models.quantile(table, q) for q in (0.5, 0.9, 0.99, 1.0)] == pytest.approx(
        [0.05, 0.1, 0.3, 0.5]
    )
    mixture = distribution.MODELS["mixture"]
    assert models.cdf(mixture, models.quantile(mixture, 0.99)) == pytest.approx(0.99, abs=1e-9)


def test_scaled_divides_delays_not_weights() -> None:
    half = models.scaled(distribution.MODELS["mixture"], 0.5)
    assert [c["weight"] for c in half["components"]] == [0.97, 0.03]
    assert half["components"][1]["high"] == 0.5
    assert models.quantile(models.scaled(LOGNORMAL, 0.5), 0.5) == pytest.approx(0.025)


def test_quantile_rows_from_exact_draws_have_no_error() -> None:
    model = distribution.MODELS["percentiles"]
    draws = [latency.Percentiles(((0, 0), (0.5, 0.05), (0.9, 0.1), (0.99, 0.3), (1, 0.5))).quantile(
        i / 9999) for i in range(10_000)]  # fmt: skip
    rows = distribution.quantile_rows("percentiles", model, 1.0, draws, [d + 0.001 for d in draws])
    assert [row["quantile"] for row in rows] == ["p50", "p90", "p99", "max"]
    assert all(abs(row["intended_error"]) < 1e-3 and row["met"] for row in rows)
    assert all(row["client_error"] > 0 for row in rows)
    checks = distribution.checks_for(rows)
    assert [c.label for c in checks] == [
        "percentiles: worst served error", "percentiles: worst client-observed error",
    ]  # fmt: skip


# --- rows and checks of each benchmark (pure) ---------------------------------------------


def figures(rps: float, server_us: float) -> dict[str, Any]:
    return {"ok": 10, "errors": 0, "rps": rps, "server_us": server_us, "loadgen_us": 20.0}


def test_overhead_rows_are_fractions_of_their_baseline() -> None:
    labels = [case.label for case in overhead.CASES if not case.same_as]
    measured = {label: [figures(1000.0, 30.0)] for label in labels}
    measured["fake jobs"] = [figures(900.0, 40.0)]
    measured["fake search"] = [figures(500.0, 80.0)]
    measured["fake jobs, journal off"] = [figures(920.0, 38.0)]
    rows = overhead.rows_for("asyncio", measured)
    by_target = {row["target"]: row for row in rows}
    assert by_target["fake jobs"]["ratio"] == pytest.approx(0.9)
    assert by_target["fake jobs"]["met"] is True
    assert by_target["fake search"]["met"] is False
    assert by_target["reference jobs"]["met"] is None
    journal = by_target[overhead.JOURNAL_ROW]  # the journal's cost: on ÷ off, target ≥ 0.95
    assert journal["rps"] == 900.0 and journal["ratio"] == pytest.approx(900 / 920)
    assert journal["met"] is True and journal["goal"] == "≥ 0.95"
    checks = overhead.checks_for(rows)
    assert [c.target for c in checks] == ["≥ 0.85"] * 4 + ["≥ 0.95"]
    assert [c.passed for c in checks] == [True, False, True, True, True]


def test_overhead_takes_each_cases_least_disturbed_round() -> None:
    runs = [figures(900.0, 40.0), figures(450.0, 80.0), figures(880.0, 39.0)]
    assert overhead.best(runs) == {
        "rps": 900.0, "server_us": 39.0, "loadgen_us": 20.0, "ok": 30, "errors": 0,
    }  # fmt: skip


def test_all_features_is_a_valid_scenario_that_draws_nothing() -> None:
    config = parse_config(overhead.all_features())
    assert config.rate_limit is not None and config.capacity is not None
    assert config.faults.total == 0.0
    assert config.latency_for("jobs", "90011") == latency.Fixed(0.0)


def burst_run(wall: float, p99: float, errors: int = 0) -> dict[str, Any]:
    return {"errors": errors, "wall": wall, "client_ms": [p99 / 2, p99, p99],
            "overshoot_ms": [1.0, 2.0, 3.0]}  # fmt: skip


def test_fidelity_rows_compare_with_the_reference() -> None:
    rows = fidelity.rows_for("uvloop", 1000, [burst_run(0.21, 105.0)], [burst_run(0.2, 100.0)])
    assert rows[0]["wall_ratio"] == pytest.approx(1.05)
    assert rows[0]["overshoot_ratio"] == pytest.approx(1.0)
    assert rows[0]["met"] is True
    assert rows[1]["server"] == "reference" and rows[1]["met"] is None
    slow = fidelity.rows_for(
        "uvloop", 1000, [burst_run(0.3, 105.0, errors=1)], [burst_run(0.2, 100.0)]
    )
    assert slow[0]["met"] is False
    checks = fidelity.checks_for(slow)
    assert [c.passed for c in checks] == [False, False, True, True]


def test_fidelity_compares_each_servers_shortest_run() -> None:
    fakes = [burst_run(0.22, 110.0), burst_run(0.5, 300.0), burst_run(0.21, 100.0)]
    refs = [burst_run(0.2, 100.0), burst_run(0.5, 290.0), burst_run(0.3, 90.0)]
    fake_row = fidelity.rows_for("asyncio", 10, fakes, refs)[0]
    assert fake_row["wall"] == 0.21
    assert fake_row["wall_ratio"] == pytest.approx(0.21 / 0.2)
    assert fake_row["p99_ratio"] == pytest.approx(1.0)


def test_client_cost_ratios_are_to_asyncio() -> None:
    rows = clientcost.with_ratios([
        {"client": "blocking", "rps": 100.0, "cpu_us": 600.0},
        {"client": "asyncio", "rps": 1000.0, "cpu_us": 100.0},
        {"client": "wrk / hey", "rps": None, "cpu_us": None},
    ])  # fmt: skip
    assert rows[0]["rps_ratio"] == pytest.approx(0.1)
    assert rows[0]["cpu_ratio"] == pytest.approx(6.0)
    assert rows[2]["rps_ratio"] is None


def test_client_cost_settings() -> None:
    assert clientcost.settings_for("blocking", 50).concurrency == 0
    threaded = clientcost.settings_for("threaded", 50)
    assert (threaded.concurrency, threaded.per_page) == (50, 0)
    assert set(clientcost.kinds()) >= {"blocking", "threaded", "asyncio", "uvloop"}


def test_fanout_row_names_the_bound() -> None:
    measured = {"ok": 1000, "requests": 1000, "wall": 0.5, "client_cpu": 0.3, "server_cpu": 0.1}
    row = fanout.fanout_row("asyncio", "a task per zip", measured, 0.1, 2)
    assert row["ideal_ratio"] == pytest.approx(5.0)
    assert row["floor"] == pytest.approx(0.2)
    assert row["bound"].startswith("CPU")
    failed = fanout.fanout_row("asyncio", "x", {"note": "failed: boom"}, 0.1, 2)
    assert failed["bound"] == "failed: boom" and failed["wall"] is None


# --- results, report, command line --------------------------------------------------------


def test_check_and_missing_keys() -> None:
    assert check("x", 0.9, 0.85, at_least=True).target == "≥ 0.85"
    assert not check("x", 6.0, 5.0, at_least=False, unit=" ms").passed
    outcome = Outcome(9, "t", (Column("a", "A"), Column("b", "B")), rows=[{"a": 1}])
    assert missing_keys(outcome) == ["b"]


def test_cells_and_table_render() -> None:
    assert cell(None, "ratio") == "–"
    assert cell(0.853, "ratio") == "0.85×"
    assert cell(12345.6, "rate") == "12,346/s"
    assert cell(-0.0312, "pct") == "-3.1%"
    assert cell([1.234, 20.0, 300.0], "ms3") == "1.2/20/300 ms"
    outcome = Outcome(1, "title", (Column("x", "x", "ms"), Column("ok", "ok", "mark")))
    outcome.rows = [{"x": 5.0, "ok": True}]
    outcome.checks = [check("x small", 5.0, 10.0, at_least=False)]
    console = Console(record=True, width=120)
    console.print(outcome_table(outcome))
    text = console.export_text()
    assert "5.00 ms" in text and "✓ x small" in text


def check_client_rows(rows: list[dict[str, Any]]) -> None:
    """Benchmark 4's rows: every client kind, and the reference tool's row named after what
    this machine has on PATH (wrk, hey, or neither), never a fixed name."""
    clients = {row["client"]: row for row in rows}
    assert {"blocking", "threaded", "asyncio", "uvloop"} <= set(clients)
    assert clientcost.tool_label() in clients, sorted(clients)


FAKE_WRK = """#!/bin/sh
echo "Running 3s test @ $5"
echo "  1234 requests in 3.00s, 1.00MB read"
echo "Requests/sec:    411.33"
"""


@pytest.mark.slow  # runs a fake wrk: a process
@pytest.mark.parametrize("tools", [pytest.param((), id="neither"), pytest.param(("wrk",), id="wrk"),
                                   pytest.param(("hey", "wrk"), id="both")])  # fmt: skip
def test_the_tool_row_follows_what_is_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tools: tuple[str, ...]
) -> None:
    for tool in tools:
        script = tmp_path / tool
        script.write_text(FAKE_WRK)
        script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))  # only the fakes: this machine's own tools hidden
    served = SimpleNamespace(url="http://127.0.0.1:9")
    row = clientcost.tool_row(served, 100, 10)  # type: ignore[arg-type]
    kinds = [{"client": kind} for kind in ("blocking", "threaded", "asyncio", "uvloop")]
    check_client_rows([*kinds, row])
    if not tools:
        assert row["client"] == "wrk / hey" and row["note"].startswith("skipped")
    else:
        assert row["client"] == "wrk"  # wrk first when both are there
        assert (row["ok"], row["rps"]) == (1234, 411.33)


def test_parse_only() -> None:
    assert cli.parse_only(None) == (1, 2, 3, 4, 5, 6, 7, 8)
    assert cli.parse_only("3, 1,3") == (1, 3)
    with pytest.raises(ValueError, match="--only"):
        cli.parse_only("9")


# --- the load generator against an in-process server (the benchmarks never do this) -------


def test_parse_head_and_request() -> None:
    head = loadgen.parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nServer-Timing: a;dur=1")
    assert head == loadgen.Head(200, 12, "a;dur=1")
    with pytest.raises(loadgen.ProtocolError):
        loadgen.parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked")
    with pytest.raises(loadgen.ProtocolError):
        loadgen.parse_head(b"garbage")
    assert loadgen.request_bytes("h", "/p", close=True).endswith(b"Connection: close\r\n\r\n")


@pytest.mark.parametrize("mode", ["closed", "burst"])
async def test_loadgen_counts_answers(aiohttp_server: Any, mode: str) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=b"hello", headers={"Server-Timing": "intended;dur=2.5"})

    app = web.Application()
    app.router.add_get("/x", hello)
    server = await aiohttp_server(app)
    job = loadgen.Job("127.0.0.1", server.port, ("/x", "/missing"), 20, 4, mode, 10.0, True)
    result = await loadgen.run_job(job)
    assert result["statuses"] == {"200": 10, "404": 10}
    assert result["ok"] == 10 and result["errors"] == {}
    assert len(result["latencies"]) == 20
    assert result["intended"].count(2.5) == 10


# --- every benchmark, end to end, at a tiny size --------------------------------------------


@pytest.mark.slow
def test_smoke_run_produces_every_table(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=SMOKE_DEADLINE,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:] + completed.stdout[-2000:]
    document = json.loads(output.read_text())
    assert document["mode"] == "smoke"
    assert {"cpu_model", "cores", "python", "libraries", "date"} <= set(document["machine"])
    benchmarks = {b["number"]: b for b in document["benchmarks"]}
    assert sorted(benchmarks) == [1, 2, 3, 4, 5, 6, 7, 8]
    for number, benchmark in benchmarks.items():
        columns = {c["key"] for c in benchmark["columns"]}
        assert benchmark["rows"], f"benchmark {number} has no rows"
        for row in benchmark["rows"]:
            assert columns <= set(row), f"benchmark {number}: a row lacks {columns - set(row)}"
    assert all(row["rps"] for row in benchmarks[1]["rows"])
    assert all(row["errors"] == 0 for row in benchmarks[2]["rows"])
    assert {row["model"] for row in benchmarks[3]["rows"]} == set(distribution.MODELS)
    clients = {row["client"]: row for row in benchmarks[4]["rows"]}
    assert clients["asyncio"]["ok"] == clients["blocking"]["ok"] > 0
    check_client_rows(benchmarks[4]["rows"])
    assert [row["client"] for row in benchmarks[5]["rows"]] == ["asyncio", "uvloop", "threaded"]
    assert all(row["wall"] for row in benchmarks[5]["rows"])
    stalls = benchmarks[6]["rows"]
    assert stalls[0]["case"].startswith("nothing else") and len(stalls) == 5
    assert all(row["ok"] > 0 and not row["failures"] for row in stalls)
    assert all(row["actions"] > 0 for row in stalls[1:])  # each case's work ran meanwhile
    scaling = benchmarks[7]["rows"]
    assert [row["workers"] for row in scaling][:3] == [1, 1, 2]
    assert all(row["rps"] and row["errors"] == 0 for row in scaling)
    assert scaling[0]["ratio"] == 1.0
    state = {(row["case"], row["in_flight"]): row for row in benchmarks[8]["rows"]}
    assert float(state[("--state (Valkey)", 64)]["trips"]) < 0.5  # a tick's requests share one
    assert state[("local (in memory)", 64)]["trips"] is None


# --- a failed benchmark: its reason on the terminal, the tracked results kept -------------------


def test_write_all_fills_a_non_blocking_pipe() -> None:
    # What uvloop can leave behind: stdout non-blocking. A plain write of more than the pipe
    # holds stops at the pipe's size (the benchmark then read JSON cut at char 131071).
    data = json.dumps({"latencies": [i / 7 for i in range(60_000)]}).encode()
    assert len(data) > 16 * 65_536
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    received = bytearray()

    def drain() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            while chunk := pipe.read(4096):
                received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        loadgen.write_all(write_end, data)
    finally:
        os.close(write_end)
        reader.join(timeout=30)
    assert bytes(received) == data


def test_a_cut_result_is_a_bench_error_that_says_so() -> None:
    assert procs.parse_result('progress\n{"ok": 3}\n') == {"ok": 3}
    with pytest.raises(procs.BenchError, match=r"not JSON \(14 characters"):
        procs.parse_result('{"ok": 3, "lat')
    with pytest.raises(procs.BenchError, match="not a JSON object"):
        procs.parse_result("[1, 2]")


def ran(context: Any) -> Outcome:
    outcome = Outcome(1, "fine", (Column("x", "x"),), rows=[{"x": 1}])
    outcome.checks = [check("x", 1.0, 1.0, at_least=True)]
    return outcome


def broke(context: Any) -> Outcome:
    raise json.JSONDecodeError("Unterminated string starting at", '{"a": "[b]', 131071)


def test_a_failed_benchmark_says_why_and_leaves_the_results_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "SUITES", {1: ran, 2: broke})
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    tracked = tmp_path / "results.json"
    tracked.write_text('{"kept": true}\n')
    assert cli.main(["--smoke", "--output", str(tracked)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "benchmark 2 failed: JSONDecodeError: Unterminated string starting at" in out
    assert "(char 131071)" in out
    assert tracked.read_text() == '{"kept": true}\n'  # never overwritten by a failed run
    saved = list(tmp_path.glob("asynchronicity-bench-failed-*.json"))
    assert len(saved) == 1
    assert "was left as it was" in out
    document = json.loads(saved[0].read_text())
    assert [b["number"] for b in document["benchmarks"]] == [1, 2]
    assert document["benchmarks"][1]["notes"][0].startswith("failed: JSONDecodeError")


def test_a_complete_run_writes_the_results_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "SUITES", {1: ran})
    output = tmp_path / "results.json"
    output.write_text("{}\n")
    assert cli.main(["--smoke", "--output", str(output)]) == 0
    assert json.loads(output.read_text())["benchmarks"][0]["title"] == "fine"
    assert "failed" not in capsys.readouterr().out


@pytest.mark.slow
async def test_the_load_generator_delivers_a_large_result_through_a_non_blocking_pipe(
    aiohttp_server: Any,
) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(body=b"hi", headers={"Server-Timing": "intended;dur=12.5, "
                                                 "overshoot;dur=-0.25"})  # fmt: skip

    app = web.Application()
    app.router.add_get("/x", hello)
    server = await aiohttp_server(app)
    job = {"host": "127.0.0.1", "port": server.port, "paths": ["/x"], "requests": 5000,
           "concurrency": 16, "timing": True, "time_limit": 60.0}  # fmt: skip
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)  # as uvloop may leave it: the child inherits the flag
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.loadgen", cwd=ROOT, stdin=asyncio.subprocess.PIPE,
        stdout=write_end, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    os.close(write_end)
    received = bytearray()

    def drain() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            received.extend(pipe.read())

    reader = threading.Thread(target=drain)
    reader.start()
    _, stderr = await asyncio.wait_for(process.communicate(json.dumps(job).encode()), 120)
    await asyncio.get_running_loop().run_in_executor(None, reader.join, 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert len(received) > 65_536
    result = procs.parse_result(received.decode())
    assert result["ok"] == 5000 and result["overshoot"][0] == -0.25


async def test_the_reference_answers_each_url_its_own_page(aiohttp_client: Any) -> None:
    pages = {"jobs": {"LocationId=00001": b'{"one": 1}'}, "search": {}}
    app = reference.create_app(b'{"default": 0}', b'{"search": 0}', pages=pages)
    client = await aiohttp_client(app)
    for path, body in (
        ("/api/jobs?LocationId=00001", b'{"one": 1}'),
        ("/api/jobs?LocationId=00002", b'{"default": 0}'),  # not captured: the default page
        ("/api/search?LocationName=00001", b'{"search": 0}'),
    ):
        async with client.get(path) as response:
            assert response.status == 200 and await response.read() == body


def test_captured_pages_cover_every_benchmarked_url() -> None:
    assert context.page_queries("jobs")[0] == "LocationId=" + next(iter(MEMPY_2015))
    assert len(context.page_queries("search")) == len(MEMPY_2015) == 100
    assert {path.split("?", 1)[1] for path in overhead.paths("search", MEMPY_2015)} == set(
        context.page_queries("search")
    )


def test_inprocess_measures_every_app_through_aiohttp(capsys: pytest.CaptureFixture[str]) -> None:
    assert inprocess.main(["--loop", "asyncio", "--requests", "20", "--rounds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("CPU per request, in-process, asyncio, /api/jobs")
    names = [line.split("  ")[1].strip() for line in lines[1:]]
    assert names == ["reference", "fake", "fake, journal off", "fake, all features"]


def test_journalcost_measures_bytes_per_entry(capsys: pytest.CaptureFixture[str]) -> None:
    per_entry = journalcost.bytes_per_entry(5_000)
    assert 100 < per_entry < 1_000  # a tuple of 13 references, two floats, an int, a string
    assert journalcost.main(["2000"]) == 0
    typical, worst = capsys.readouterr().out.splitlines()
    assert typical.startswith("typical: ") and worst.startswith("worst: ")
    for line in (typical, worst):
        held, counted = (int(word) for word in line.split() if word.isdigit())
        assert held <= counted  # the budget never counts less than an entry holds
        assert line.endswith("(tracemalloc, 2,000 entries)")
