"""The talk's "multiple threads or processes" slide: a process pool doing blocking requests."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import requests

from ..policy import Policy
from ..progress import Progress
from ..records import Attempt, ClientSettings
from ..resources import peak_rss_bytes
from . import in_flight
from ._sync import fetch_zip, requests_getter

_session: requests.Session | None = None  # one per worker process, made by its initializer
_policy: Policy | None = None  # one per worker process: its budget is that process's own


def _start_worker() -> None:
    global _session
    _session = requests.Session()


def _fetch_one(
    base_url: str, settings: ClientSettings, zip_code: str, t0: float, mark: dict[str, str]
) -> tuple[list[Attempt], int, int, int]:
    """In a worker process: ask for one zip; say which process did, its peak RSS so far and
    how many retries its budget has refused."""
    global _policy
    get = requests_getter(_session or requests, mark)

    def clock() -> float:  # perf_counter is system-wide on Linux and macOS: t0 holds here too
        return time.perf_counter() - t0

    if _policy is None:
        _policy = Policy(settings, clock)
    attempts = fetch_zip(get, base_url, settings, zip_code, clock, _policy)
    return attempts, os.getpid(), peak_rss_bytes(), _policy.denied


def run(
    zips: Sequence[str], base_url: str, settings: ClientSettings, progress: Progress
) -> list[Attempt]:
    """`concurrency` worker processes (0: one per CPU), each asking for zips one at a time."""
    workers = in_flight(settings)
    t0 = time.perf_counter()
    # spawn, not fork: forking a process that has threads is unsafe, and it is macOS's default.
    context = multiprocessing.get_context("spawn")
    lanes: dict[int, int] = {}
    peaks: dict[int, int] = {}
    denied: dict[int, int] = {}
    attempts: list[Attempt] = []
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)
    try:
        futures = [pool.submit(_fetch_one, base_url, settings, z, t0, progress.mark) for z in zips]
        for future in futures:
            found, pid, peak, refused = future.result()
            lane = lanes.setdefault(pid, len(lanes))
            peaks[pid] = max(peaks.get(pid, 0), peak)
            denied[pid] = max(denied.get(pid, 0), refused)
            attempts += [replace(a, lane=lane) for a in found]
            progress.tick()
    except BaseException:  # Ctrl-C: drop the queued zips instead of waiting them all out
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    progress.extra_rss = sum(peaks.values())
    progress.budget_denied = sum(denied.values())  # the workers' memory is this client's memory too
    return attempts
