"""Open-loop arrivals: due times and zips (pure), and the kinds' dispatchers on a fake clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest

from clients.arrivals import Due, due_lines, due_times, planned, schedule
from clients.kinds._sync import when_due
from clients.kinds.asyncio import open_loop
from clients.records import Attempt, ClientSettings
from clients.report.table import behind_lines
from clients.results.summary import count_outcomes, lateness
from tests.clients.test_expectations import BASE
from tests.helpers import FakeClock

ZIPS = ("10001", "10002", "10003")


def test_constant_arrivals_are_evenly_spaced_within_the_duration() -> None:
    assert due_times(4.0, 2.0, "constant", 0) == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
    assert len(due_times(0.5, 3.0, "constant", 0)) == 1  # 1.5 requests due: one sent


def test_poisson_arrivals_repeat_for_a_seed_and_hold_the_rate() -> None:
    times = due_times(100.0, 20.0, "poisson", 7)
    assert times == due_times(100.0, 20.0, "poisson", 7)
    assert times != due_times(100.0, 20.0, "poisson", 8)
    assert times == sorted(times) and times[0] > 0 and times[-1] < 20.0
    assert 1900 < len(times) < 2100  # 2,000 expected; this seed's count, not a timing


def test_zips_come_in_a_seeded_order_cycled() -> None:
    plan = schedule(3.0, 3.0, "constant", 5, ZIPS)
    assert [due.index for due in plan] == list(range(9))
    assert sorted(d.zip for d in plan[:3]) == sorted(ZIPS)  # each zip once a cycle
    assert [d.zip for d in plan[3:6]] == [d.zip for d in plan[:3]]
    assert Counter(d.zip for d in plan) == dict.fromkeys(ZIPS, 3)
    assert plan == schedule(3.0, 3.0, "constant", 5, ZIPS)


def test_the_due_file_is_seconds_and_zip_a_line() -> None:
    settings = ClientSettings(kind="command", rate=2.0, duration=1.0, seed=1)
    plan = planned(settings, ZIPS)
    lines = due_lines(plan).splitlines()
    assert lines == [f"{d.at:.6f} {d.zip}" for d in plan] and lines[0].startswith("0.000000 ")


PLAN = [Due(i, 0.5 * i, ZIPS[i % 3]) for i in range(5)]


async def test_async_requests_start_when_due_on_an_injected_clock() -> None:
    clock = FakeClock()
    started: list[float] = []

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)  # what a real sleep does first: the started requests run
        clock.now += seconds

    async def start(due: Due) -> list[Attempt]:
        started.append(clock.now)
        await asyncio.sleep(0)  # the dispatcher never waits for a request before the next
        return [Attempt(due.zip, 0, clock.now, clock.now, 200, jobs=1, request=due.index,
                        due=due.at)]  # fmt: skip

    attempts = await open_loop(PLAN, start, clock, sleep)
    assert started == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert [a.request for a in attempts] == [0, 1, 2, 3, 4]


def test_a_blocking_request_makes_the_next_ones_late_and_that_is_counted() -> None:
    clock = FakeClock()
    attempts: list[Attempt] = []

    def start(due: Due) -> None:  # each takes 0.8 s: the loop falls behind its 0.5 s spacing
        begin = clock.now
        clock.now += 0.8
        attempts.append(Attempt(due.zip, 0, begin, clock.now, 200, jobs=1, request=due.index,
                                due=due.at))  # fmt: skip

    when_due(PLAN, start, clock, lambda seconds: setattr(clock, "now", clock.now + seconds))
    assert [a.start for a in attempts] == pytest.approx([0.0, 0.8, 1.6, 2.4, 3.2])
    late = lateness(attempts)
    assert late is not None
    assert late.offered == 5 and late.late == 4
    assert late.behind == pytest.approx(3.2 - 2.0)
    assert late.due_p50 == pytest.approx(2.4 - 1.0)  # the middle one: from due, not from sent
    assert count_outcomes(attempts).ok == 5  # five requests, though zips repeat


def test_a_batch_run_has_no_lateness() -> None:
    assert lateness([Attempt("10001", 0, 0.0, 1.0, 200, jobs=1)]) is None


def test_a_client_that_fell_behind_is_said_with_the_rate_it_managed() -> None:
    clock = FakeClock()
    attempts: list[Attempt] = []

    def start(due: Due) -> None:
        begin = clock.now
        clock.now += 1.0  # a second each, for requests due every half second
        attempts.append(Attempt(due.zip, 0, begin, clock.now, 200, jobs=1, request=due.index,
                                due=due.at))  # fmt: skip

    when_due(PLAN, start, clock, lambda seconds: setattr(clock, "now", clock.now + seconds))
    late = lateness(attempts)
    assert late is not None and late.asked == pytest.approx(2.0)
    assert late.achieved == pytest.approx(1.0) and late.fell_behind
    (line,) = behind_lines([replace(BASE, client="blocking", late=late, open_loop=True)])
    assert line == (
        "blocking could not keep up with its arrivals: asked for 2.0/s, started 1.0/s, its "
        "last request sent 2.00 s after it was due (4 of 5 late)"
    )
