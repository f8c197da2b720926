"""The per-second series and `recovery`, from synthetic attempts and series."""

from __future__ import annotations

import pytest

from clients.records import Attempt
from clients.results.series import offset_of, recovery, series_of, sparkline


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


def ok(request: int, start: float, end: float, due: float, attempt: int = 0) -> Attempt:
    return Attempt("10001", attempt, start, end, 200, jobs=1, request=request, due=due)


def failed(request: int, start: float, end: float, due: float, attempt: int = 0) -> Attempt:
    return Attempt("10001", attempt, start, end, None, error="timeout", request=request, due=due)


def test_a_series_counts_requests_by_when_they_were_due_and_ended() -> None:
    attempts = [
        ok(0, 0.1, 0.3, 0.0),
        failed(1, 0.5, 1.5, 0.5), ok(1, 1.6, 2.2, 0.5, attempt=1),  # retried, good at 2.2
        failed(2, 1.2, 2.2, 1.0), failed(2, 2.3, 3.3, 1.0, attempt=1),  # given up at 3.3
    ]  # fmt: skip
    series = series_of(attempts, [{"name": "dip", "at": 1.5, "for": 1.0}], offset=0.5)
    assert series.offered == (2, 1, 0, 0)
    assert series.sent == (2, 2, 1, 0)
    assert series.goodput == (1, 0, 1, 0)
    assert series.failed == (0, 0, 0, 1)
    assert series.in_flight[0] == pytest.approx(0.2 + 0.5)
    assert series.p50[0] == pytest.approx(0.3) and series.p50[1] is None
    assert series.p99[2] == pytest.approx(2.2 - 0.5)  # from due, the retry's wait included
    (span,) = series.phases
    assert (span.name, span.start, span.end) == ("dip", 1.0, 2.0)  # on the client's clock
    assert series.recovered is False and series.recovery is None
    document = series.to_dict()
    assert document["step"] == 1.0 and document["phases"][0]["start"] == 1.0
    assert document["p50"][1] is None


def test_without_phases_there_is_no_recovery_to_speak_of() -> None:
    series = series_of([ok(0, 0.0, 0.1, 0.0)])
    assert (series.recovery, series.recovered) == (None, None)


def test_the_offset_is_the_first_arrival_less_the_first_send() -> None:
    attempts = [ok(0, 0.25, 0.3, 0.2), ok(1, 0.75, 0.8, 0.7)]
    assert offset_of(attempts, [{"arrival": 1.5}, {"arrival": 1.0}]) == pytest.approx(0.75)
    assert offset_of(attempts, []) is None


def test_sparkline_scales_to_the_top_and_shows_a_stall_as_a_gap() -> None:
    assert sparkline([0, 5, 10, 10], 10) == " ▅██"
    assert sparkline([1, 2], 0) == "  "
