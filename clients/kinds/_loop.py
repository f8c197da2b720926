"""What every event-loop client shares around its requests: where the CPU work after an answer
runs (`offload`), and how late the loop ran a timer (`LagSampler`).

The sampler is a coroutine on the loop, waking every `LAG_EVERY` seconds and noting how late it
woke: cheap (forty timers a second, see LAG_EVERY), and what any coroutine
waiting on the loop would have suffered. While the loop is blocked no coroutine can look, so a
one-shot real-time timer (SIGALRM, on the main thread only), pushed back at every beat, goes
off only when the loop misses one: its handler notes where the loop's thread is — the
coroutine that holds the loop and the call it is in — and looks again every `WATCH_EVERY`
until the loop beats; no thread of its own (the client's thread count stays its own), and no
signal at all on a loop that keeps time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import linecache
import os
import signal
import sysconfig
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from types import FrameType
from typing import Any, Final

from ..cpuwork import after_answer
from ..records import Block, ClientSettings, LoopLag, Stall
from ..resources import peak_rss_bytes

# Seconds between the sampler's timers: each wake-up costs the loop tens of microseconds (its
# select, its handles), which the client's CPU figure includes; at 40 a second that stays
# around a millisecond a second, a few percent of an idle asyncio row, not a third of it.
LAG_EVERY: Final = 0.025
BLOCKED_AFTER: Final = 0.02  # a sampler this much overdue means the loop is blocked
WATCH_EVERY: Final = 0.005  # seconds between looks at the loop's thread (SIGALRM)
STALLS_KEPT: Final = 5  # the places a blocked loop was seen most, kept per run
BLOCKS_KEPT: Final = 200  # the longest stretches of a blocked loop kept per run (for the timeline)
_STDLIB: Final = tuple(
    {str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "platstdlib")}
)
_ASYNC_CODE: Final = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def percentile(values: list[float], q: float) -> float:
    """The q-quantile, by the nearest rank at or above (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def _shown(filename: str) -> str:
    """A file as a reader knows it: relative to the working folder when under it."""
    path = Path(filename)
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd()))
    return path.name


@functools.lru_cache(maxsize=4096)  # asked at every look, from a signal handler: resolve once
def _library(filename: str) -> bool:
    """Whether a frame's file is Python's own or an installed package's: never the line a
    reader wants pointed at while a better one is on the stack."""
    resolved = str(Path(filename).resolve())
    return (
        filename.startswith("<")
        or "site-packages" in resolved
        or "dist-packages" in resolved
        or any(resolved.startswith(root + os.sep) for root in _STDLIB)
    )


def where(frame: FrameType | None) -> tuple[str, str] | None:
    """(coroutine, call) for the loop thread's innermost frame: the innermost coroutine frame
    that is not a library's (else the innermost of any), as `file:line name`, and what it was
    calling then — the callee's `module.function`, or the coroutine's line itself when the
    callee has no Python frame (a C function such as `time.sleep`). None when no coroutine is
    on the stack (the loop's own machinery)."""
    callee: FrameType | None = None
    found: tuple[FrameType, FrameType | None] | None = None
    while frame is not None:
        code = frame.f_code
        if code.co_flags & _ASYNC_CODE and code.co_name != "_sample_lag":
            if not _library(code.co_filename):
                found = (frame, callee)
                break
            found = found or (frame, callee)
        callee, frame = frame, frame.f_back
    if found is None:
        return None
    frame, callee = found
    line = frame.f_lineno or 0
    coroutine = f"{_shown(frame.f_code.co_filename)}:{line} {frame.f_code.co_name}"
    if callee is not None:
        module = callee.f_globals.get("__name__", "?")
        return coroutine, f"{module}.{callee.f_code.co_qualname}"
    return coroutine, linecache.getline(frame.f_code.co_filename, line).strip()[:80]


