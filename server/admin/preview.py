"""What the active scenario will do to a workload, computed without sending a request.

Possible only because every draw is keyed: attempt 0 of each zip is exactly what a client
asking each zip once, after a reset, will meet. Retries are not modelled.

The arithmetic is written as generators that yield every `SLICE` steps (and after each page
rendered), so the admin route can hand the event loop back between slices: a preview of
100,000 zips never keeps `/health` or the API waiting. The plain functions run them whole.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Generator, Sequence
from typing import Any, Final, TypeVar

from ..accounting.stats import percentile
from ..api import data, envelopes
from ..api.params import DEFAULT_PER_PAGE
from ..config.plan import Plan, plan_request
from ..config.settings import ServerConfig
from ..models.faults import Fault

SLICE: Final = 500  # steps of pure arithmetic between two yields (under a millisecond)
T = TypeVar("T")
Steps = Generator[None, None, T]


def run(steps: Steps[T]) -> T:
    """Run a sliced computation to its end, without yielding to anyone."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result


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
    return run(makespan_steps(durations, slots))


def makespan_steps(durations: Sequence[float], slots: int | None) -> Steps[float]:
    """`makespan`, yielding every SLICE requests scheduled."""
    if not durations:
        return 0.0
    if slots is None or slots >= len(durations):
        return max(durations)
    free = [0.0] * slots
    for index, wait in enumerate(durations, 1):
        heapq.heappush(free, heapq.heappop(free) + wait)
        if index % SLICE == 0:
            yield
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
    steps = preview_steps(
        config, zips, route=route, per_page=per_page, concurrency=concurrency, timeout=timeout
    )
    return run(steps)


def preview_steps(
    config: ServerConfig,
    zips: Sequence[str],
    *,
    route: str = "jobs",
    per_page: int | None = None,
    concurrency: Sequence[int] = (0,),
    timeout: float | None = None,
) -> Steps[dict[str, Any]]:
    """`preview`, yielding every SLICE zips, after each page rendered, and within makespans."""
    per_page = per_page if per_page is not None else DEFAULT_PER_PAGE[route]
    render = envelopes.render_jobs if route == "jobs" else envelopes.render_search
    plans: list[Plan] = []
    uncut: list[float] = []
    expected_total = 0
    for index, zip_code in enumerate(zips, 1):
        plan = plan_request(config, route, zip_code, 0)
        plans.append(plan)
        expected_total += data.job_count(config.seed, zip_code)
        # Rendering is paid only for slow bodies, whose length decides how long they take.
        slow = plan.fault is Fault.SLOW_BODY
        size = len(render(config.seed, zip_code, per_page, 1)) if slow else 0
        uncut.append(full_duration(plan, size))
        if slow or index % SLICE == 0:  # a page rendered costs milliseconds: yield after it
            yield
    durations = [min(wait, timeout) if timeout else wait for wait in uncut]
    ordered = sorted(durations)
    floor = rate_floor(config, len(zips))
    makespans: dict[str, float] = {}
    for slots in concurrency:
        span = yield from makespan_steps(durations, effective_slots(config, slots))
        makespans[str(slots)] = max(span, floor)
    phases = []
    for phase in config.phases:  # what attempt 0 of each zip would meet if it arrived then
        waits = []
        for index, zip_code in enumerate(zips, 1):
            wait = full_duration(plan_request(phase.config, route, zip_code, 0), 0)
            waits.append(min(wait, timeout) if timeout else wait)
            if index % SLICE == 0:
                yield
        waits.sort()
        capacity = phase.config.capacity
        phases.append({
            "name": phase.name, "at": phase.at, "for": phase.duration,
            "changes": {k: v for k, v in phase.config.document.items() if k not in ("at", "for")},
            "workers": capacity.workers if capacity else None,
            "abandon": capacity.abandon.value if capacity else None,
            "latency": {f"p{q * 100:g}": percentile(waits, q) for q in (0.5, 0.99)},
        })  # fmt: skip
    return {
        "route": route,
        "seed": config.seed,
        "speed": config.speed,
        "requests": len(zips),
        "timeout": timeout,
        "attempt": 0,
        "expected_total": expected_total,
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
        "makespans": makespans,
        "phases": phases,
    }
