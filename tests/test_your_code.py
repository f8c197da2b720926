"""Your code as a row: the command and python kinds' pure parts (totals read from output,
placeholders, keywords, scenario keys), the journal's mapping onto a run's clock, and sweeps
of client settings. The runs themselves are in `test_your_code_runs.py`."""

from __future__ import annotations

import math
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from clients.errors import ScenarioFileError, WorkerFailed
from clients.harness import journal
from clients.harness.sweep import variants
from clients.kinds import KINDS
from clients.kinds.command import PLACEHOLDERS, command_line, placeholder_values, total_from
from clients.kinds.python import keywords
from clients.records import Attempt, ClientSettings, RunResult, RunState, Usage
from clients.results.summary import count_outcomes, startup, summarize
from clients.scenario import parse

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


# --- scenario keys ---------------------------------------------------------------------------

HERE = Path(__file__).resolve().parent


def client_table(body: str) -> dict[str, Any]:
    """A scenario document with one client, read from TOML text."""
    return tomllib.loads(f"[workload]\nzips = ['90011']\n[clients.mine]\n{body}")


def test_a_command_client_runs_where_its_path_says(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    scenario = tmp_path / "s.toml"
    scenario.write_text("")
    loaded = parse(
        client_table('kind = "command"\npath = "code"\ncommand = ["sh", "x.sh", "{url}"]'),
        str(scenario),
    )
    settings = loaded.clients[0]
    assert settings.command == ("sh", "x.sh", "{url}")
    assert settings.path == str(tmp_path / "code")
    assert ClientSettings.from_dict(settings.to_dict()) == settings  # a tuple again


def test_a_function_client_defaults_to_the_scenarios_folder(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text("")
    loaded = parse(client_table('kind = "python"\nfunction = "pkg.mod:fetch_all"'), str(scenario))
    assert (loaded.clients[0].function, loaded.clients[0].path) == (
        "pkg.mod:fetch_all",
        str(tmp_path),
    )
    assert loaded.clients[0].loop is None


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        pytest.param('kind = "command"', "clients.mine.command", "is required",
                     id="command-missing"),
        pytest.param('kind = "command"\ncommand = []', "clients.mine.command",
                     "non-empty list of strings", id="command-empty"),
        pytest.param('kind = "command"\ncommand = "curl"', "clients.mine.command",
                     "non-empty list of strings", id="command-not-a-list"),
        pytest.param('kind = "command"\ncommand = ["x", "{zip_file}"]', "clients.mine.command",
                     "unknown placeholder {zip_file} (did you mean 'zips_file'?)",
                     id="placeholder-typo"),
        pytest.param('kind = "command"\ncommand = ["x", "{url"]', "clients.mine.command",
                     "write {{ and }} for braces", id="unbalanced-brace"),
        pytest.param('kind = "command"\ncommand = ["x"]\npath = "nowhere"', "clients.mine.path",
                     "no such folder", id="path-missing"),
        pytest.param('kind = "command"\ncommand = ["x"]\nfunction = "a:b"',
                     "clients.mine.function", "only a python client takes function",
                     id="function-on-a-command"),
        pytest.param('kind = "python"', "clients.mine.function", "is required",
                     id="function-missing"),
        pytest.param('kind = "python"\nfunction = "fetch.py"', "clients.mine.function",
                     'must be "module:callable"', id="function-not-a-spec"),
        pytest.param('kind = "python"\nfunction = "a:b"\nloop = "trio"', "clients.mine.loop",
                     "must be one of asyncio, uvloop", id="loop-unknown"),
        pytest.param('kind = "asyncio"\ncommand = ["x"]', "clients.mine.command",
                     "only a command client takes command", id="command-on-asyncio"),
        pytest.param('kind = "asyncio"\npath = "."', "clients.mine.path",
                     "only a command or python client takes path", id="path-on-asyncio"),
    ],
)  # fmt: skip
def test_bad_code_keys_name_the_key(body: str, key: str, message: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse(client_table(body), "t.toml")
    assert caught.value.key == key
    assert message in str(caught.value)


# --- sweeps of client settings --------------------------------------------------------------

SWEPT = """
[workload]
zips = ["90011"]
[clients.blocking]
[clients.asyncio]
[clients.browser]
[clients.mine]
kind = "command"
command = ["true"]
[sweep]
setting = "{setting}"
values = {values}
"""


@pytest.mark.parametrize(
    ("setting", "values", "field", "kinds"),
    [
        pytest.param("timeout", [0.5, 2], "timeout", {"blocking", "asyncio", "browser", "command"},
                     id="timeout"),
        pytest.param("retries", [1, 3], "retries", {"blocking", "asyncio", "command"},
                     id="retries"),
        pytest.param("backoff", [0.01, 0.2], "backoff", {"blocking", "asyncio", "command"},
                     id="backoff"),
        pytest.param("concurrency", [1, 8], "concurrency", {"asyncio", "command"},
                     id="concurrency"),
    ],
)  # fmt: skip
def test_a_client_setting_sweep_reaches_every_client_that_has_it(
    setting: str, values: list[float], field: str, kinds: set[str]
) -> None:
    loaded = parse(tomllib.loads(SWEPT.format(setting=setting, values=values)), "t.toml")
    assert loaded.sweep is not None
    for value, variant in variants(loaded, loaded.sweep):
        changed = {c.kind for c in variant.clients if getattr(c, field) == value}
        assert changed == kinds, (value, changed)
        whole = {type(getattr(c, field)) for c in variant.clients if c.kind in kinds}
        assert whole == ({int} if setting in ("retries", "concurrency") else {float})


@pytest.mark.parametrize(
    ("setting", "values", "message"),
    [
        pytest.param("timeout", [0], "a timeout must be > 0", id="timeout-zero"),
        pytest.param("retries", [1.5], "retries takes whole numbers", id="retries-fraction"),
        pytest.param("retries", [21], "out of range for retries", id="retries-too-many"),
        pytest.param("backoff", [-1], "out of range for backoff", id="backoff-negative"),
    ],
)
def test_bad_client_setting_sweeps_are_one_line(
    setting: str, values: list[float], message: str
) -> None:
    with pytest.raises(ScenarioFileError, match=message):
        parse(tomllib.loads(SWEPT.format(setting=setting, values=values)), "t.toml")


# --- the journal, mapped onto the run's clock ----------------------------------------------


def entry(
    seq: int, zip_code: str, attempt: int, arrival: float, end: float, **kw: Any
) -> dict[str, Any]:
    """A journal entry as the server writes one (times in seconds since its reset)."""
    return {
        "seq": seq, "arrival": arrival, "start": arrival + kw.pop("queue_wait", 0.0), "end": end,
        "route": "jobs", "zip": zip_code, "attempt": attempt, "intended": 0.05,
        "queue_wait": 0.0, "status": 200, "fault": None, "bytes": 900, "peer": "127.0.0.1",
        "port": 40000 + seq, "client": None, **kw,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "fault", "error"),
    [
        pytest.param(200, None, None, id="ok"),
        pytest.param(200, "slow_body", None, id="slow-but-whole"),
        pytest.param(200, "malformed", "malformed", id="malformed"),
        pytest.param(503, "error_503", "http_503", id="503-as-clients-name-it"),
        pytest.param(429, None, "http_429", id="rate-limited"),
        pytest.param("reset", "reset", "reset", id="reset"),
        pytest.param("gone", "hang", "hang", id="client-left-a-hang"),
        pytest.param("gone", None, "gone", id="client-left"),
    ],
)
def test_journal_outcomes_are_named_like_the_clients_errors(
    status: int | str, fault: str | None, error: str | None
) -> None:
    assert journal.error_of({"status": status, "fault": fault}) == error