class LagSampler:
    """Samples one event loop's timer lateness, and where its thread is while it is blocked."""

    def __init__(self, every: float = LAG_EVERY, origin: float | None = None) -> None:
        self.every = every
        # the run's time zero on perf_counter, so blocks sit on the attempts' clock
        self.origin = time.perf_counter() if origin is None else origin
        self.blocks: list[list[Any]] = []  # [start, end, where] per stretch, on the run's clock
        self.lags: list[float] = []
        self.blocked = 0.0
        self.seen: dict[tuple[str, str], float] = {}  # seconds seen at each place
        self.watched = False
        self._armed = False
        self._looking = False  # inside _on_alarm: a second alarm then must not look too
        self._beat = self._due = self._alarm = time.perf_counter()

    async def _sample_lag(self) -> None:
        while True:
            self._due = time.perf_counter() + self.every
            if self._armed and signal.getsignal(signal.SIGALRM) != self._on_alarm:
                self._armed = False  # the user's code took SIGALRM: its timer is its own now
            if self._armed:  # one shot, pushed back at every beat: a healthy loop never hears it
                signal.setitimer(signal.ITIMER_REAL, self.every + BLOCKED_AFTER)
            await asyncio.sleep(self.every)
            self._beat = time.perf_counter()
            self.lags.append(max(0.0, self._beat - self._due))

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        """The loop missed its beat by BLOCKED_AFTER: note where its thread is, and look again
        in WATCH_EVERY until it beats."""
        if not self._armed or self._looking:
            return  # after the watch, or an alarm that interrupted this very handler (at any
            # depth: a look resolves file names, which a slow machine can take 10 ms over)
        self._looking = True
        try:
            self._look(frame)
        finally:
            self._looking = False

    def _look(self, frame: FrameType | None) -> None:
        """One look at a blocked loop's thread: how long since it was due, and where it is."""
        now = time.perf_counter()
        # Blocked since its timer was due, or since the last look within the same block (a
        # signal held up by a busy machine counts for the time it really covered).
        since = max(self._alarm, self._due)
        spent = max(0.0, now - since)
        fresh = self._alarm < self._due  # the first look since the loop last beat
        self._alarm = now
        signal.setitimer(signal.ITIMER_REAL, WATCH_EVERY)
        self.blocked += spent
        found = where(frame)
        if found is not None:
            self.seen[found] = self.seen.get(found, 0.0) + spent
        if fresh or not self.blocks:
            self.blocks.append([since - self.origin, now - self.origin, found[0] if found else ""])
        else:
            self.blocks[-1][1] = now - self.origin
            self.blocks[-1][2] = self.blocks[-1][2] or (found[0] if found else "")

    @contextlib.contextmanager
    def _watching(self) -> Iterator[None]:
        """SIGALRM when the loop misses a beat, and every WATCH_EVERY until it beats again,
        if this is the main thread and no one else uses the signal (a user's code may): else
        no watching, only the lags."""
        usable = threading.current_thread() is threading.main_thread() and signal.getsignal(
            signal.SIGALRM
        ) in (signal.SIG_DFL, None)
        if not usable:
            yield
            return
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.every + BLOCKED_AFTER)
        self.watched = self._armed = True
        try:
            yield
        finally:
            if signal.getsignal(signal.SIGALRM) == self._on_alarm:  # else theirs: leave it be
                signal.setitimer(signal.ITIMER_REAL, 0, 0)
                signal.signal(signal.SIGALRM, previous)
            self._armed = False

    async def around(self, work: Awaitable[Any]) -> Any:
        """Await `work` with the sampler running beside it on this loop."""
        self._due = time.perf_counter() + self.every
        self._alarm = 0.0
        sampler = asyncio.ensure_future(self._sample_lag())
        try:
            with self._watching():
                return await work
        finally:
            late = time.perf_counter() - self._due
            if late > 0:  # a timer overdue when the work ended: the loop was late for it too
                self.lags.append(late)
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler

    def result(self) -> LoopLag:
        """What it saw."""
        return LoopLag(percentile(self.lags, 0.99), max(self.lags, default=0.0), len(self.lags),
                       self.every, self.blocked if self.watched else None,
                       _most(self.seen), longest(self.blocks))  # fmt: skip


def merged(lags: list[LoopLag], raw: list[list[float]]) -> LoopLag:
    """Several processes' loops as one client's: the p99 of every timer, the worst, the blocked
    seconds summed, the places merged."""
    every = [x for lag in raw for x in lag]
    seen: dict[tuple[str, str], float] = {}
    for lag in lags:
        for stall in lag.stalls:
            key = (stall.coroutine, stall.call)
            seen[key] = seen.get(key, 0.0) + stall.seconds
    blocked = [lag.blocked for lag in lags if lag.blocked is not None]
    return LoopLag(
        percentile(every, 0.99), max((lag.max for lag in lags), default=0.0),
        sum(lag.samples for lag in lags), lags[0].every if lags else LAG_EVERY,
        sum(blocked) if blocked else None,
        _most(seen), tuple(sorted((b for lag in lags for b in lag.blocks), key=lambda b: b.start)),
    )  # fmt: skip


def longest(blocks: list[list[Any]]) -> tuple[Block, ...]:
    """The BLOCKS_KEPT longest stretches, in order of time, to the 0.1 ms."""
    kept = sorted(blocks, key=lambda b: b[0] - b[1])[:BLOCKS_KEPT]
    return tuple(Block(round(a, 4), round(b, 4), w) for a, b, w in sorted(kept))


def _most(seen: dict[tuple[str, str], float]) -> tuple[Stall, ...]:
    """The places seen longest, longest first."""
    ranked = sorted(seen.items(), key=lambda item: -item[1])[:STALLS_KEPT]
    return tuple(Stall(coroutine, call, round(t, 4)) for (coroutine, call), t in ranked)


# --- the CPU work after an answer ---------------------------------------------------------

Work = Callable[[bytes], Awaitable[None]]


def _in_process(body: bytes, settings: ClientSettings) -> tuple[int, int]:
    """In a pool process: the work; which process did it, and its peak RSS so far."""
    after_answer(body, settings)
    return os.getpid(), peak_rss_bytes()


class Offload:
    """Runs the CPU work where `offload` says: inline on the loop (blocking it, as plain code
    in a coroutine does), in `asyncio.to_thread`, or in a pool of processes (one per CPU,
    started with the fan-out: its start-up is the client's cost, its CPU and memory too)."""

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self.peaks: dict[int, int] = {}
        self._pool: ProcessPoolExecutor | None = None
        if settings.cpu > 0 and settings.offload == "process":
            self._pool = ProcessPoolExecutor(os.cpu_count() or 2, mp_context=get_context("spawn"))

    async def work(self, body: bytes) -> None:
        """The work for one answer."""
        settings = self.settings
        if settings.cpu <= 0:
            return
        if settings.offload == "thread":
            await asyncio.to_thread(after_answer, body, settings)
        elif self._pool is not None:
            loop = asyncio.get_running_loop()
            pid, peak = await loop.run_in_executor(self._pool, _in_process, body, settings)
            self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
        else:
            after_answer(body, settings)

    def close(self) -> int:
        """Stop the pool (waiting for its processes, so their CPU is counted); the bytes its
        processes held at their peaks."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return sum(self.peaks.values())
