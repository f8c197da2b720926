"""Phase schedules and a capacity gate that changes size while requests hold it."""

from __future__ import annotations

import asyncio

import pytest

from server.models.capacity import CapacityGate
from server.models.phases import NO_PHASES, Schedule, Window
from tests.helpers import FakeClock

SCHEDULE = Schedule((Window("dip", 10.0, 20.0), Window("outage", 30.0, 31.5)))


@pytest.mark.parametrize(
    ("elapsed", "index", "name"),
    [
        pytest.param(0.0, 0, None, id="before"),
        pytest.param(9.999, 0, None, id="just-before"),
        pytest.param(10.0, 1, "dip", id="start-is-inside"),
        pytest.param(19.999, 1, "dip", id="inside"),
        pytest.param(20.0, 0, None, id="end-is-outside"),
        pytest.param(30.5, 2, "outage", id="second"),
        pytest.param(31.5, 0, None, id="after-all"),
    ],
)
def test_the_window_holding_a_time(elapsed: float, index: int, name: str | None) -> None:
    assert SCHEDULE.index_at(elapsed) == index
    assert SCHEDULE.name_at(elapsed) == name


def test_names_and_end() -> None:
    assert SCHEDULE.names() == ("base", "dip", "outage")
    assert SCHEDULE.end == 31.5
    assert NO_PHASES.index_at(5.0) == 0 and NO_PHASES.end == 0.0


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_smaller_gate_lets_holders_finish_and_admits_as_workers_come_back() -> None:
    gate = CapacityGate(workers=3, queue=10, clock=FakeClock())
    for _ in range(3):
        await gate.acquire()
    gate.resize(1, 10)
    waiting = [asyncio.create_task(gate.acquire()) for _ in range(2)]
    await settle()
    assert gate.busy == 3 and gate.queued == 2  # nobody in service was turned out
    gate.release()
    gate.release()
    await settle()
    assert gate.busy == 1 and not any(task.done() for task in waiting)  # two too many went
    gate.release()
    await settle()
    assert waiting[0].done() and not waiting[1].done()  # one worker now: one admitted
    assert gate.busy == 1


async def test_a_larger_gate_admits_waiters_at_once() -> None:
    gate = CapacityGate(workers=1, queue=10, clock=FakeClock())
    await gate.acquire()
    waiting = [asyncio.create_task(gate.acquire()) for _ in range(3)]
    await settle()
    gate.resize(3, 10)
    await settle()
    assert [task.done() for task in waiting] == [True, True, False]
    assert gate.busy == 3 and gate.queued == 1
