"""The HTML report as text: its panels, its embedded data, the sweep page, the command."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from clients import cli
from clients.harness import sampler
from clients.records import ClientSettings, RunResult, RunState
from clients.report import exports, html, payload
from clients.report.panels import Compared
from tests import builders, shapes

PANELS = ("summary", "table", "notes", "train", "timeline", "overtime", "latency")


def body(page: str) -> str:
    """The page's markup as a reader gets it: no style, no script, entities decoded."""
    return unescape(re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S))


def embedded(page: str) -> dict[str, Any]:
    """The page's data, as its script reads it."""
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S
    )
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_every_panel_and_a_frame_per_client() -> None:
    page = body(html.render_report(builders.compare_doc()))
    for name in PANELS:
        assert page.count(f'data-panel="{name}"') == 1, name
    for client in ("blocking", "threaded", "asyncio"):
        for name in ("summary", "train", "timeline"):
            pattern = rf'data-panel="{name}".*?data-client="{client}"'
            assert re.search(pattern, page, re.S), (name, client)
    assert 'data-panel="talk"' not in page  # only the talk's own scenario meets the talk


def test_the_table_panel_has_the_figures_the_verdicts_and_the_environment() -> None:
    page = body(html.render_report(builders.compare_doc()))
    table = page[page.index('data-panel="table"') : page.index('data-panel="notes"')]
    assert '<tr data-client="blocking">' in table and "1.20 s" in table
    assert "96.0 MiB" in table  # threaded's peak virtual memory growth
    assert "Expectations: 1/2 passed" in table
    assert "✗ asyncio p99 ≤ 100 ms" in table and "measured 200 ms" in table
    assert "seed" in table and "Python 3.11.7 (CPython)" in table and "2 CPUs" in table


def test_the_train_panel_gives_the_share_of_empty_cars() -> None:
    page = html.render_report(builders.compare_doc())
    assert 'data-client="blocking" data-empty="95.0%"' in page
    assert 'data-client="asyncio" data-empty="10.0%"' in page
    assert "looked every 10 ms" in page and "is not counted" in page
    for client, empty in (("blocking", "95.0%"), ("asyncio", "10.0%")):  # one figure, said twice
        text = body(page).split(f'data-client="{client}" data-empty=')[1].split("</p>")[0]
        assert text.count(f"{empty} empty") == 2, text


def test_the_footer_names_the_command_that_drew_it() -> None:
    doc = builders.compare_doc()
    assert "by <code>python -m clients report RESULT.json</code>" in html.render_report(doc)
    page = html.render_report(doc, "asynchronicity report results/run.json")
    assert "by <code>asynchronicity report results/run.json</code>" in page


def test_the_talk_panel_for_mempy_2015() -> None:
    page = body(html.render_report(builders.compare_doc("mempy-2015")))
    talk = page[page.index('data-panel="talk"') :]
    assert "block.py" in talk and "41.31 s" in talk and "threaded.py" in talk
    assert "this run's intended delays add up to 1.20 s" in talk
    assert "peak virtual memory grew by 96.0 MiB" in talk


def test_the_page_is_self_contained() -> None:
    page = html.render_report(builders.compare_doc())
    assert "<link" not in page and " src=" not in page and "@import" not in page
    assert not re.search(r"url\(", page)
    assert not re.search(r'href="(?!#)', page)  # links stay in the page


def test_the_data_is_embedded_once_and_cannot_end_its_script() -> None:
    hostile = "</script><script>alert(1)</script>"
    runs = [replace(builders.blocking(), client=hostile)]
    page = html.render_report(builders.compare_doc(runs=runs))
    assert page.count("</script>") == 2  # the data's and the script's own
    assert embedded(page)["clients"][0]["name"] == hostile
    assert "alert(1)</script>" not in page


def test_the_packed_attempts_unpack_to_the_run() -> None:
    doc = builders.compare_doc()
    result = Compared.of(doc)
    data = embedded(html.render_report(doc))
    assert data == json.loads(json.dumps(payload.compare_payload(doc, result.shown)))
    for client, run in zip(data["clients"], result.shown, strict=True):
        columns = client["a"]
        unpacked = {name: _sums(values) if name in columns["deltas"] else values
                    for name, values in columns.items() if name != "deltas"}  # fmt: skip
        ordered = sorted(run.attempts, key=lambda a: (a.start, a.zip))
        assert unpacked["s"] == [payload.ticks(a.start) for a in ordered]
        assert [s + d for s, d in zip(unpacked["s"], unpacked["d"], strict=True)] == [
            payload.ticks(a.end) for a in ordered
        ]
        assert [data["zips"][z] for z in unpacked["z"]] == [a.zip for a in ordered]
        assert unpacked["l"] == [a.lane for a in ordered]
        assert unpacked["i"] == [payload.ticks(a.intended) for a in ordered]
        outcomes = [data["outcomes"][o] for o in unpacked["o"]]
        assert outcomes == [[a.status, a.error, a.ok] for a in ordered]


def _sums(values: list[int]) -> list[int]:
    out, total = [], 0
    for value in values:
        total += value
        out.append(total)
    return out


