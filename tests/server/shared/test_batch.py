"""The batcher: one call per event-loop tick, one call in flight, nothing lost on a failure.

The call here is a recorder (the batcher's contract is what it passes and when); what the
store makes of the batch is tests/server/shared/test_store.py's, on a real store.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.errors import StoreUnreachable
from server.shared.batch import Batcher


class Recorder:
    """Answers each operation with its first argument; fails while `failing`."""

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []
        self.failing = False
        self.gate: asyncio.Event | None = None  # when set, a call waits for it

    async def __call__(self, ops: list[tuple[Any, ...]]) -> list[Any]:
        self.calls.append([part for op in ops for part in op])
        if self.gate is not None:
            await self.gate.wait()
        if self.failing:
            raise ConnectionError("gone")
        return [op[0] for op in ops]


def batcher_of(recorder: Recorder) -> Batcher:
    return Batcher(recorder, lambda error: StoreUnreachable("redis://box", str(error)))


async def test_the_operations_of_one_tick_are_one_call() -> None:
    recorder = Recorder()
    batcher = batcher_of(recorder)
    answers = await asyncio.gather(*(batcher.submit(f"op{i}", i) for i in range(5)))
    assert answers == [f"op{i}" for i in range(5)]
    assert recorder.calls == [["op0", 0, "op1", 1, "op2", 2, "op3", 3, "op4", 4]]


async def test_one_call_in_flight_the_rest_go_next() -> None:
    recorder = Recorder()
    recorder.gate = asyncio.Event()
    batcher = batcher_of(recorder)
    first = batcher.submit("op-a")
    await asyncio.sleep(0)  # the flush is out, waiting on the gate
    later = [batcher.submit("op-b"), batcher.submit("op-c")]
    await asyncio.sleep(0)
    assert recorder.calls == [["op-a"]]  # not sent while the first is out
    recorder.gate.set()
    assert await first == "op-a"
    assert await asyncio.gather(*later) == ["op-b", "op-c"]
    assert recorder.calls == [["op-a"], ["op-b", "op-c"]]


async def test_a_failure_names_the_store_and_keeps_what_nobody_awaited() -> None:
    recorder = Recorder()
    recorder.failing = True
    batcher = batcher_of(recorder)
    batcher.post("op-journal")
    waited = batcher.submit("op-attempt")
    with pytest.raises(StoreUnreachable, match="redis://box"):
        await waited
    await asyncio.sleep(0.01)
    assert len(recorder.calls) == 1  # no retry loop while nothing new arrives
    recorder.failing = False
    assert await batcher.submit("op-next") == "op-next"
    assert recorder.calls[-1] == ["op-journal", "op-next"]  # the kept entry went first
    await batcher.drain()
