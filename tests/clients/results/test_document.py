"""Reading a saved result back: what cannot be read is one line naming the file and the key;
malformed runs name their index; keys added later are ignored; a sweep's variants are checked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from clients.errors import ClientsError
from clients.records import Attempt, ClientSettings, RunResult, Usage
from clients.results import document
from clients.results import document as resultfile
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


def test_load_result_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    cases: Sequence[tuple[str, str]] = [
        ("[]", "not a result file (a JSON list)"),
        ('{"schema": "other"}', "not a result file: schema is 'other'"),
        ('{"schema": "asynchronicity.result", "version": 2}', "result version 2 is not supported"),
        ('{"schema": "asynchronicity.result", "version": 1, "kind": "sweep"}', "a sweep result"),
        ('{"schema": "asynchronicity.result", "version": 1, "scenario": {}}', "missing key 'runs'"),
        ("{", "not valid JSON"),
    ]
    for index, (text, message) in enumerate(cases):
        path = tmp_path / f"{index}.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ClientsError) as caught:
            resultfile.load_result(path)
        assert str(caught.value).startswith(f"{path}: "), text
        assert message in str(caught.value), text
    with pytest.raises(ClientsError, match="no such file"):
        resultfile.load_result(tmp_path / "absent.json")


def test_a_malformed_run_names_its_index(doc: dict[str, Any]) -> None:
    del doc["runs"][1]["usage"]
    with pytest.raises(ClientsError, match=r"^x.json: runs\[1\]: missing key 'usage'$"):
        resultfile.check_document(doc, "x.json")


def test_keys_added_later_are_ignored(doc: dict[str, Any]) -> None:
    doc["runs"][0]["attempts"][0]["new_figure"] = 1
    doc["runs"][0]["usage"]["new_figure"] = 2
    doc["runs"][0]["new_figure"] = 3
    doc["new_top_level"] = 4
    assert resultfile.runs_of(resultfile.check_document(doc))[0].attempts[0].zip == "00000"


def test_load_any_reads_a_sweep_and_names_a_broken_variant(tmp_path: Path) -> None:
    doc = builders.sweep_doc()
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert document.load_any(path)["kind"] == "sweep"
    del doc["variants"][1]["result"]["runs"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ClientsError, match=r"variants\[1\]\.result: missing key 'runs'"):
        document.load_any(path)
