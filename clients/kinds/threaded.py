"""The talk's threaded.py: a thread per zip, or a bounded pool; one Session per thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import requests

from ..policy import Policy
from ..progress import Progress
from ..records import Attempt, ClientSettings
from ._sync import fetch_zip, requests_getter


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

    if settings.concurrency > 0:
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