def test_the_sweep_page_has_charts_and_each_values_table() -> None:
    page = html.render_report(builders.sweep_doc())
    assert page.count('data-panel="sweep"') == 1
    for index, label in enumerate(("1", "10", "∞")):
        assert f'id="value-{index}" data-panel="table" data-value="{label}"' in page
        assert f"<h2>concurrency = {label}</h2>" in page
    data = embedded(page)
    assert data["axis"] == "log" and data["values"] == [1.0, 10.0, 0.0]
    assert (
        embedded(html.render_report(builders.sweep_doc("error_rate", (0.0, 0.1))))["axis"]
        == "linear"
    )


def test_the_report_command_writes_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "result.json"
    result.write_text(json.dumps(builders.compare_doc()), encoding="utf-8")
    assert cli.main(["report", str(result)]) == 0
    assert capsys.readouterr().out == f"wrote {result.with_suffix('.html')}\n"
    assert 'data-panel="train"' in result.with_suffix(".html").read_text(encoding="utf-8")
    out = tmp_path / "elsewhere.html"
    assert cli.main(["report", str(result), "-o", str(out)], prog="asynchronicity") == 0
    assert f"by <code>asynchronicity report {result}</code>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param("{", "not valid JSON", id="not-json"),
        pytest.param('{"schema": "asynchronicity.result", "version": 1, "kind": "sweep"}',
                     "variants: must be a list", id="sweep-without-variants"),
    ],
)  # fmt: skip
def test_the_report_command_refuses_bad_files_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert cli.main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and message in err and err.count("\n") == 1


def test_the_html_export_is_the_report() -> None:
    doc = builders.compare_doc()
    assert exports.render(doc, ".html") == html.render_report(doc)


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_exports_include_the_verdicts(suffix: str) -> None:
    text = exports.render(builders.compare_doc(), suffix)
    assert "asyncio at least 3× faster than blocking" in text
    assert "asyncio p99 ≤ 100 ms" in text and "measured 200 ms" in text
    assert "1/2 passed" in text


TINY = """name = "tiny"
seed = 3
[workload]
zips = ["79936", "90011", "00926", "10001"]
[server]
latency = { model = "fixed", value = 0.02 }
[clients.blocking]
[clients.threaded]
"""


@pytest.mark.slow
def test_compare_report_writes_the_page_next_to_the_json(
    live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY, encoding="utf-8")
    results = tmp_path / "results"
    argv = ["compare", str(scenario), "--url", live_server.url, "--results", str(results)]
    assert cli.main([*argv, "--report"], prog="asynchronicity") == 0
    [saved] = results.glob("*.json")
    page = saved.with_suffix(".html")
    assert f"report {page}" in capsys.readouterr().out.replace("\n", "")
    text = body(page.read_text(encoding="utf-8"))
    assert f"by <code>asynchronicity report {saved}</code>" in text  # the command the user has
    for client in ("blocking", "threaded"):
        assert re.search(rf'data-panel="train".*?data-client="{client}"', text, re.S)
    doc = json.loads(saved.read_text(encoding="utf-8"))
    for run in doc["runs"]:
        assert "vmem" in run["usage"]
        if sampler.available():  # Linux: every run keeps its trains
            names = [track["name"] for track in run["samples"]["tracks"]]
            assert names[0] == "MainThread" and "meter" not in names


def test_an_older_file_and_a_skipped_client_still_make_a_page() -> None:
    old = replace(builders.blocking(), samples=None)
    skipped = RunResult.without_figures(ClientSettings("javascript"), RunState.SKIPPED, "no node")
    page = body(html.render_report(builders.compare_doc(runs=[old, skipped])))
    train = page[page.index('data-panel="train"') :]
    assert "no CPU samples in this result" in train
    assert "skipped: no node" in train
    assert embedded(html.render_report(builders.compare_doc(runs=[])))["clients"] == []


def test_the_trains_say_what_the_threads_beside_the_clients_own_are() -> None:
    page = body(html.render_report(shapes.talk_doc()))
    trains = page[page.index('data-panel="train"') : page.index('data-panel="talk"')]
    uvloop = trains[trains.index('data-client="uvloop"') :]
    assert "Beside its own: the event loop's resolver threads" in uvloop
    assert "Beside its own" not in trains[: trains.index('data-client="uvloop"')]
    data = embedded(html.render_report(shapes.talk_doc()))
    rows = {c["name"]: [t["n"] for t in c["train"]["tracks"]] for c in data["clients"]}
    assert rows["threaded"] == ["MainThread", "100 worker threads"]
    assert rows["uvloop"] == ["MainThread", "uvloop's resolver threads (4)"]


def test_the_charts_over_time_draw_the_summary_rows_series_with_its_phases() -> None:
    doc = builders.compare_doc()
    doc["preview"]["phases"] = [{"name": "dip", "at": 0.0, "for": 1.0}]
    data = embedded(html.render_report(doc))
    asyncio = next(c for c in data["clients"] if c["name"] == "asyncio")
    assert asyncio["series"]["step"] == 1.0  # the summary's per-second series, not recomputed
    assert asyncio["series"]["phases"] == [["dip", 0.0, 1.0]]
    assert sum(asyncio["series"]["sent"]) == 7 and sum(asyncio["series"]["failed"]) == 1
