"""Hostile or damaged input on the clients' side: one line naming the file (and the key),
exit code 2 — never a traceback. Scenario files nested thousands deep, result files nested
100,000 deep, times no run could have, a misspelt client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clients import cli
from clients.errors import ScenarioFileError
from clients.records import Attempt, ClientSettings, RunResult, Usage
from clients.scenario import load
from tests.builders import document


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    (line,) = captured.err.splitlines()
    assert line.startswith("error: ")
    return line


def nested(kind: str, depth: int) -> str:
    opening, closing = {"table": ("{a = ", "}"), "array": ("[", "]")}[kind]
    return opening * depth + "1" + closing * depth


@pytest.mark.parametrize(
    ("kind", "depth", "key"),
    [
        pytest.param("table", 5000, "", id="tables-5000"),
        pytest.param("array", 5000, "", id="arrays-5000"),
        pytest.param("table", 40, "server.x.a.a.a.a", id="tables-40"),
        pytest.param("array", 40, "server.x[0][0][0]", id="arrays-40"),
    ],
)
def test_a_deeply_nested_scenario_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, depth: int, key: str
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(f'name = "deep"\n[server]\nx = {nested(kind, depth)}\n', encoding="utf-8")

    code = cli.main(["compare", str(path), "--results", str(tmp_path / "results")])

    line = one_error_line(capsys)
    assert code == 2
    assert line.startswith(f"error: {path}: {key}")
    assert line.endswith("nested more than 32 levels deep")
    assert not (tmp_path / "results").exists()


def test_32_levels_are_read_and_33_are_not(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    for arrays, accepted in ((30, True), (31, False)):  # + the document and [server]
        text = f'name = "deep"\n[server]\nx = {nested("array", arrays)}\n[clients.asyncio]\n'
        path.write_text(text, encoding="utf-8")
        if accepted:
            assert load(path).server["x"] is not None
        else:
            with pytest.raises(ScenarioFileError, match="nested more than 32 levels deep"):
                load(path)


def a_result() -> dict[str, Any]:
    attempts = (
        Attempt("90011", 0, 0.0, 0.5, 200, 100, 7),
        Attempt("10001", 0, 0.1, 0.4, 200, 90, 3),
    )
    run = RunResult(
        "asyncio", ClientSettings(kind="asyncio"), 10, Usage(1, 0.1, 0.0, 0.6), attempts
    )
    return document([run], expected=10)


def commands(path: Path, tmp_path: Path) -> list[list[str]]:
    return [
        ["timeline", str(path)],
        ["export", str(path), "-o", str(tmp_path / "out.md")],
        ["diff", str(path), str(path)],
    ]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["timeline", "export", "diff"])
def test_a_result_nested_100000_deep_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: int
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")

    code = cli.main(commands(path, tmp_path)[which])

    assert code == 2
    assert (
        one_error_line(capsys)
        == f"error: {path}: not a result file: nested more than 64 levels deep"
    )
    assert not (tmp_path / "out.md").exists()


def test_a_result_nested_deep_inside_names_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = a_result()
    doc["scenario"]["document"] = {"x": json.loads(nested("array", 200))}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(doc), encoding="utf-8")

    assert cli.main(["diff", str(path), str(path)]) == 2
    line = one_error_line(capsys)
    assert line.startswith(f"error: {path}: not a result file: scenario.document.x[0][0]")
    assert line.endswith(": nested more than 64 levels deep")


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        pytest.param("end", 1e308, "1e+308", id="end-1e308"),
        pytest.param("end", float("inf"), "inf", id="end-inf"),
        pytest.param("start", float("nan"), "nan", id="start-nan"),
        pytest.param("start", -1e300, "-1e+300", id="start-negative"),
    ],
)
def test_a_time_no_run_could_have_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: float, shown: str
) -> None:
    doc = a_result()
    doc["runs"][0]["attempts"][1][field] = value
    path = tmp_path / "far.json"
    path.write_text(json.dumps(doc), encoding="utf-8")  # json writes Infinity and NaN

    code = cli.main(["timeline", str(path)])

    assert code == 2
    assert one_error_line(capsys) == (
        f"error: timeline: cannot render it: asyncio: the attempt for 10001 has {field} = "
        f"{shown} s, not a time a run could take (at most 1e+09 s)"
    )


def test_a_misspelt_client_is_one_line_with_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["run", "asyncoi"]) == 2
    assert one_error_line(capsys) == (
        "error: run: unknown client 'asyncoi' (did you mean 'asyncio'?); clients: asyncio, "
        "blocking, browser, httpx, httpx2, javascript, niquests, processes, pyreqwest, threaded, "
        "uvloop"
    )


@pytest.mark.parametrize(
    ("argv", "start", "end"),
    [
        pytest.param(["compre"], "error: python -m clients: argument command: invalid choice:",
                     "(did you mean 'compare'?) (see --help)", id="compre"),
        pytest.param(["run", "asyncio", "--api", "jbos"],
                     "error: python -m clients run: argument --api: invalid choice:",
                     "(did you mean 'jobs'?) (see --help)", id="api-jbos"),
        pytest.param(["diff", "a.json"], "error: python -m clients diff: the following "
                     "arguments are required: b", " (see --help)", id="diff-one-file"),
    ],
)  # fmt: skip
def test_a_usage_mistake_is_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], start: str, end: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    line = one_error_line(capsys)
    assert line.startswith(start) and line.endswith(end)
