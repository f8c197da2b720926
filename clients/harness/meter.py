"""The talk's ResourceHelper: peak RSS growth, user and system CPU, wall time — plus threads,
peak virtual memory, and the train (each thread's CPU over the run, from `sampler`)."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ..records import Samples, Track, Usage
from ..resources import peak_rss_bytes, thread_count
from . import sampler as trains

SAMPLE_EVERY = 0.02  # seconds between thread counts (and progress) by the meter's thread
READY_WITHIN = 10.0  # seconds the sampler may take to start (it usually takes 0.05)


def _cpu() -> tuple[float, float]:
    """User and system CPU of this process and of its finished children (a pool, node).

    getrusage has µs resolution, unlike os.times().
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


class Meter:
    """Measure a block like the talk's ResourceHelper; count threads and sample their CPU.

    `on_sample` is called from the meter's thread every few milliseconds (used for progress).
    The trains come from `sampler`, run as a process of its own so that it never holds the
    client's GIL; the meter's thread's CPU is taken off the figures, the sampler's never
    enters them (it is reaped after the block is measured).
    """

    def __init__(self, on_sample: Callable[[], None] | None = None) -> None:
        self.usage: Usage | None = None
        self.samples: Samples | None = None
        self._on_sample = on_sample
        self._stop = threading.Event()
        self._peak = 1
        self._own_cpu = 0.0  # the meter thread's CPU, seconds
        self._names: dict[str, str] = {}  # Python's thread names by native id, as seen
        self._looker: subprocess.Popen[str] | None = None
        self.client_peak = 1  # the clients' own count, taken as each zip finishes
        self._thread = threading.Thread(target=self._sample, name="meter", daemon=True)

    def _sample(self) -> None:
        start = time.thread_time()
        while not self._stop.wait(SAMPLE_EVERY):
            self._peak = max(self._peak, thread_count() - 1)  # not counting this thread
            if self._looker is not None:  # the sampler's tracks are tids: keep their names
                self._names.update((str(t.native_id), t.name) for t in threading.enumerate())
            if self._on_sample is not None:
                self._on_sample()
        self._own_cpu = time.thread_time() - start

    def _start_sampler(self, origin: float) -> None:
        """Start the sampler process and wait for its first look (the trains' start)."""
        if not trains.available():
            return
        skip = str(self._thread.native_id)
        command = [sys.executable, "-S", trains.__file__, str(os.getpid()), repr(origin), skip]
        try:
            self._looker = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        except OSError:
            return
        assert self._looker.stdout is not None
        ready, _, _ = select.select([self._looker.stdout], [], [], READY_WITHIN)
        if not ready or self._looker.stdout.readline().strip() != "ready":
            self._stop_sampler()  # no trains rather than a run that waits on its sampler

    def _stop_sampler(self) -> dict[str, Any] | None:
        """Close the sampler's stdin (it looks a last time) and read what it recorded."""
        looker, self._looker = self._looker, None
        if looker is None:
            return None
        try:
            out, _ = looker.communicate(timeout=READY_WITHIN * 3)
            return dict(json.loads(out.strip().splitlines()[-1]))
        except (subprocess.TimeoutExpired, ValueError, IndexError, OSError):
            looker.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                looker.wait(timeout=5)
            return None

    def __enter__(self) -> Meter:
        self._thread.start()  # first: its stack and malloc arena are not the client's
        self._origin = time.perf_counter()
        self._start_sampler(self._origin)
        self._rss = peak_rss_bytes()
        self._vm = trains.vm_peak()
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
        vm = trains.vm_peak()
        self._stop.set()
        self._thread.join()
        found = self._stop_sampler()  # after the figures: its CPU is never the client's
        user, system = times[0] - self._times[0], times[1] - self._times[1]
        # Take the meter thread's CPU off in proportion: per-thread user/system splits are
        # sampled by the kernel's tick, so only their sum is reliable enough to subtract.
        spent = user + system
        keep = max(0.0, spent - self._own_cpu) / spent if spent > 0 else 0.0
        children = int(found.get("vm_children", 0)) if found else 0
        peak = max(self._peak, self.client_peak, int(found.get("peak_threads", 0)) if found else 0)
        self.usage = Usage(
            mem=rss - self._rss,
            utime=user * keep,
            stime=system * keep,
            time=wall,
            peak_threads=peak,
            vmem=None if vm is None or self._vm is None else vm - self._vm + children,
        )
        if found:
            self.samples = self._named(found)

    def _named(self, found: dict[str, Any]) -> Samples:
        """The sampler's record, its thread tracks named as Python named the threads."""
        tracks = []
        for raw in found["tracks"]:
            track = Track.from_dict(raw)
            if track.kind == "thread":
                track = _rename(track, self._names.get(track.name, f"native thread {track.name}"))
            tracks.append(track)
        late = self._wall - self._origin  # the block started after the sampler's first look
        return Samples(
            every=float(found["every"]),
            times=tuple(max(0.0, round(t - late, 4)) for t in found["times"]),
            tracks=tuple(tracks),
            sampler_cpu=float(found.get("own_cpu", 0.0)) + self._own_cpu,
            source=str(found.get("source", "schedstat")),
            threads=int(found.get("threads", 0)),
        )


def _rename(track: Track, name: str) -> Track:
    return Track(name, track.kind, track.first, track.cpu_us, track.alive)
