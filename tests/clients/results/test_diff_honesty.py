"""Honest diffs: one run a side cannot tell a change from noise, however large it looks, and
says how many repeats would; two results of different experiments are diffed with a warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clients import cli
from clients.records import Attempt, ClientSettings, RunResult, Usage
from clients.results import diff
from clients.results.diff import UNCLEAR, UNTOLD
from tests import builders


def run(client: str, wall: float) -> RunResult:
    attempts = tuple(Attempt(f"{i:05}", 0, 0.0, wall / 2, 200, 1, lane=i) for i in range(4))
    settings = ClientSettings(kind=client)
    return RunResult(client, settings, 4, Usage(1024, wall / 10, 0.0, wall), attempts)


def result(walls: dict[str, list[float]], **scenario: Any) -> dict[str, Any]:
    runs = [run(client, wall) for client, values in walls.items() for wall in values]
    doc = builders.document(runs, expected=4)
    doc["scenario"].update(scenario)
    return doc


def verdicts(changes: list[diff.Change], figure: str = "wall") -> dict[str, str]:
    return {c.client: c.verdict for c in changes if c.figure == figure}


def test_one_run_a_side_cannot_tell_however_large_the_change() -> None:
    # The case: one repeat each, "asyncio 47.7 % and uvloop 60.6 % faster".
    before = result({"asyncio": [1.0], "uvloop": [1.0], "threaded": [1.0]})
    after = result({"asyncio": [0.523], "uvloop": [0.394], "threaded": [1.0]})

    changes = diff.diff(before, after)

    assert verdicts(changes) == {"asyncio": UNTOLD, "uvloop": UNTOLD, "threaded": UNCLEAR}
    assert all(c.better is None for c in changes)
    assert not diff.has_regression(diff.diff(after, before))
    assert diff.caveat(changes) == (
        "too few runs to tell a change from noise (1 run vs 1: noise alone parts them 100% of "
        "the time); with repeat = 4 on both sides, ranges apart would show a change (noise "
        "alone: 2.9%)"
    )


def test_identical_results_need_no_caveat() -> None:
    same = result({"asyncio": [1.0]})
    changes = diff.diff(same, same)
    assert set(verdicts(changes).values()) == {UNCLEAR}
    assert diff.caveat(changes) is None


@pytest.mark.parametrize(
    ("runs_a", "runs_b", "chance"),
    [
        pytest.param(1, 1, 1.0, id="1-1"),
        pytest.param(1, 5, 1 / 3, id="1-5"),
        pytest.param(3, 3, 0.1, id="3-3"),
        pytest.param(4, 4, 2 / 70, id="4-4"),
        pytest.param(2, 8, 2 / 45, id="2-8"),
    ],
)
def test_how_often_noise_alone_parts_the_ranges(runs_a: int, runs_b: int, chance: float) -> None:
    assert diff.chance_apart(runs_a, runs_b) == pytest.approx(chance)


def test_four_repeats_a_side_tell_and_three_do_not() -> None:
    assert diff.repeats_to_tell() == 4
    three = diff.diff(result({"asyncio": [1.0, 1.1, 1.2]}), result({"asyncio": [0.5, 0.6, 0.7]}))
    assert verdicts(three)["asyncio"] == UNTOLD
    assert "3 runs vs 3: noise alone parts them 10% of the time" in str(diff.caveat(three))
    four = diff.diff(
        result({"asyncio": [1.0, 1.1, 1.2, 1.3]}), result({"asyncio": [0.5, 0.6, 0.7, 0.8]})
    )
    assert verdicts(four)["asyncio"] == "faster"
    assert diff.caveat(four) is None


def test_the_same_experiment_gives_no_warning() -> None:
    assert diff.mismatches(result({"asyncio": [1.0]}), result({"asyncio": [2.0]})) == []


@pytest.mark.parametrize(
    ("changed", "warning"),
    [
        pytest.param({"name": "other"}, "A ran scenario 'test' and B ran 'other'", id="scenario"),
        pytest.param({"seed": 7}, "A used seed 0 and B seed 7 (other latencies, faults)",
                     id="seed"),
        pytest.param({"speed": 2.0}, "scenario 'test' differs between A and B in speed",
                     id="speed"),
        pytest.param({"document": {"server": {"latency": {"model": "fixed", "value": 1}}}},
                     "scenario 'test' differs between A and B in server", id="server"),
    ],
)  # fmt: skip
def test_different_experiments_are_warned_about(changed: dict[str, Any], warning: str) -> None:
    found = diff.mismatches(result({"asyncio": [1.0]}), result({"asyncio": [1.0]}, **changed))
    assert found == [f"{warning}: a difference may be the experiment's, not the clients'"]


def test_a_clients_own_settings_are_what_a_diff_is_for() -> None:
    tuned = {"document": {"clients": {"asyncio": {"concurrency": 5}}}}
    assert diff.mismatches(result({"asyncio": [1.0]}), result({"asyncio": [1.0]}, **tuned)) == []


def test_the_diff_command_warns_before_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # rows on one line each
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(result({"asyncio": [1.0]}, name="quick", seed=1)), encoding="utf-8")
    b.write_text(json.dumps(result({"asyncio": [0.5]}, name="slow", seed=2)), encoding="utf-8")

    assert cli.main(["diff", str(a), str(b)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("warning: A ran scenario 'quick' and B ran 'slow': ")
    assert lines[1].startswith("warning: A used seed 1 and B seed 2 ")
    assert lines[2].startswith("warning: too few runs to tell a change from noise (1 run vs 1")
    assert "a.json → b.json" in lines[3]
    wall = next(line for line in lines if " wall " in line)
    assert wall.split()[-4:] == ["cannot", "tell", "from", "noise"]
