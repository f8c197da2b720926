"""`processes = N`: the zips split across N processes, each running the same fan-out on its own
event loop — one loop per core, the way servers scale async Python — measured as one client.

Each process is started (spawn) with the fan-out, so its start-up is the client's cost; the
wall is the parent's, the CPU that of every process (reaped before the meter's last look), the
memory the parent's growth plus each process's peak. Its attempts are put on the parent's
clock and its lanes after the lanes of the processes before it; its loop's lag is merged.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import Any

from ..progress import Progress
from ..records import Attempt, ClientSettings, LoopLag
from ..resources import peak_rss_bytes
from ._loop import merged

_ticks: Any = None  # in a child process: the queue its finished zips are told on


class _Told(Progress):
    """A child's progress: each finished zip is told to the parent as it happens."""

    def tick(self) -> None:
        """One more zip finished, here and in the parent."""
        super().tick()
        _ticks.put(1)


@dataclass(frozen=True, slots=True)
class _Share:
    """What one process brings back."""

    attempts: list[Attempt]
    started: float  # its fan-out's time zero, on the (system-wide) perf_counter clock
    pid: int
    peak_rss: int
    extra_rss: int
    denied: int
    lag: LoopLag | None
    lags: list[float]


def _start(ticks: Any) -> None:
    global _ticks
    _ticks = ticks


def _one(zips: list[str], base_url: str, settings: ClientSettings, mark: dict[str, str]) -> _Share:
    """In a child: this share of the zips through the kind's own client, on one loop, its
    requests marked as the run's."""
    from .loader import load  # the kind's module, imported where it runs

    progress = _Told(mark)
    started = time.perf_counter()
    attempts = load(settings.kind)(zips, base_url, settings, progress)
    return _Share(attempts, started, os.getpid(), peak_rss_bytes(), progress.extra_rss,
                  progress.budget_denied, progress.loop_lag, progress.lags)  # fmt: skip


def run_split(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """The zips dealt round-robin to `settings.processes` processes, each with its own loop."""
    count = min(settings.processes, max(1, len(zips)))
    shares = [list(zips[i::count]) for i in range(count)]
    single = replace(settings, processes=1)
    context = get_context("spawn")  # never fork a process that has threads
    ticks = context.SimpleQueue()
    t0 = time.perf_counter()

    def relay() -> None:
        while ticks.get() is not None:
            progress.tick()

    relaying = threading.Thread(target=relay, name="ticks", daemon=True)
    relaying.start()
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=_start, initargs=(ticks,))
    try:
        futures = [pool.submit(_one, share, base_url, single, progress.mark) for share in shares]
        found = [future.result() for future in futures]
    except BaseException:  # Ctrl-C: stop the processes instead of waiting them out
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        ticks.put(None)
        relaying.join()
    pool.shutdown()
    attempts: list[Attempt] = []
    lanes = 0
    for share in found:
        shift = share.started - t0
        attempts += [replace(a, start=a.start + shift, end=a.end + shift, lane=a.lane + lanes)
                     for a in share.attempts]  # fmt: skip
        lanes += 1 + max((a.lane for a in share.attempts), default=-1)
    progress.extra_rss += sum(share.peak_rss + share.extra_rss for share in found)
    progress.budget_denied = sum(share.denied for share in found)
    lags = [replace(share.lag, blocks=tuple(replace(b, start=b.start + share.started - t0,
                                                    end=b.end + share.started - t0)
                                            for b in share.lag.blocks))
            for share in found if share.lag is not None]  # fmt: skip
    progress.lags = [x for share in found for x in share.lags]
    progress.loop_lag = merged(lags, [share.lags for share in found]) if lags else None
    return attempts
