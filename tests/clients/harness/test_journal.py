"""The server's journal as the harness reads it: entries mapped onto the run's clock in packed
lanes, outcomes named like the clients' errors, and what a journal cannot stand for."""

from __future__ import annotations

import math
from typing import Any

import pytest

from clients.harness import journal
from clients.records import ClientSettings, RunResult, Usage
from clients.results.summary import count_outcomes, startup, summarize


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
