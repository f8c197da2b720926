"""Your code as a row: the command and python kinds' pure parts (totals read from output,
placeholders, keywords) and their requests taken from the journal. Their scenario keys are in
`test_scenario_code.py`, the journal's mapping in `harness/test_journal.py`, sweeps of their
settings in `harness/test_sweep.py`; the runs themselves in `test_your_code_runs.py`."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

import pytest

from clients.arrivals import planned
from clients.errors import WorkerFailed
from clients.kinds import KINDS
from clients.kinds.command import PLACEHOLDERS, command_line, placeholder_values, total_from
from clients.kinds.python import call, keywords
from clients.progress import Progress
from clients.records import Attempt, ClientSettings, RunState

# --- reading a program's total ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("stdout", "total"),
    [
        pytest.param("jobs available: 1651\nmem: 1\ntime: 2.5\n", 1651, id="talk-block"),
        pytest.param("jobs available: 1\njobs available: 1651\ndone\n", 1651, id="last-talk-line"),
        pytest.param("fetching...\nsum = 1651\n\n", 1651, id="last-integer"),
        pytest.param("12 of 1651\n", 1651, id="last-integer-on-the-line"),
        pytest.param("JOBS AVAILABLE: 7", 7, id="any-case"),
    ],
)
def test_a_programs_total_is_read_from_its_output(stdout: str, total: int) -> None:
    assert total_from(stdout) == total


@pytest.mark.parametrize(
    ("stdout", "message"),
    [
        pytest.param("", "printed nothing on stdout", id="nothing"),
        pytest.param("  \n\n", "printed nothing on stdout", id="blank"),
        pytest.param(
            "1651\nall done\n", "printed no total: its last line is 'all done'", id="text"
        ),
        pytest.param("x" * 300, "its last line is 'xxxxx", id="long-line-clipped"),
    ],
)
def test_output_without_a_total_is_one_line(stdout: str, message: str) -> None:
    with pytest.raises(WorkerFailed) as caught:
        total_from(stdout)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 160


def test_placeholders_are_filled_in_real_seconds() -> None:
    settings = ClientSettings(
        kind="command", command=("prog",), concurrency=4, timeout=2.0, retries=3,
        backoff=0.5, speed=4.0, api="search",
    )  # fmt: skip
    values = placeholder_values(settings, "http://h:1/", ["90011", "08701"], "/tmp/z.txt")
    assert set(values) == set(PLACEHOLDERS)
    argv = command_line(
        ["{python}", "{url}/x", "{zips}", "{count}", "{concurrency}", "{timeout}", "{retries}",
         "{backoff}", "{api}", "{zips_file}", "{timeout:.2f}", "{{literal}}"],
        values,
    )  # fmt: skip
    assert argv == [
        sys.executable, "http://h:1/x", "90011,08701", "2", "4", "0.5", "3", "0.125", "search",
        "/tmp/z.txt", "0.50", "{literal}",
    ]  # fmt: skip


def test_the_retry_policies_reach_a_program_and_a_function() -> None:
    settings = ClientSettings(kind="command", command=("prog",), jitter="full", hedge=0.4,
                              budget_ratio=0.1, budget_min_per_s=10.0, speed=2.0)  # fmt: skip
    values = placeholder_values(settings, "http://h:1/", ["90011"], "/tmp/z.txt")
    argv = command_line(["{jitter}", "{hedge}", "{budget_ratio}", "{budget_min_per_s}"], values)
    assert argv == ["full", "0.2", "0.1", "20.0"]  # real seconds; a floor per real second
    no_budget = placeholder_values(replace(settings, budget_ratio=None), "u", [], "f")
    assert no_budget["budget_ratio"] == "none"

    def tuned(zips: list[str], url: str, jitter: str = "", hedge: float = 0.0,
              budget_ratio: float | None = None) -> int:  # fmt: skip
        return 0

    told = keywords(tuned, replace(settings, kind="python", command=None))
    assert told == {"jitter": "full", "hedge": 0.2, "budget_ratio": 0.1}


def test_a_function_gets_the_keywords_it_names() -> None:
    settings = ClientSettings(kind="python", concurrency=7, timeout=3.0, retries=2, speed=2.0)

    def plain(zips: list[str], url: str) -> int:
        return 0

    def tuned(zips: list[str], url: str, *, concurrency: int = 1, timeout: float = 1.0) -> int:
        return 0

    def everything(zips: list[str], url: str, **options: Any) -> int:
        return 0

    assert keywords(plain, settings) == {}
    assert keywords(tuned, settings) == {"concurrency": 7, "timeout": 1.5}
    assert keywords(everything, settings) == {}  # only names it spells out


def test_the_new_kinds_take_their_requests_from_the_journal() -> None:
    assert KINDS["command"].journal and KINDS["python"].journal
    assert not any(KINDS[k].journal for k in ("blocking", "asyncio", "javascript"))
    ok = Attempt("90011", 0, 0.0, 0.1, status=200)  # as the journal gives it: no count
    assert ok.ok and not Attempt("90011", 0, 0.0, 0.1, status=200, error="malformed").ok
    assert RunState.FAILED.value == "failed"


def test_open_loop_code_is_told_the_rate_duration_and_due_times(tmp_path: Any) -> None:
    settings = ClientSettings(kind="command", command=("prog",), rate=4.0, duration=2.0, seed=1)
    values = placeholder_values(settings, "u", ["90011"], "/tmp/z.txt", "/tmp/due.txt")
    argv = command_line(["{rate}", "{duration}", "{due_file}"], values)
    assert argv == ["4.0", "2.0", "/tmp/due.txt"]
    batch = placeholder_values(replace(settings, rate=None, duration=None), "u", [], "f")
    assert (batch["rate"], batch["due_file"]) == ("none", "none")

    seen: dict[str, Any] = {}

    def mine(zips: list[str], url: str, rate: float, due_file: str | None = None) -> int:
        assert due_file is not None
        with open(due_file, encoding="utf-8") as lines:
            seen["due"] = [line.split() for line in lines]
        seen["rate"] = rate
        return 0

    python = replace(settings, kind="python", command=None, function="m:mine")
    call(mine, ["90011", "08701"], "http://h:1", python, Progress())
    assert seen["rate"] == 4.0
    assert [zip_code for _, zip_code in seen["due"]] == [d.zip for d in planned(python, ["90011",
                                                         "08701"])]  # fmt: skip
    assert [float(at) for at, _ in seen["due"]] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
