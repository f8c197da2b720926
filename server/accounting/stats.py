"""The server's stats: per-route counts, gauges, timing series and the server's CPU time.

`Stats` is what `/__admin/stats` shows (and `/metrics`, through `metrics`); it reads the
journal's and the attempt counter's figures, and `Stats.finished` writes the journal.
"""

from __future__ import annotations

import random
import resource
from array import array
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final, Protocol

from ..config.settings import ROUTES
from .attempts import AttemptCounter
from .journal import Journal


class Asker(Protocol):
    """What the journal reads of a request (an aiohttp `web.Request`): its peer and client."""

    @property
    def protocol(self) -> Any:
        """The connection, whose `peername` is the peer's (address, port)."""

    @property
    def headers(self) -> Mapping[str, str]:
        """The request headers (`X-Client` names the client)."""


QUANTILES: Final = (0.5, 0.9, 0.95, 0.99, 0.999)
MAX_SAMPLES: Final = 200_000  # past this a series keeps a uniform reservoir, not every value


def percentile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values by linear interpolation (0.0 for no values)."""
    if not ordered:
        return 0.0
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize_ms(values: list[float], count: int) -> dict[str, float]:
    """Count, mean, max and the usual quantiles of `values` (seconds), in milliseconds."""
    ordered = sorted(values)
    result = {
        "count": float(count),
        "mean_ms": 1000 * sum(ordered) / len(ordered) if ordered else 0.0,
        "max_ms": 1000 * ordered[-1] if ordered else 0.0,
    }
    for q in QUANTILES:
        result[f"p{q * 100:g}_ms"] = 1000 * percentile(ordered, q)
    return result


class TimingLog:
    """Every served request's (intended, queue, actual) — a uniform sample past MAX_SAMPLES.

    One append per request: the percentiles are worked out only when someone asks.
    """

    def __init__(self) -> None:
        self.count = 0
        self._intended = array("d")
        self._queue = array("d")
        self._actual = array("d")
        self._reservoir = random.Random(0)  # a private stream: sampling, not a request draw

    def add(self, intended: float, queue: float, actual: float) -> None:
        """Record one request's timings."""
        self.count += 1
        if len(self._actual) < MAX_SAMPLES:
            self._intended.append(intended)
            self._queue.append(queue)
            self._actual.append(actual)
            return
        slot = self._reservoir.randrange(self.count)
        if slot < MAX_SAMPLES:
            self._intended[slot], self._queue[slot], self._actual[slot] = intended, queue, actual

    def summaries(self) -> dict[str, dict[str, float]]:
        """Intended delay, actual delay, overshoot (actual − intended) and queue wait."""
        intended, actual = list(self._intended), list(self._actual)
        overshoot = [a - i for a, i in zip(actual, intended, strict=True)]
        return {
            "intended": summarize_ms(intended, self.count),
            "actual": summarize_ms(actual, self.count),
            "overshoot": summarize_ms(overshoot, self.count),
            "queue_wait": summarize_ms(list(self._queue), self.count),
        }


class Gauges:
    """Requests in service and queued now, and the most in flight at once since the reset.

    One object for the server's life: a reset starts new counts, but requests already in
    flight still leave, so the gauges carry over.
    """

    __slots__ = ("in_flight", "peak", "queued")

    def __init__(self) -> None:
        self.in_flight = 0
        self.queued = 0
        self.peak = 0


