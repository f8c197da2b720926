"""The talk's threaded.py: a thread per zip, or a bounded pool; one Session per thread."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import requests

from ..arrivals import Due, planned
from ..policy import Policy
from ..progress import Progress
from ..records import Attempt, ClientSettings
from ._sync import fetch_zip, requests_getter, when_due


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """`concurrency` 0 starts a thread per zip, as the talk did; N runs a pool of N threads."""
    t0 = time.perf_counter()

    def clock() -> float:
        return time.perf_counter() - t0

    policy = Policy(settings, clock)  # one budget for every thread
    results: list[list[Attempt]] = [[] for _ in zips]
    local = threading.local()
    lanes = iter(range(len(zips) + 1))
    lane_lock = threading.Lock()

    def work(index: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            with lane_lock:
                local.lane = next(lanes)
        get = requests_getter(local.session, progress.mark)
        results[index] = fetch_zip(get, base_url, settings, zips[index], clock, policy, local.lane)
        progress.tick()

    if settings.open_loop:
        plan = planned(settings, zips)
        results = [[] for _ in plan]

        def request(due: Due) -> None:  # a thread (or a pool's) per request, when due
            if not hasattr(local, "session"):
                local.session = requests.Session()
                with lane_lock:
                    local.lane = next(lanes)
            get = requests_getter(local.session, progress.mark)
            results[due.index] = fetch_zip(get, base_url, settings, due.zip, clock, policy,
                                           local.lane, due=due)  # fmt: skip
            progress.tick()

        lanes = itertools.count()
        if settings.concurrency > 0:
            with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
                when_due(plan, lambda due: _submitted(pool, request, due), clock)
        else:
            threads: list[threading.Thread] = []

            def start(due: Due) -> None:
                threads.append(threading.Thread(target=request, args=(due,)))
                threads[-1].start()

            when_due(plan, start, clock)
            for thread in threads:
                thread.join()
    elif settings.concurrency > 0:
        with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
            list(pool.map(work, range(len(zips))))
    else:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(zips))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    progress.budget_denied = policy.denied
    return [attempt for per_zip in results for attempt in per_zip]


def _submitted(pool: ThreadPoolExecutor, work: Callable[[Due], None], due: Due) -> None:
    pool.submit(work, due)  # a pool's request may wait for a thread: its lateness is counted
