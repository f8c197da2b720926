"""The server's journal as the harness reads it: entries mapped onto the run's clock in packed
lanes, outcomes named like the clients' errors, and what a journal cannot stand for."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import requests

from clients.harness import journal
from clients.harness.compare import one_run
from clients.harness.server_control import ServerControl
from clients.records import ClientSettings, RunResult, RunState, Usage
from clients.report.notes import notes
from clients.results.summary import count_outcomes, startup, summarize
from tests.helpers import LiveServer, configure, jobs_in

# A command that sums its zips one after another (from stdin), as the talk's block.py did.
SUM_ZIPS = (
    "import sys, requests; u = sys.argv[1]; zips = sys.stdin.read().split()\n"
    "print(sum(int(requests.get(u + '/api/jobs', params=dict(LocationId=z), timeout=10)"
    ".json()['TotalJobs']) for z in zips))"
)


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
        "  90011 attempt 0 (first try), 0.100–0.200 s: 503 (fault error_503), port 40001",
        "  90011 attempt 1 (retry 1), 0.300–0.350 s: 200, port 40002",
        "replay: @replay",
    ]


def test_journal_times_stay_within_the_run_that_saw_them() -> None:
    # The clocks are tied by one admin round trip: a few µs either way must not put a request
    # before the run began or after it ended.
    entry = {"route": "jobs", "zip": "90011", "attempt": 0, "status": 200, "bytes": 10,
             "arrival": 0.0999, "start": 0.1, "end": 0.5000_12, "intended": 0.01,
             "queue_wait": 0.0}  # fmt: skip
    attempt = journal.to_attempt(entry, shift=0.1, wall=0.4)
    assert (attempt.start, attempt.end) == (0.0, 0.4)
    assert journal.to_attempt(entry, shift=0.0).end == pytest.approx(0.500012)


TAG = "blocking 0123456789ab"
STRAY = "blocking ba9876543210"  # another run's tag: a worker left over from an earlier compare


@pytest.mark.parametrize(
    ("client", "marks", "foreign"),
    [
        pytest.param(TAG, True, False, id="marked-with-the-tag"),
        pytest.param(None, True, True, id="unmarked-for-a-client-that-marks"),
        pytest.param(STRAY, True, True, id="another-runs-tag"),
        pytest.param(None, False, False, id="unmarked-from-the-users-code"),
        pytest.param("my-app/1.0", False, False, id="the-users-own-header"),
        pytest.param(STRAY, False, True, id="another-runs-tag-beside-the-users-code"),
    ],
)
def test_requests_not_the_runs_own_are_foreign(
    client: str | None, marks: bool, foreign: bool
) -> None:
    assert journal.is_foreign(entry(1, "90011", 0, 0.1, 0.2, client=client), TAG, marks) is foreign


def test_a_health_probe_is_never_foreign() -> None:
    assert not journal.is_foreign({**entry(1, "", 0, 0.1, 0.2), "route": "health"}, TAG, True)


ONE_RUN_ZIPS = [f"{90000 + n:05d}" for n in range(30)]


def _stray_requests(url: str, headers: dict[str, str], count: int) -> Callable[[int], None]:
    """An on_progress that, the first time it is called (mid-run), sends `count` requests as
    a stray process would."""
    sent: list[int] = []

    def on_progress(done: int) -> None:
        if not sent:
            for _ in range(count):
                requests.get(f"{url}/api/jobs", params={"LocationId": "10001"},
                             headers=headers, timeout=10)  # fmt: skip
            sent.append(count)

    return on_progress


@pytest.mark.slow
@pytest.mark.parametrize(
    ("settings", "stray"),
    [
        pytest.param(ClientSettings(kind="blocking", shared_session=True), {}, id="built-in"),
        pytest.param(ClientSettings(kind="command", command=("{python}", "-c", SUM_ZIPS, "{url}"),
                                    path="."), {"X-Client": STRAY}, id="a-command"),
    ],
)  # fmt: skip
def test_a_run_counts_only_its_own_requests_and_says_how_many_were_foreign(
    live_server: LiveServer, settings: ClientSettings, stray: dict[str, str]
) -> None:
    configure(live_server, latency=0.03)  # 30 zips one after another: the run lasts ~1 s
    control = ServerControl(live_server.url)
    runs: list[RunResult] = []
    try:
        one_run(control, settings, ONE_RUN_ZIPS, _stray_requests(live_server.url, stray, 3), runs)
    finally:
        control.close()
    [run] = runs
    assert run.state is RunState.OK, run.reason
    assert run.foreign == 3
    assert run.total == jobs_in(ONE_RUN_ZIPS)
    assert len(run.attempts) == len(ONE_RUN_ZIPS)  # the stray's are not the run's
    assert RunResult.from_dict(run.to_dict()).foreign == 3
    [note] = [n for n in notes([], runs) if n.title == "requests from elsewhere"]
    assert "3 API requests during 1 of" in note.text


def test_progress_from_the_journal_leaves_a_strays_requests_out(live_server: LiveServer) -> None:
    configure(live_server)
    for zip_code, headers in (("10001", {}), ("90011", {"X-Client": STRAY})):
        requests.get(f"{live_server.url}/api/jobs", params={"LocationId": zip_code},
                     headers=headers, timeout=10).raise_for_status()  # fmt: skip
    watcher = journal.Watcher(live_server.url)
    assert watcher.poll() == 1  # 10001, the user's code's; 90011 was another run's
