"""A run over time: each step's requests sent, answered, failed, in flight and latency."""

from __future__ import annotations

import pytest

from clients.records import CANCELLED, Attempt
from clients.results.series import BINS, series_of, step_for
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
