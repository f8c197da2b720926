"""Keeping, sharing and checking results: compare with a timeline and expectations, then the
timeline, export and diff commands on what it saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml
from rich.console import Console

from clients import cli, scenario
from clients.console import run_compare as compare
from tests.helpers import LiveServer

pytestmark = pytest.mark.slow  # every test here runs compare: worker processes

SCENARIO = """
name = "tiny"
seed = 3
[workload]
zips = ["90011", "08701", "00926", "79936", "60629", "90650"]
[server]
latency = {{ model = "fixed", value = 0.01 }}
[clients.blocking]
[clients.asyncio]
{expect}
"""
PASSING = """
[[expect]]
client = "*"
figure = "failed"
max = 0
[[expect]]
client = "asyncio"
figure = "p99"
max = 5.0
"""
FAILING = """
[[expect]]
faster = "blocking"
than = "asyncio"
by = 100
"""


def run_compare(
    tmp_path: Path, server: LiveServer, expect: str, *, timeline: bool = False,
    junit: Path | None = None,
) -> tuple[int, str, Path]:  # fmt: skip
    """Compare the tiny scenario against `server`; the exit code, the text and the saved JSON."""
    path = tmp_path / "tiny.toml"
    path.write_text(SCENARIO.format(expect=expect))
    console = Console(record=True, width=140)
    code = compare(scenario.load(path), server.url, console, tmp_path / "results",
                   timeline=timeline, junit=junit)  # fmt: skip
    saved = sorted((tmp_path / "results").glob("*.json"))[-1]
    return code, console.export_text(), saved


def test_expectations_pass_show_a_panel_and_are_saved(
    tmp_path: Path, live_server: LiveServer
) -> None:
    code, text, saved = run_compare(tmp_path, live_server, PASSING, timeline=True)
    assert code == 0
    assert "expectations: 3/3 passed" in text
    assert "✓ asyncio p99" in text
    assert "seconds" in text and "█ ok" in text  # the timeline's axis and legend
    verdicts = json.loads(saved.read_text())["verdicts"]
    assert [v["passed"] for v in verdicts] == [True, True, True]


def test_a_failed_expectation_fails_the_run(tmp_path: Path, live_server: LiveServer) -> None:
    junit = tmp_path / "verdicts.xml"
    code, text, saved = run_compare(tmp_path, live_server, FAILING, junit=junit)
    assert code == 1
    assert "expectations: 0/1 passed" in text
    assert "✗ blocking at least 100× faster than asyncio" in text
    assert json.loads(saved.read_text())["verdicts"][0]["passed"] is False
    assert f"junit {junit}" in text  # and JUnit says so too, as CI reads it
    suite = next(iter(JUnitXml.fromfile(str(junit))))
    failed = [case.name for case in suite if case.result and isinstance(case.result[0], Failure)]
    assert failed == ["blocking at least 100× faster than asyncio"]
    assert (suite.tests, suite.failures, suite.errors) == (3, 1, 0)  # two clients, one verdict


def test_an_expectation_naming_an_unknown_client_stops_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        SCENARIO.format(expect='[[expect]]\nclient = "asynco"\nfigure = "p99"\nmax = 1')
    )
    assert cli.main(["compare", str(path), "--url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{path}: expect[0].client: unknown client 'asynco'" in err
    assert not (tmp_path / "results").exists()


@pytest.fixture
def saved(tmp_path: Path, live_server: LiveServer) -> Path:
    """A saved result of the tiny scenario."""
    return run_compare(tmp_path, live_server, "")[2]


def test_the_timeline_command_draws_and_writes_svg(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svg = tmp_path / "timeline.svg"
    assert cli.main(["timeline", str(saved), "--svg", str(svg), "--max-lanes", "4"]) == 0
    out = capsys.readouterr().out
    assert "blocking" in out and "asyncio" in out and "lane 0" in out
    assert svg.read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize(
    ("suffix", "marker"),
    [
        pytest.param(".md", "| blocking |", id="markdown"),
        pytest.param(".csv", "client,", id="csv"),
        pytest.param(".svg", "<svg", id="svg"),
        pytest.param(".html", "<html", id="html"),
        pytest.param(".har", '"version":"1.2"', id="har"),
        pytest.param(".trace.json", '"traceEvents":', id="trace"),
        pytest.param(".xml", "<testsuites", id="junit"),
    ],
)
def test_the_export_command_writes_each_format(
    saved: Path, tmp_path: Path, suffix: str, marker: str
) -> None:
    target = tmp_path / f"report{suffix}"
    assert cli.main(["export", str(saved), "-o", str(target)]) == 0
    assert marker in target.read_text()


def test_the_diff_command_compares_two_results(
    saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["diff", str(saved), str(saved)]) == 0
    out = capsys.readouterr().out
    assert "no clear difference" in out
    assert "blocking" in out and "asyncio" in out


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["export", "{missing}", "-o", "{tmp}/x.md"], id="export-missing-result"),
        pytest.param(["export", "{saved}", "-o", "{tmp}/x.pdf"], id="export-unknown-suffix"),
        pytest.param(["timeline", "{missing}"], id="timeline-missing-result"),
        pytest.param(["timeline", "{saved}", "--max-lanes", "0"], id="timeline-bad-lanes"),
        pytest.param(["diff", "{saved}", "{missing}"], id="diff-missing-result"),
    ],
)
def test_bad_result_commands_are_one_line_and_exit_2(
    saved: Path, tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    names = {"missing": str(tmp_path / "nope.json"), "saved": str(saved), "tmp": str(tmp_path)}
    assert cli.main([arg.format(**names) for arg in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
