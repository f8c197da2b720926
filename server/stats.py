"""Honest accounting: what the server meant to do, what it did, and what that cost it."""

from __future__ import annotations

import random
import resource
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

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


@dataclass(frozen=True, slots=True)
class Timing:
    """One served request's timings, in seconds."""

    intended: float
    queue: float
    actual: float

    @property
    def overshoot(self) -> float:
        """How much later than intended the answer went out."""
        return self.actual - self.intended

    def header(self) -> str:
        """The `Server-Timing` header value (durations in milliseconds, as the spec says)."""
        return (
            f"intended;dur={1000 * self.intended:.3f}, queue;dur={1000 * self.queue:.3f}, "
            f"overshoot;dur={1000 * self.overshoot:.3f}"
        )


class Stats:
    """Per-route request and status counts, gauges, and timing series."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.statuses: dict[str, Counter[str]] = {}
        self.faults: Counter[str] = Counter()
        self.in_flight = 0
        self.queued = 0
        self.timings = TimingLog()
        self._cpu_start = _cpu_times()

    def record(self, route: str, status: str, timing: Timing | None, fault: str | None) -> None:
        """Count one finished request (`status` is a code, or `reset` / `hang` / ...)."""
        self.requests[route] += 1
        self.statuses.setdefault(route, Counter())[status] += 1
        if fault:
            self.faults[fault] += 1
        if timing is not None:
            self.timings.add(timing.intended, timing.queue, timing.actual)

    def snapshot(self) -> dict[str, Any]:
        """Everything, as a JSON-ready dict."""
        user, system = _cpu_times()
        start_user, start_system = self._cpu_start
        return {
            "routes": {
                route: {"requests": count, "statuses": dict(self.statuses[route])}
                for route, count in sorted(self.requests.items())
            },
            "requests": sum(self.requests.values()),
            "faults": dict(self.faults),
            "in_flight": self.in_flight,
            "queued": self.queued,
            **self.timings.summaries(),
            "cpu": {
                "user_s": user - start_user,
                "system_s": system - start_system,
                "total_s": (user - start_user) + (system - start_system),
            },
        }


def _cpu_times() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # µs resolution, unlike os.times()
    return usage.ru_utime, usage.ru_stime


def render_metrics(snapshot: dict[str, Any]) -> str:
    """The snapshot in Prometheus text exposition format (version 0.0.4)."""
    lines = [
        "# HELP asynchronicity_requests_total API requests served, by route and status.",
        "# TYPE asynchronicity_requests_total counter",
    ]
    for route, info in snapshot["routes"].items():
        for status, count in sorted(info["statuses"].items()):
            lines.append(
                f'asynchronicity_requests_total{{route="{route}",status="{status}"}} {count}'
            )
    for gauge in ("in_flight", "queued"):
        lines += [
            f"# HELP asynchronicity_{gauge} Requests {gauge.replace('_', ' ')} now.",
            f"# TYPE asynchronicity_{gauge} gauge",
            f"asynchronicity_{gauge} {snapshot[gauge]}",
        ]
    for series in ("intended", "actual", "overshoot", "queue_wait"):
        summary = snapshot[series]
        name = f"asynchronicity_{series}_seconds"
        lines += [f"# HELP {name} Per-request {series} delay.", f"# TYPE {name} summary"]
        for q in QUANTILES:
            value = summary[f"p{q * 100:g}_ms"] / 1000
            lines.append(f'{name}{{quantile="{q:g}"}} {value:.6f}')
        count = int(summary["count"])
        lines += [f"{name}_sum {summary['mean_ms'] * count / 1000:.6f}", f"{name}_count {count}"]
    lines += [
        "# HELP process_cpu_seconds_total Server process CPU time since the stats were reset.",
        "# TYPE process_cpu_seconds_total counter",
        f"process_cpu_seconds_total {snapshot['cpu']['total_s']:.6f}",
    ]
    return "\n".join(lines) + "\n"
