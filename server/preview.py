"""What the active scenario will do to a workload, computed without sending a request.

Possible only because every draw is keyed: attempt 0 of each zip is exactly what a client
asking each zip once, after a reset, will meet. Retries are not modelled.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from typing import Any

from server import data, envelopes
from server.config import ServerConfig
from server.faults import Fault
from server.plan import Plan, plan_request
from server.stats import percentile


def duration(plan: Plan, timeout: float | None, body_bytes: int) -> float:
    """How long a client waits on one request: the delay plus what its fault adds, cut at
    the client's `timeout`."""
    wait = full_duration(plan, body_bytes)
    return min(wait, timeout) if timeout else wait


def full_duration(plan: Plan, body_bytes: int) -> float:
    """How long one request takes if the client never gives up."""
    if plan.fault is Fault.HANG:
        return plan.hang_cap
    if plan.fault is Fault.SLOW_BODY:
        return plan.delay + body_bytes / plan.slow_bps
    return plan.delay


def makespan(durations: Sequence[float], slots: int | None) -> float:
    """The ideal wall time for `durations` started in order on `slots` workers (None: all)."""
    if not durations:
        return 0.0
    if slots is None or slots >= len(durations):
        return max(durations)
    free = [0.0] * slots
    for wait in durations:
        heapq.heappush(free, heapq.heappop(free) + wait)
    return max(free)


def effective_slots(config: ServerConfig, concurrency: int) -> int | None:
    """A client's concurrency, capped by the server's workers (0 or less means unlimited)."""
    slots = concurrency if concurrency > 0 else None
    if config.capacity is not None:
        workers = config.capacity.workers
        slots = workers if slots is None else min(slots, workers)
    return slots


def rate_floor(config: ServerConfig, requests: int) -> float:
    """The least wall time a token bucket allows for `requests` from one client."""
    limit = config.rate_limit
    if limit is None or requests <= limit.burst:
        return 0.0
    return (requests - limit.burst) / (limit.rate * config.speed)


def preview(
    config: ServerConfig,
    zips: Sequence[str],
    *,
    route: str = "jobs",
    per_page: int | None = None,
    concurrency: Sequence[int] = (0,),
    timeout: float | None = None,
) -> dict[str, Any]:
    """Each zip's delay and fault, latency quantiles, the share over `timeout`, makespans."""
    per_page = per_page if per_page is not None else (25 if route == "jobs" else 250)
    render = envelopes.render_jobs if route == "jobs" else envelopes.render_search
    plans = [plan_request(config, route, zip_code, 0) for zip_code in zips]
    uncut = []
    for zip_code, plan in zip(zips, plans, strict=True):
        # Rendering is paid only for slow bodies, whose length decides how long they take.
        slow = plan.fault is Fault.SLOW_BODY
        size = len(render(config.seed, zip_code, per_page, 1)) if slow else 0
        uncut.append(full_duration(plan, size))
    durations = [min(wait, timeout) if timeout else wait for wait in uncut]
    ordered = sorted(durations)
    floor = rate_floor(config, len(zips))
    return {
        "route": route,
        "seed": config.seed,
        "speed": config.speed,
        "requests": len(zips),
        "timeout": timeout,
        "attempt": 0,
        "expected_total": sum(data.job_count(config.seed, z) for z in zips),
        "zips": [
            {"zip": z, "delay": p.delay, "fault": p.fault.value if p.fault else None, "wait": d}
            for z, p, d in zip(zips, plans, durations, strict=True)
        ],
        "faults": dict(Counter(p.fault.value for p in plans if p.fault)),
        "latency": {
            "mean": sum(durations) / len(durations) if durations else 0.0,
            "sum": sum(durations),
            **{f"p{q * 100:g}": percentile(ordered, q) for q in (0.5, 0.9, 0.95, 0.99)},
            "max": ordered[-1] if ordered else 0.0,
        },
        "slower_than_timeout": (
            sum(1 for wait in uncut if wait >= timeout) / len(uncut) if timeout and uncut else 0.0
        ),
        "rate_limit_floor": floor,
        "makespans": {
            str(c): max(makespan(durations, effective_slots(config, c)), floor) for c in concurrency
        },
    }
