"""`compare` end to end: real server, real worker subprocesses, the table and the saved JSON.

The runs are tiny (ten zips at 10 ms); each run is a fresh worker process, so these are the
slowest tests here — a handful of them, on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import clients.harness.servers
from clients import __version__, cli
from clients.console import run_compare as compare
from clients.errors import ScenarioFileError, ServerUnavailable
from clients.harness.compare import result_path, save
from clients.harness.server_control import ServerControl, identity_problem
from clients.records import RunResult
from clients.results.document import SCHEMA, SCHEMA_VERSION
from clients.scenario import load
from tests.builders import TEN, TEN_TOTAL, hand_run, outcome_of, ten_zips
from tests.helpers import client_lines, free_port

ZIPS = list(TEN)
EXPECTED = TEN_TOTAL
CLIENTS = ("blocking", "asyncio", "uvloop", "threaded")


def saved_document(results: Path) -> dict[str, Any]:
    files = list(results.glob("*.json"))
    assert len(files) == 1, files
    document: dict[str, Any] = json.loads(files[0].read_text(encoding="utf-8"))
    return document


# --- end to end ---------------------------------------------------------------------------


@pytest.mark.slow
def test_compare_every_client(live_server: Any, tmp_path: Path) -> None:
    path = ten_zips(tmp_path, "".join(f"[clients.{c}]\n" for c in CLIENTS), repeat=2)
    console = Console(record=True, width=200)
    results = tmp_path / "results"

    code = compare(load(path), live_server.url, console, results)

    text = console.export_text()
    assert code == 0, text
    for name in CLIENTS:
        (line,) = client_lines(text, name)
        assert f"{EXPECTED} ✓" in line
        assert "10/0/0" in line
    assert "✗" not in text
    assert "tiny: ten zips" in text
    assert f"expected {EXPECTED}" in text
    assert "saved " in text

    document = saved_document(results)
    assert document["schema"] == SCHEMA == "asynchronicity.result"
    assert document["version"] == SCHEMA_VERSION == 1
    assert document["scenario"]["name"] == "tiny"
    assert document["scenario"]["path"] == str(path)
    assert document["scenario"]["workload"]["zips"] == ZIPS
    assert document["scenario"]["document"]["server"]["latency"]["value"] == 0.01
    assert document["server"] == {"url": live_server.url, "embedded": False}
    assert document["interrupted"] is False
    assert document["expected_total"] == EXPECTED
    assert document["preview"]["expected_total"] == EXPECTED
    assert document["environment"]["python"]

    runs = [RunResult.from_dict(raw) for raw in document["runs"]]
    assert [r.client for r in runs] == [c for c in CLIENTS for _ in range(2)]
    for run in runs:
        assert run.total == EXPECTED
        assert run.skipped is None
        assert sorted(a.zip for a in run.attempts) == sorted(ZIPS)
        assert all(a.ok and a.intended == pytest.approx(0.01) for a in run.attempts)
        assert run.server_cpu is not None

    summaries = {s["client"]: s for s in document["summaries"]}
    assert list(summaries) == list(CLIENTS)
    for summary in summaries.values():
        assert summary["correct"] is True
        assert summary["runs"] == 2
        assert summary["totals"] == [EXPECTED, EXPECTED]
        assert summary["speedup"] is not None
        assert (summary["amplification"], summary["hedges"], summary["budget_denied"]) == (
            1.0, 0, 0,
        )  # fmt: skip
        # Ten services of at least 10 ms each, as the server's journal timed them.
        assert summary["server_busy"] >= 10 * 0.01
    blocking = summaries["blocking"]  # one request at a time: its services cannot overlap
    assert blocking["server_busy"] <= blocking["wall_max"]
    assert summaries["blocking"]["speedup"] == 1.0
    assert summaries["blocking"]["concurrency"] == 1


@pytest.mark.slow
def test_compare_starts_an_embedded_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nobody answers at the "default" URL, so compare must start its own server.
    monkeypatch.setattr(clients.harness.servers, "DEFAULT_URL", f"http://127.0.0.1:{free_port()}")
    path = ten_zips(tmp_path, "[clients.blocking]\n[clients.uvloop]\n")
    console = Console(record=True, width=200)

    code = compare(load(path), None, console, tmp_path / "results")

    text = console.export_text()
    assert code == 0, text
    for name in ("blocking", "uvloop"):
        (line,) = client_lines(text, name)
        assert f"{EXPECTED} ✓" in line
    document = saved_document(tmp_path / "results")
    assert document["server"]["embedded"] is True
    url = document["server"]["url"]
    assert url.startswith("http://127.0.0.1:") and url != clients.harness.servers.DEFAULT_URL
    assert [run["total"] for run in document["runs"]] == [EXPECTED, EXPECTED]
    control = ServerControl(url)
    try:
        assert not control.healthy(timeout=1.0)  # the embedded server was stopped
    finally:
        control.close()


@pytest.mark.slow
def test_compare_exits_1_when_a_client_falls_short(live_server: Any, tmp_path: Path) -> None:
    path = ten_zips(
        tmp_path,
        "[clients.asyncio]\nretries = 10\nbackoff = 0.001\n"
        "[clients.asyncio-no-retry]\nkind = 'asyncio'\nretries = 0\n",
        server='latency = { model = "fixed", value = 0.002 }\nfaults = { error_500 = 0.5 }',
    )
    console = Console(record=True, width=200)

    code = compare(load(path), live_server.url, console, tmp_path / "results")

    text = console.export_text()
    assert code == 1, text
    (retrying,) = client_lines(text, "asyncio")
    assert f"{EXPECTED} ✓" in retrying
    (no_retry,) = client_lines(text, "asyncio-no-retry")
    assert "✗" in no_retry
    assert f"want {EXPECTED}" in text
    summaries = {s["client"]: s for s in saved_document(tmp_path / "results")["summaries"]}
    assert summaries["asyncio"]["correct"] is True
    assert summaries["asyncio"]["counts"]["retried"] > 0
    assert summaries["asyncio-no-retry"]["correct"] is False
    assert summaries["asyncio-no-retry"]["counts"]["failed"] > 0
    assert summaries["asyncio-no-retry"]["totals"][0] < EXPECTED


def test_cli_unreachable_url_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ten_zips(tmp_path, "[clients.asyncio]\n")
    url = f"http://127.0.0.1:{free_port()}"
    results = tmp_path / "results"

    code = cli.main(["compare", str(path), "--url", url, "--results", str(results)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"error: --url {url}: no fake server answers there\n"
    assert captured.out == ""
    assert not results.exists()


def test_cli_invalid_server_section_is_one_line(
    live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ten_zips(
        tmp_path, "[clients.asyncio]\n", server='latency = { model = "gamma", shape = 2 }'
    )
    results = tmp_path / "results"

    code = cli.main(["compare", str(path), "--url", live_server.url, "--results", str(results)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == (
        f"error: {path}: server.latency.model: must be one of fixed, uniform, normal, "
        "lognormal, percentiles, mixture, got 'gamma'\n"
    )
    assert "Traceback" not in captured.err
    assert not results.exists()


def test_compare_raises_scenario_file_error_for_a_rejected_server_section(
    live_server: Any, tmp_path: Path
) -> None:
    path = ten_zips(
        tmp_path, "[clients.asyncio]\n", server="faults = { error_500 = 0.7, reset = 0.7 }"
    )
    with pytest.raises(ScenarioFileError) as caught:
        compare(load(path), live_server.url, Console(record=True), tmp_path / "results")
    assert caught.value.path == str(path)
    assert caught.value.key == "server.faults"
    assert str(caught.value) == (f"{path}: server.faults: fault rates add up to 1.4, more than 1")


@pytest.mark.slow
def test_compare_fails_a_client_whose_interpreter_is_missing(
    live_server: Any, tmp_path: Path
) -> None:
    path = ten_zips(
        tmp_path, "[clients.blocking]\npython = '/no/such/python3'\n[clients.asyncio]\n"
    )
    console = Console(record=True, width=200)

    code = compare(load(path), live_server.url, console, tmp_path / "results")

    text = console.export_text()
    assert code == 1, text  # a typo in the scenario is a failure, not a missing optional tool
    assert "failed: blocking: interpreter /no/such/python3 not found" in text
    (line,) = client_lines(text, "asyncio")
    assert f"{EXPECTED} ✓" in line
    runs = saved_document(tmp_path / "results")["runs"]
    assert [(r["client"], r["skipped"]) for r in runs] == [
        ("blocking", "failed: blocking: interpreter /no/such/python3 not found"),
        ("asyncio", None),
    ]


# --- to_document and save on hand-made outcomes ------------------------------------------


def test_to_document_and_save(tmp_path: Path) -> None:
    outcome = outcome_of(tmp_path, hand_run("blocking", 0.2), hand_run("asyncio", 0.02))
    document = outcome.document()
    assert (document["schema"], document["version"]) == ("asynchronicity.result", 1)
    assert document["expected_total"] == EXPECTED
    assert [s["speedup"] for s in document["summaries"]] == pytest.approx([1.0, 10.0])
    assert [s["efficiency"] for s in document["summaries"]] == pytest.approx([0.5, 0.5])
    assert len(document["runs"]) == 2
    json.dumps(document)  # JSON-ready throughout

    first = save(document, result_path(tmp_path / "out", outcome.scenario.name))
    second = save(document, result_path(tmp_path / "out", outcome.scenario.name))
    assert first != second and first.exists() and second.exists()
    assert first.name.startswith("tiny-") and first.suffix == ".json"
    assert json.loads(first.read_text())["runs"] == document["runs"]


def test_an_unwritable_results_directory_stops_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ten_zips(tmp_path, "[clients.asyncio]\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code = cli.main(["compare", str(path), "--results", str(blocker / "results")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"error: --results {blocker / 'results'}: cannot write there")
    assert len(err.splitlines()) == 1


def test_a_server_section_too_large_as_json_is_one_sentence_before_it_is_sent(
    live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 3 MiB of é in the file, written as \u00e9 (six bytes each) in the JSON the server gets
    note = "é" * (3 * 2**20)
    path = ten_zips(tmp_path, "[clients.asyncio]\n", server=f'note = "{note}"')
    results = tmp_path / "results"
    code = cli.main(["compare", str(path), "--url", live_server.url, "--results", str(results)])
    captured = capsys.readouterr()
    assert code == 2
    [line] = captured.err.splitlines()
    assert line.startswith(f"error: {path}: server: ") and line.endswith(
        "bytes is over the 16 MiB (16777216 bytes) limit for a scenario's JSON"
    )
    assert not results.exists()


def test_a_413_from_the_server_is_said_in_a_sentence(live_server: Any) -> None:
    control = ServerControl(live_server.url)
    try:
        with pytest.raises(ServerUnavailable) as caught:
            control.reset(tag="x" * (17 * 2**20))  # a body over the server's limit
    finally:
        control.close()
    message = str(caught.value)
    assert message.startswith(f"{live_server.url}/__admin/reset: the server refused the "
                              "request as too large (")  # fmt: skip
    assert "{" not in message and "'" not in message  # a sentence, not a dict


@pytest.mark.parametrize(
    ("health", "ours"),
    [
        pytest.param({"status": "ok", "name": "asynchronicity", "version": __version__}, True,
                     id="named"),
        pytest.param({"status": "ok", "version": __version__, "seed": 0, "pid": 7}, True,
                     id="an-older-server-without-a-name"),
        pytest.param({"status": "ok", "version": __version__}, False, id="no-name-no-shape"),
        pytest.param({"status": "ok", "name": "asynchronicity", "version": "0.0.1"}, False,
                     id="another-version"),
        pytest.param([1, 2], False, id="not-an-object"),
    ],
)  # fmt: skip
def test_what_counts_as_this_projects_server(health: Any, ours: bool) -> None:
    assert (identity_problem(200, health) is None) is ours
