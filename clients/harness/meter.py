"""The talk's ResourceHelper: peak RSS growth, user and system CPU, wall time — plus threads."""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Callable
from types import TracebackType

from ..records import Usage
from ..resources import peak_rss_bytes, thread_count

SAMPLE_EVERY = 0.02  # seconds between thread-count samples (the clients count threads too)


def _cpu() -> tuple[float, float]:
    """User and system CPU of this process and of its finished children (a pool, node).

    getrusage has µs resolution, unlike os.times().
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


def _thread_cpu() -> tuple[float, float]:
    """The calling thread's user and system CPU (Linux), or its total as user time."""
    if hasattr(resource, "RUSAGE_THREAD"):
        usage = resource.getrusage(resource.RUSAGE_THREAD)
        return usage.ru_utime, usage.ru_stime
    return time.thread_time(), 0.0


class Meter:
    """Measure a block like the talk's ResourceHelper; sample the thread count meanwhile.

    `on_sample` is called from the sampler thread every few milliseconds (used for progress).
    The sampler's own CPU is taken off the figures: the meter must not count itself.
    """

    def __init__(self, on_sample: Callable[[], None] | None = None) -> None:
        self.usage: Usage | None = None
        self._on_sample = on_sample
        self._stop = threading.Event()
        self._peak = 1
        self._own_cpu = (0.0, 0.0)  # the sampler thread's user and system CPU so far
        self.client_peak = 1  # the clients' own count, taken as each zip finishes
        self._sampler = threading.Thread(target=self._sample, name="meter", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self._peak = max(self._peak, thread_count() - 1)  # not counting the sampler itself
            if self._on_sample is not None:
                self._on_sample()
            self._own_cpu = _thread_cpu()

    def __enter__(self) -> Meter:
        self._sampler.start()
        self._rss = peak_rss_bytes()
        self._times = _cpu()
        self._wall = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        wall = time.perf_counter() - self._wall
        times = _cpu()
        rss = peak_rss_bytes()
        self._stop.set()
        self._sampler.join()
        user, system = times[0] - self._times[0], times[1] - self._times[1]
        # Take the sampler's CPU off in proportion: per-thread user/system splits are sampled
        # by the kernel's tick, so only their sum is reliable enough to subtract.
        spent = user + system
        keep = max(0.0, spent - sum(self._own_cpu)) / spent if spent > 0 else 0.0
        self.usage = Usage(
            mem=rss - self._rss,
            utime=user * keep,
            stime=system * keep,
            time=wall,
            peak_threads=max(self._peak, self.client_peak),
        )