def test_entries_land_on_the_runs_clock_in_packed_lanes() -> None:
    entries = [
        entry(1, "90011", 0, 10.50, 10.56),
        entry(2, "08701", 0, 10.51, 10.60, status=503, fault="error_503"),
        entry(3, "08701", 1, 10.70, 10.75),
        {**entry(4, "00000", 0, 10.8, 10.8), "route": "health"},  # not an API request
    ]
    attempts = journal.to_attempts(entries, shift=10.0)
    assert [(a.zip, a.attempt, a.lane) for a in attempts] == [
        ("90011", 0, 0), ("08701", 0, 1), ("08701", 1, 0),
    ]  # fmt: skip
    first = attempts[0]
    assert math.isclose(first.start, 0.5) and math.isclose(first.latency, 0.06)
    assert first.ok and first.jobs is None  # the journal does not read bodies
    assert math.isclose(first.overshoot or 0.0, 0.01)
    assert (attempts[1].ok, attempts[1].error, attempts[1].status) == (False, "http_503", 503)
    counts = count_outcomes(attempts)
    assert (counts.ok, counts.failed, counts.retried) == (2, 0, 1)


def test_a_journal_run_summarises_like_any_other() -> None:
    attempts = tuple(
        journal.to_attempts([entry(1, "90011", 0, 0.4, 0.45), entry(2, "08701", 0, 0.41, 0.5)], 0.0)
    )
    run = RunResult(
        client="mine", settings=ClientSettings(kind="command", command=("x",)), total=2,
        usage=Usage(mem=1, utime=0.1, stime=0.0, time=0.6, peak_processes=3), attempts=attempts,
    )  # fmt: skip
    summary = summarize([run], 2, {"0": 0.1})
    assert summary.correct and summary.counts.ok == 2
    assert summary.startup == pytest.approx(0.4)  # start to first request
    assert summary.peak_processes == 3 and summary.p50 > 0
    assert startup(RunResult(client="b", settings=ClientSettings(kind="asyncio"), total=0,
                             usage=run.usage, attempts=attempts)) is None  # fmt: skip