class Stats:
    """Per-route request and status counts, gauges, and timing series."""

    def __init__(
        self,
        journal: Journal | None = None,
        attempts: AttemptCounter | None = None,
        gauges: Gauges | None = None,
    ) -> None:
        self.requests: Counter[str] = Counter()
        self.statuses: dict[str, Counter[str]] = {}
        self.faults: Counter[str] = Counter()
        self.ok = dict.fromkeys(ROUTES, 0)  # 200s of the common path, merged in on read
        self.gauges = gauges or Gauges()
        self.gauges.peak = self.gauges.in_flight
        self.timings = TimingLog()
        self.journal = journal
        self.attempts = attempts
        self._cpu_start = _cpu_times()

    @property
    def in_flight(self) -> int:
        """API requests between arrival and their last byte (or reset) now."""
        return self.gauges.in_flight

    @property
    def queued(self) -> int:
        """API requests waiting for a capacity worker now."""
        return self.gauges.queued

    def finished(
        self,
        arrival: float,
        start: float,
        route: str,
        zip_code: str | None,
        attempt: int | None,
        intended: float,
        queue: float,
        status: int | str,
        fault: str | None,
        size: int,
        request: Asker,
        *,
        served: float | None = None,
    ) -> None:
        """Journal one request that ended now and, when it is a 200 served at once (`served`:
        its actual delay), count it too.

        The parameters are `journal.FIELDS` in order, but the end (the journal's clock, now)
        and the peer and client (read from `request`), which are read only when the journal
        is on. The common path's one call, as it is hot: the entry's one constructor, its
        count and its timing, with `TimingLog.add` inlined. Every other path counts itself
        with `record` when it answers, and calls this when it ends.
        """
        if served is not None:
            self.ok[route] += 1
            timings = self.timings
            if len(timings._actual) < MAX_SAMPLES:
                timings.count += 1
                timings._intended.append(0.0)
                timings._queue.append(0.0)
                timings._actual.append(served)
            else:
                timings.add(0.0, 0.0, served)
        journal = self.journal
        if journal is not None and journal.size:
            journal.entries.append((
                arrival, start, journal.clock(), route, zip_code, attempt, intended, queue,
                status, fault, size, request.protocol.peername, request.headers.get("X-Client"),
            ))  # fmt: skip
            journal.total += 1

    def record(
        self,
        route: str,
        status: str,
        fault: str | None = None,
        timing: tuple[float, float, float] | None = None,
    ) -> None:
        """Count one finished request (`status` is a code, or `reset` / `hang` / `gone`),
        with its (intended, queue, actual) delays when it was served."""
        self.requests[route] += 1
        statuses = self.statuses.get(route)
        if statuses is None:
            statuses = self.statuses[route] = Counter()
        statuses[status] += 1
        if fault:
            self.faults[fault] += 1
        if timing is not None:
            self.timings.add(*timing)

    def snapshot(self) -> dict[str, Any]:
        """Everything, as a JSON-ready dict."""
        user, system = _cpu_times()
        start_user, start_system = self._cpu_start
        requests = self.requests + Counter(self.ok)
        statuses = {route: Counter(counts) for route, counts in self.statuses.items()}
        for route, count in self.ok.items():
            if count:
                statuses.setdefault(route, Counter())["200"] += count
        return {
            "routes": {
                route: {"requests": count, "statuses": dict(statuses[route])}
                for route, count in sorted(requests.items())
            },
            "requests": sum(requests.values()),
            "faults": dict(self.faults),
            "in_flight": self.in_flight,
            "queued": self.queued,
            "max_in_flight": self.gauges.peak,
            **self._journal_figures(),
            **self.timings.summaries(),
            "cpu": {
                "user_s": user - start_user,
                "system_s": system - start_system,
                "total_s": (user - start_user) + (system - start_system),
            },
        }

    def _journal_figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = {"connections": None, "requests_per_connection": None}
        if self.journal is not None and self.journal.size:
            journal = self.journal.figures()
            figures["connections"] = journal.pop("connections")
            figures["requests_per_connection"] = journal.pop("requests_per_connection")
            figures["journal"] = journal
        if self.attempts is not None:
            figures["attempt_keys"] = {
                "kept": len(self.attempts), "limit_per_route": self.attempts.limit,
                "forgotten": self.attempts.forgotten,
            }  # fmt: skip
        return figures


def _cpu_times() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # µs resolution, unlike os.times()
    return usage.ru_utime, usage.ru_stime
