"""Exports of a hand-made result: every format written, read back and checked."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from clients import console
from clients.errors import ClientsError
from clients.records import Attempt, ClientSettings, RunResult, RunState, Usage
from clients.report import exports
from clients.results import document as resultfile
from clients.results.summary import Summary
from tests import builders

ENVIRONMENT = {
    "python": "3.11.7",
    "implementation": "CPython",
    "platform": "Linux-test",
    "cpus": 2,
    "gil_enabled": True,
    "libraries": {"aiohttp": "3.9.0", "rich": "15.0.0"},
}


def run(client: str, kind: str, wall: float, latency: float, lanes: int, total: int) -> RunResult:
    """A run asking three zips, `lanes` at a time, each answered in `latency` seconds."""
    attempts = []
    for index in range(3):
        start = (index // lanes) * latency
        attempts.append(
            Attempt(f"0000{index}", 0, start, start + latency, status=200, jobs=1,
                    lane=index % lanes, intended=latency - 0.001, queue=0.0)
        )  # fmt: skip
    settings = ClientSettings(kind=kind, label="" if client == kind else client)
    usage = Usage(mem=1_572_864, utime=0.2, stime=0.05, time=wall, peak_threads=lanes)
    return RunResult(client, settings, total, usage, tuple(attempts), server_cpu=0.01)


@pytest.fixture
def doc() -> dict[str, Any]:
    """Blocking, asyncio (right), and a client whose name needs escaping in Markdown (wrong)."""
    runs = [
        run("blocking", "blocking", 3.0, 1.0, 1, 3),
        run("asyncio", "asyncio", 1.0, 1.0, 3, 3),
        run("pipe|name", "asyncio", 1.2, 1.0, 3, 2),
    ]
    return builders.document(
        runs, name="exports", expected=3, makespans={"0": 1.0, "1": 3.0}, environment=ENVIRONMENT
    )


def test_csv_parses_back_to_the_same_numbers(doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "result.csv"
    console.export(doc, path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    summaries = resultfile.summaries_of(doc)
    assert [row["client"] for row in rows] == [s.client for s in summaries]
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    for row, summary in zip(rows, summaries, strict=True):
        assert_same_figures(row, summary)
    assert float(rows[1]["speedup"]) == 3.0
    assert float(rows[1]["efficiency"]) == 1.0
    assert rows[2]["correct"] == "False" and rows[2]["totals"] == "2"


def assert_same_figures(row: dict[str, str], s: Summary) -> None:
    """Every raw figure in a CSV row equals the summary's."""
    seconds = ("wall", "wall_min", "wall_max", "utime", "stime", "cpu", "cpu_per_request",
               "p50", "p95", "p99", "overhead", "server_cpu", "ideal")  # fmt: skip
    for name in seconds:
        assert float(row[f"{name}_s"]) == getattr(s, name), name
    assert int(row["mem_bytes"]) == s.mem
    assert int(row["peak_threads"]) == s.peak_threads
    counts = (row["ok"], row["failed"], row["retried"], row["requests"])
    assert tuple(map(int, counts)) == (s.counts.ok, s.counts.failed, s.counts.retried,
                                       s.counts.requests)  # fmt: skip
    assert row["skipped"] == "" and row["expected"] == "3"


def test_csv_leaves_missing_values_empty() -> None:
    settings = ClientSettings(kind="javascript")
    skipped = RunResult.without_figures(settings, RunState.SKIPPED, "node not found")
    rows = list(csv.DictReader(io.StringIO(exports.render_csv(builders.document([skipped])))))
    assert rows[0]["speedup"] == "" and rows[0]["overhead_s"] == "" and rows[0]["expected"] == ""
    assert rows[0]["skipped"] == "skipped: node not found"


def test_markdown_has_a_row_per_client_and_the_terminal_figures(
    doc: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "result.md"
    console.export(doc, path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# exports"
    table = [line for line in lines if line.startswith("| ")]
    assert table[0].startswith("| client | jobs | zips ok / failed / retries | wall |")
    assert table[1].startswith("| --- | ---: |")
    assert [row.split(" | ")[0] for row in table[2:]] == ["| blocking", "| asyncio",
                                                           "| pipe\\|name"]  # fmt: skip
    blocking, asyncio, piped = table[2:]
    assert "| 3 ✓ | 3/0/0 | 3.00 s | 1.0× | 100% |" in blocking
    assert "| 1.00 s | 3.0× |" in asyncio
    assert "2 ✗<br>want 3" in piped
    assert "250 ms<br>200 ms+50 ms" in blocking  # cpu over user+sys, as in the terminal
    assert "1.5 MiB" in blocking and "1000/1000/1000 ms" in blocking
    assert all(row.count(" | ") == table[0].count(" | ") for row in table)
    terminal = exports.render_text(doc)
    for figure in ("3.00 s", "1.00 s", "1.20 s", "3.0×", "1.5 MiB", "1.0 ms"):
        assert figure in terminal and figure in text, figure
    # A client that got the total wrong has no speed-up or efficiency worth printing.
    assert "2.5×" not in terminal and "2.5×" not in text


def test_markdown_lists_scenario_and_environment(doc: dict[str, Any]) -> None:
    text = exports.render_markdown(doc)
    assert "- scenario exports · seed 0 · speed 1 · 3 zips via /api/jobs · expected 3" in text
    assert "- Python 3.11.7 (CPython)" in text and "2 CPUs · Linux-test" in text
    assert "- aiohttp 3.9.0, rich 15.0.0" in text


def test_svg_is_a_picture_of_the_table(doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "result.svg"
    console.export(doc, path)
    svg = path.read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "blocking" in svg and "asyncio" in svg


def test_html_is_a_page_with_every_client(doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "result.html"
    console.export(doc, path)
    html = path.read_text(encoding="utf-8")
    assert "<html" in html and "</html>" in html
    for client in ("blocking", "asyncio", "pipe|name", "scenario exports"):
        assert client in html
    # Self-contained: the page's style and script are inline, nothing is fetched.
    assert "<link" not in html and " src=" not in html and "@import" not in html
    assert html.count("<script") == 2  # the data, and the script that draws it


def test_suffix_case_does_not_matter(doc: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "RESULT.CSV"
    console.export(doc, path)
    assert path.read_text(encoding="utf-8") == exports.render_csv(doc)


def test_an_unknown_suffix_names_it_and_the_valid_ones(doc: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ClientsError) as caught:
        console.export(doc, tmp_path / "result.pdf")
    assert str(caught.value) == (
        f"{tmp_path / 'result.pdf'}: unknown export format '.pdf'; "
        "formats: .md, .csv, .svg, .html, .txt, .har, .trace.json, .xml"
    )
    with pytest.raises(ClientsError, match="unknown export format no suffix"):
        console.export(doc, tmp_path / "result")
    assert not (tmp_path / "result.pdf").exists()


def test_an_unwritable_path_is_one_line(doc: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ClientsError, match="cannot write"):
        console.export(doc, tmp_path / "missing" / "result.md")


def test_exports_of_a_saved_file_round_trip(doc: dict[str, Any], tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(doc), encoding="utf-8")
    loaded = resultfile.load_result(saved)
    for suffix in exports.FORMATS:
        assert exports.render(loaded, suffix) == exports.render(doc, suffix)
