"""Pure arithmetic of the benchmarks: percentiles, ratios, errors, parsers. No I/O here."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final

from clients.protocol import parse_server_timing
from clients.results.series import percentile as summary_percentile

_RATE: Final = re.compile(r"Requests/sec:\s*([0-9.]+)")
_DONE: Final = (re.compile(r"(\d+) requests in"), re.compile(r"\[200\]\s+(\d+) responses"))


def server_timing_ms(header: str) -> dict[str, float]:
    """`Server-Timing` durations by name, in milliseconds (as the header states them); read
    by the clients' own parser, so the benchmarks and the table read the header alike."""
    return {name: 1000 * seconds for name, seconds in parse_server_timing(header).items()}


def percentile(ordered: Sequence[float], q: float) -> float:
    """The clients' q-quantile (linear interpolation), but NaN for no values: a benchmark
    that measured nothing must not report 0 ms."""
    return summary_percentile(ordered, q) if ordered else math.nan


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max of latencies given in seconds, in milliseconds."""
    ordered = sorted(seconds)
    return {
        "p50_ms": 1000 * percentile(ordered, 0.5),
        "p99_ms": 1000 * percentile(ordered, 0.99),
        "max_ms": 1000 * ordered[-1] if ordered else math.nan,
    }


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value ÷ baseline, or None when either is missing or the baseline is not positive."""
    if value is None or baseline is None or baseline <= 0 or math.isnan(value):
        return None
    return value / baseline


def relative_error(measured: float, expected: float) -> float:
    """(measured − expected) ÷ expected; signed, so a bias shows its direction."""
    return (measured - expected) / expected if expected else math.inf


def per_request_us(cpu_seconds: float, requests: int) -> float | None:
    """CPU microseconds per request, or None for no requests."""
    return 1e6 * cpu_seconds / requests if requests > 0 else None


def meets(value: float | None, threshold: float, *, at_least: bool) -> bool:
    """Whether `value` is ≥ (at_least) or ≤ `threshold`; a missing value never meets."""
    if value is None or math.isnan(value):
        return False
    return value >= threshold if at_least else value <= threshold


def cpu_floor(requests: int, cpu_per_request: float, cores: int) -> float:
    """The least wall time the machine's cores allow for this much CPU work, in seconds."""
    return requests * cpu_per_request / max(1, cores)


def bound_hit(wall: float, ideal: float, floor: float) -> str:
    """Which bound a run sits against: the larger of the latency ideal and the CPU floor."""
    limit, name = (ideal, "latency") if ideal >= floor else (floor, "CPU")
    return f"{name} ({wall / limit:.1f}× it)" if limit > 0 else name


def cpuinfo_model(text: str) -> str:
    """The CPU model from /proc/cpuinfo text ('unknown' when it does not say)."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("model name", "Model", "Hardware", "cpu model") and value.strip():
            return value.strip()
    return "unknown"


def proc_stat_ticks(text: str) -> int:
    """utime + stime in clock ticks from a /proc/PID/stat line (fields 14 and 15)."""
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # fields[0] is field 3, the state


def requests_per_second(output: str) -> float | None:
    """The `Requests/sec:` figure that wrk and hey both print, if present."""
    match = _RATE.search(output)
    return float(match.group(1)) if match else None


def requests_done(output: str) -> int | None:
    """How many requests wrk (`N requests in`) or hey (`[200] N responses`) completed."""
    for pattern in _DONE:
        match = pattern.search(output)
        if match:
            return int(match.group(1))
    return None
