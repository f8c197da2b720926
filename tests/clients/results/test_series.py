"""A run over time: each step's requests sent, answered, failed, in flight and latency; the
requests due and answered well, and `recovery` from synthetic series."""

from __future__ import annotations

import pytest

from clients.records import CANCELLED, Attempt
from clients.results.series import BINS, offset_of, recovery, series_of, sparkline, step_for
from tests.builders import ok


@pytest.mark.parametrize(
    ("span", "step"),
    [
        pytest.param(0.3, 0.01, id="short-run-10ms"),
        pytest.param(3.3, 0.1, id="the-talk's-asyncio-100ms"),
        pytest.param(17.3, 0.5, id="a-herd-500ms"),
        pytest.param(41.0, 1.0, id="blocking-a-second"),
        pytest.param(600.0, 1.0, id="never-over-a-second"),
    ],
)
def test_the_step_gives_about_forty_points_and_never_more_than_a_second(
    span: float, step: float
) -> None:
    assert step_for(span) == step
    assert span / step <= BINS or step == 1.0


def test_each_step_counts_what_started_ended_and_was_open_in_it() -> None:
    attempts = [
        ok("a", 0.0, 0.25),  # open over 2.5 bins of 0.1 s
        Attempt("b", 0, 0.05, 0.15, 503, error="http_503"),
        ok("b", 0.2, 0.3, number=1),
        Attempt("c", 0, 0.0, 0.1, None, error=CANCELLED, hedge=True),  # a hedge's loser
    ]
    found = series_of(attempts, step=0.1)
    assert len(found) == 3 and found.step == 0.1
    assert found.sent == (3, 0, 1)  # retries and the hedge count as sent
    assert found.ok == (0, 0, 2) and found.failed == (0, 1, 0)  # the loser never fails
    assert found.in_flight == pytest.approx((2.5, 1.5, 1.5))
    assert found.p50[0] is None and found.p50[1] == pytest.approx(0.1)
    assert found.p99[2] == pytest.approx(0.25, abs=0.01)


def test_a_run_without_attempts_is_one_empty_step() -> None:
    found = series_of([])
    assert found.sent == (0,) and found.in_flight == (0.0,) and found.p99 == (None,)


@pytest.mark.parametrize(
    ("offered", "goodput", "after", "expected"),
    [
        pytest.param([10] * 10, [10] * 10, 2.0, 0.0, id="never-hurt"),
        pytest.param([10] * 10, [10, 10, 0, 0, 9, 9, 9, 9, 9, 9], 2.0, 2.0, id="back-at-4"),
        pytest.param([10] * 10, [10, 10, 0, 0, 9, 8, 9, 9, 9, 9], 2.0, 4.0,
                     id="one-bad-second-restarts-the-count"),
        pytest.param([10] * 10, [10, 10, 0, 0, 0, 0, 0, 0, 9, 9], 2.0, None,
                     id="only-two-good-seconds-left"),
        pytest.param([10] * 10, [0] * 10, 2.0, None, id="never"),
        pytest.param([10] * 10, [10] * 10, 2.5, 0.5, id="from-the-next-whole-second"),
        pytest.param([10] * 6 + [0] * 4, [10] * 10, 4.0, None, id="no-arrivals-no-recovery"),
        pytest.param([10] * 10, [30, 30, 30, 12, 12, 12, 10, 10, 10, 10], 0.0, 0.0,
                     id="draining-a-backlog-counts"),
    ],
)  # fmt: skip
def test_recovery_on_synthetic_series(
    offered: list[int], goodput: list[int], after: float, expected: float | None
) -> None:
    assert recovery(offered, goodput, after) == expected


def done(request: int, start: float, end: float, due: float, attempt: int = 0) -> Attempt:
    return Attempt("10001", attempt, start, end, 200, jobs=1, request=request, due=due)


def failed(request: int, start: float, end: float, due: float, attempt: int = 0) -> Attempt:
    return Attempt("10001", attempt, start, end, None, error="timeout", request=request, due=due)


def test_a_series_counts_requests_by_when_they_were_due_and_ended() -> None:
    attempts = [
        done(0, 0.1, 0.3, 0.0),
        failed(1, 0.5, 1.5, 0.5), done(1, 1.6, 2.2, 0.5, attempt=1),  # retried, good at 2.2
        failed(2, 1.2, 2.2, 1.0), failed(2, 2.3, 3.3, 1.0, attempt=1),  # given up at 3.3
    ]  # fmt: skip
    series = series_of(attempts, 1.0, [{"name": "dip", "at": 1.5, "for": 1.0}], offset=0.5)
    assert series.offered == (2, 1, 0, 0)
    assert series.sent == (2, 2, 1, 0)
    assert series.goodput == (1, 0, 1, 0)  # requests, when their good answer ended
    assert (series.ok, series.failed) == ((1, 0, 1, 0), (0, 1, 1, 1))  # attempts
    assert series.in_flight[0] == pytest.approx(0.2 + 0.5)
    assert series.due_p50[0] == pytest.approx(0.3) and series.due_p50[1] is None
    assert series.due_p99[2] == pytest.approx(2.2 - 0.5)  # from due, the retry's wait included
    assert series.p50[2] == pytest.approx((0.6 + 1.0) / 2)  # its attempts, from sent
    (span,) = series.phases
    assert (span.name, span.start, span.end) == ("dip", 1.0, 2.0)  # on the client's clock
    assert series.recovered is False and series.recovery is None
    document = series.to_dict()
    assert document["step"] == 1.0 and document["phases"][0]["start"] == 1.0
    assert document["due_p50"][1] is None


def test_without_phases_there_is_no_recovery_to_speak_of() -> None:
    series = series_of([done(0, 0.0, 0.1, 0.0)])
    assert (series.recovery, series.recovered) == (None, None)


def test_the_offset_is_the_first_arrival_less_the_first_send() -> None:
    attempts = [done(0, 0.25, 0.3, 0.2), done(1, 0.75, 0.8, 0.7)]
    assert offset_of(attempts, [{"arrival": 1.5}, {"arrival": 1.0}]) == pytest.approx(0.75)
    assert offset_of(attempts, []) is None


def test_sparkline_scales_to_the_top_and_shows_a_stall_as_a_gap() -> None:
    assert sparkline([0, 5, 10, 10], 10) == " ▅██"
    assert sparkline([1, 2], 0) == "  "
