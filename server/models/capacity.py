"""A capacity model: W requests in service, a bounded FIFO queue of Q, and 503 beyond it."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class QueueFull(Exception):
    """All workers are busy and the queue is full."""


class CapacityGate:
    """Admit at most `workers` holders at once; queue up to `queue` more, first come first served.

    `clock` is injected so the queue wait a caller is told can be checked without sleeping.
    """

    def __init__(self, workers: int, queue: int, clock: Callable[[], float]) -> None:
        self.workers = workers  # may change while requests are held (`resize`)
        self.queue = queue
        self.busy = 0
        self._clock = clock
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def queued(self) -> int:
        """How many requests are waiting for a worker."""
        return len(self._waiters)

    def try_acquire(self) -> bool:
        """Take a worker if one is free right now and nobody is queued before us."""
        if self.busy < self.workers and not self._waiters:
            self.busy += 1
            return True
        return False

    async def acquire(self) -> float:
        """Wait for a worker and return the seconds spent queued; raise QueueFull if no room."""
        if self.try_acquire():
            return 0.0
        if len(self._waiters) >= self.queue:
            raise QueueFull
        start = self._clock()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # we were handed a worker as we were cancelled: pass it on
            elif waiter in self._waiters:  # release() may already have dropped it
                self._waiters.remove(waiter)
            raise
        return self._clock() - start

    def release(self) -> None:
        """Give the worker back: hand it to the first waiter, if any — unless the gate was
        made smaller meanwhile, and this worker is one too many."""
        if self.busy <= self.workers and self._hand_over():
            return
        self.busy -= 1

    def resize(self, workers: int, queue: int) -> None:
        """Change the bounds now (a phase starts or ends): requests in service keep their
        worker; a larger gate admits waiters at once, a smaller one as workers come back."""
        self.workers, self.queue = workers, queue
        while self.busy < self.workers and self._hand_over(count=True):
            pass

    def _hand_over(self, *, count: bool = False) -> bool:
        """Pass a worker to the first waiter still waiting (`count`: a new worker)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self.busy += count
                return True
        return False
