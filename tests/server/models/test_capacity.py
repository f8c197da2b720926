"""The capacity gate with an injected clock: immediate admission, a FIFO queue, QueueFull."""

from __future__ import annotations

import asyncio

import pytest

from server.models.capacity import CapacityGate, QueueFull
from tests.helpers import FakeClock


async def settle() -> None:
    """Let every ready task run until it blocks (no time passes: nothing sleeps for real)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def queue_up(gate: CapacityGate, count: int) -> list[asyncio.Task[float]]:
    tasks = [asyncio.create_task(gate.acquire()) for _ in range(count)]
    await settle()
    return tasks


async def test_workers_are_admitted_at_once_with_no_wait() -> None:
    gate = CapacityGate(workers=3, queue=0, clock=FakeClock())
    assert [await gate.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert gate.busy == 3
    assert gate.queued == 0


async def test_queue_full_when_workers_and_queue_are_taken() -> None:
    clock = FakeClock()
    gate = CapacityGate(workers=2, queue=2, clock=clock)
    await gate.acquire()
    await gate.acquire()
    waiting = await queue_up(gate, 2)
    assert gate.queued == 2
    assert not any(task.done() for task in waiting)
    with pytest.raises(QueueFull):
        await gate.acquire()
    assert gate.queued == 2  # the refused request left no trace
    gate.release()
    gate.release()
    await settle()
    assert [task.result() for task in waiting] == [0.0, 0.0]  # the clock never moved
    assert gate.busy == 2  # the two waiters now hold the workers
    assert gate.queued == 0


async def test_no_queue_means_queue_full_at_once() -> None:
    gate = CapacityGate(workers=1, queue=0, clock=FakeClock())
    await gate.acquire()
    with pytest.raises(QueueFull):
        await gate.acquire()


async def test_waiters_are_served_first_come_first_served_with_measured_waits() -> None:
    clock = FakeClock()
    gate = CapacityGate(workers=1, queue=3, clock=clock)
    assert await gate.acquire() == 0.0
    clock.now = 1.0
    first, second, third = await queue_up(gate, 3)
    served: list[str] = []
    for name, task in (("first", first), ("second", second), ("third", third)):
        task.add_done_callback(lambda _, name=name: served.append(name))

    clock.now = 2.5
    gate.release()
    await settle()
    assert first.done() and not second.done() and not third.done()
    assert first.result() == 1.5  # queued at 1.0, admitted at 2.5
    assert gate.busy == 1  # handed over, not freed

    clock.now = 4.0
    gate.release()
    await settle()
    assert second.result() == 3.0

    clock.now = 10.0
    gate.release()
    await settle()
    assert third.result() == 9.0
    assert served == ["first", "second", "third"]

    gate.release()
    assert gate.busy == 0
    assert gate.queued == 0


async def test_a_newcomer_never_jumps_the_queue() -> None:
    clock = FakeClock()
    gate = CapacityGate(workers=1, queue=2, clock=clock)
    await gate.acquire()
    (waiter,) = await queue_up(gate, 1)
    gate.release()  # hands the worker to the waiter before it has even run
    newcomer = asyncio.create_task(gate.acquire())
    await settle()
    assert waiter.done()
    assert not newcomer.done()  # queued behind: the worker went to the waiter
    assert gate.queued == 1
    gate.release()
    await settle()
    assert newcomer.done()
    gate.release()
    assert gate.busy == 0


async def test_cancelling_a_queued_waiter_frees_its_place() -> None:
    clock = FakeClock()
    gate = CapacityGate(workers=1, queue=2, clock=clock)
    await gate.acquire()
    first, second = await queue_up(gate, 2)
    with pytest.raises(QueueFull):
        await gate.acquire()

    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert gate.queued == 1
    (third,) = await queue_up(gate, 1)  # the freed place can be taken again
    assert gate.queued == 2

    clock.now = 3.0
    gate.release()
    await settle()
    assert second.done() and second.result() == 3.0  # the cancelled one was skipped
    assert not third.done()
    gate.release()
    await settle()
    assert third.result() == 3.0
    gate.release()
    assert gate.busy == 0


async def test_a_waiter_cancelled_after_the_handover_passes_the_worker_on() -> None:
    gate = CapacityGate(workers=1, queue=2, clock=FakeClock())
    await gate.acquire()
    first, second = await queue_up(gate, 2)
    gate.release()  # the worker is handed to `first`...
    first.cancel()  # ...which is cancelled before it could run
    with pytest.raises(asyncio.CancelledError):
        await first
    await settle()
    assert second.done()  # it got the worker `first` gave back
    assert gate.busy == 1
    gate.release()
    assert gate.busy == 0


async def test_a_lone_waiter_cancelled_after_the_handover_frees_the_worker() -> None:
    gate = CapacityGate(workers=1, queue=1, clock=FakeClock())
    await gate.acquire()
    (waiter,) = await queue_up(gate, 1)
    gate.release()
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.busy == 0
    assert await gate.acquire() == 0.0


async def test_release_between_cancel_and_wakeup_keeps_the_gate_consistent() -> None:
    gate = CapacityGate(workers=1, queue=2, clock=FakeClock())
    await gate.acquire()
    (waiter,) = await queue_up(gate, 1)
    waiter.cancel()  # its future is cancelled now, the task runs its handler later
    gate.release()  # skips the cancelled future and frees the worker
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.busy == 0
    assert gate.queued == 0