@pytest.mark.parametrize(
    ("page", "message"),
    [
        pytest.param({"size": 0, "tag": "t", "dropped": 0}, "journal is off", id="off"),
        pytest.param({"size": 10, "tag": "other", "dropped": 0}, "reset by someone else",
                     id="someone-else"),
        pytest.param({"size": 10, "tag": "t", "dropped": 5}, "dropped 5 entries", id="dropped"),
    ],
)  # fmt: skip
def test_a_journal_that_cannot_stand_for_the_run_says_why(
    page: dict[str, Any], message: str
) -> None:
    why = journal.problem(page, "t")
    assert why is not None and message in why
    assert journal.problem({"size": 10, "tag": "t", "dropped": 0}, "t") is None


def test_most_in_flight_does_not_count_a_handover_twice() -> None:
    entries = [entry(1, "a", 0, 0.0, 1.0), entry(2, "b", 0, 1.0, 2.0), entry(3, "c", 0, 0.5, 1.5)]
    assert journal.most_in_flight(entries) == 2
    assert {e["zip"] for e in journal.busiest(entries)} == {"a", "c"}
    assert journal.most_in_flight([]) == 0


def test_a_failure_says_what_the_server_saw() -> None:
    entries = [
        entry(1, "90011", 0, 0.1, 0.2, status=503, fault="error_503"),
        entry(2, "90011", 1, 0.3, 0.35),
    ]
    text = journal.failure_text("zip 90011 was asked for 2 times, want 1", entries, "@replay")
    assert text.splitlines() == [
        "usajobs: zip 90011 was asked for 2 times, want 1",
        "the server saw 2 requests:",
        "  90011 attempt 0, 0.100–0.200 s: 503 (fault error_503), port 40001",
        "  90011 attempt 1, 0.300–0.350 s: 200, port 40002",
        "replay: @replay",
    ]


def test_the_new_kinds_take_their_requests_from_the_journal() -> None:
    assert KINDS["command"].journal and KINDS["python"].journal
    assert not any(KINDS[k].journal for k in ("blocking", "asyncio", "javascript"))
    ok = Attempt("90011", 0, 0.0, 0.1, status=200)  # as the journal gives it: no count
    assert ok.ok and not Attempt("90011", 0, 0.0, 0.1, status=200, error="malformed").ok
    assert RunState.FAILED.value == "failed"


def test_journal_times_stay_within_the_run_that_saw_them() -> None:
    # The clocks are tied by one admin round trip: a few µs either way must not put a request
    # before the run began or after it ended.
    entry = {"route": "jobs", "zip": "90011", "attempt": 0, "status": 200, "bytes": 10,
             "arrival": 0.0999, "start": 0.1, "end": 0.5000_12, "intended": 0.01,
             "queue_wait": 0.0}  # fmt: skip
    attempt = journal.to_attempt(entry, shift=0.1, wall=0.4)
    assert (attempt.start, attempt.end) == (0.0, 0.4)
    assert journal.to_attempt(entry, shift=0.0).end == pytest.approx(0.500012)
