"""One store round trip per event-loop tick: the operations of every request that arrived in
it, sent as one script call, with at most one call in flight.

A request adds its operation (`submit`) and, when it needs the answer, awaits the future it
gets back. The first operation of a tick schedules a flush for the end of the tick
(`call_soon` runs after every handler the tick woke); while a flush is out, new operations
wait for it to come back and then go together, so under load a round trip carries as many
requests as arrived while the previous one was out — the cost per request falls as the load
rises, and the store sees one call per tick, never one per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

# An operation nobody awaits (a journal entry, a slot given back) waits this long for one that
# is awaited to ride with, so a lone request costs one round trip, not two.
POST_DELAY: Final = 0.005
# Operations kept for the next flush when one fails (journal entries, slot releases): bounded,
# so a store that stays away costs at most this many.
MAX_RETAINED: Final = 100_000

Operation = tuple[Any, ...]
Run = Callable[[list[Operation]], Awaitable[Sequence[Any]]]


class Batcher:
    """Gathers operations into one `run(operations)` call per tick; `run` answers one result
    per operation, in order (the header it may add is the caller's to strip)."""

    def __init__(self, run: Run, on_failure: Callable[[Exception], Exception]) -> None:
        self._run = run
        self._on_failure = on_failure  # the store's error, as requests should see it
        self._ops: list[Operation] = []
        self._waiters: list[asyncio.Future[Any] | None] = []
        self._retained: list[tuple[Any, ...]] = []  # fire-and-forget operations to resend
        self._scheduled = False
        self._timer: asyncio.TimerHandle | None = None  # a flush of posted operations only
        self._flushing: asyncio.Task[None] | None = None
        self.flushes = 0  # round trips made, for the benchmark's figures
        self.operations = 0

    def submit(self, *operation: Any) -> asyncio.Future[Any]:
        """Add an operation whose answer the caller awaits."""
        future = asyncio.get_running_loop().create_future()
        self._add(operation, future)
        return future

    def post(self, *operation: Any) -> None:
        """Add an operation nobody waits for (kept and sent again if its flush fails)."""
        self._add(operation, None)

    def _add(self, operation: tuple[Any, ...], future: asyncio.Future[Any] | None) -> None:
        self._ops.append(operation)
        self._waiters.append(future)
        if future is None:
            self._retained.append(operation)
        if self._scheduled or self._flushing is not None:
            return
        loop = asyncio.get_running_loop()
        if future is None:  # nobody waits: ride with the next awaited one, or go in a moment
            if self._timer is None:
                self._timer = loop.call_later(POST_DELAY, self._start)
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._scheduled = True
        loop.call_soon(self._start)

    def _start(self) -> None:
        self._scheduled = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiters or self._flushing is not None:
            return
        ops, waiters, retained = self._ops, self._waiters, self._retained
        self._ops, self._waiters, self._retained = [], [], []
        self._flushing = asyncio.get_running_loop().create_task(self._flush(ops, waiters, retained))

    async def _flush(
        self,
        ops: list[Operation],
        waiters: list[asyncio.Future[Any] | None],
        retained: list[tuple[Any, ...]],
    ) -> None:
        failed = False
        try:
            results = await self._run(ops)
        except asyncio.CancelledError:
            for future in waiters:
                if future is not None and not future.done():
                    future.cancel()
            raise
        except Exception as error:
            failed = True
            failure = self._on_failure(error)
            for future in waiters:
                if future is not None and not future.done():
                    future.set_exception(failure)
            self._keep(retained)
        else:
            self.flushes += 1
            self.operations += len(waiters)
            for future, result in zip(waiters, results, strict=True):
                if future is not None and not future.done():
                    future.set_result(result)
        finally:
            self._flushing = None
            self._next(failed)

    def _next(self, failed: bool) -> None:
        """After a flush: send what is awaited at once; what nobody awaits waits for company
        (`POST_DELAY`) — and after a failure, for a new request: retained operations alone
        would retry in a loop for as long as the store stays away."""
        if not self._waiters:
            return
        if any(waiter is not None for waiter in self._waiters):
            self._start()
        elif not failed and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(POST_DELAY, self._start)

    def _keep(self, retained: list[tuple[Any, ...]]) -> None:
        """Put the failed flush's unanswered operations back, ahead of the newer ones."""
        room = max(0, MAX_RETAINED - len(self._retained))
        kept = retained[-room:] if room else []
        self._ops[:0] = kept
        self._waiters[:0] = [None] * len(kept)
        self._retained[:0] = kept

    async def drain(self) -> None:
        """Wait until nothing is pending or in flight (at shutdown, so the journal is whole)."""
        for _ in range(100):
            if self._flushing is None and not self._waiters:
                return
            if self._flushing is not None:
                await asyncio.wait({self._flushing})
            else:
                self._start()  # posted operations waiting for company: now
                await asyncio.sleep(0)
