"""The timing series — intended delay, actual delay, overshoot, queue wait — kept as they come.

Each series is a count, a sum, its least and greatest value and a histogram of 1,024 buckets
per power of two, so any quantile is within 0.05 % of a value that was served (and exact when
every value was the same: quantiles are clamped to the least and greatest). Reading one costs
what its buckets do — a few thousand at most, whatever the number of requests — so
`/__admin/stats` and `/metrics` cost the same at a thousand requests as at a billion, and the
memory is bounded.

A value's bucket is the top bits of its IEEE 754 pattern (sign, exponent, the first ten bits
of the mantissa): values land in a small array as they come — one append, as cheap as keeping
the value — and every `FOLD` of them are counted into the histogram at once, at C speed (the
array seen as 64-bit integers, shifted, counted by `Counter.update`).

The common path — a 200 answered at once, nothing intended, nothing queued — adds its actual
delay to one series, `common`; the other paths add to all four. A read merges them: the
common path's requests count as zero intended delay and zero queue wait, and as an overshoot
equal to their actual delay.
"""

from __future__ import annotations

import math
import struct
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import accumulate, repeat
from operator import rshift
from typing import Any, Final

QUANTILES: Final = (0.5, 0.9, 0.95, 0.99, 0.999)
SHIFT: Final = 52 - 10  # keep the sign, the exponent and ten bits of the mantissa: 1,024 a power
SIGN: Final = 1 << (63 - SHIFT)  # a bucket key with this bit set holds negative values
FOLD: Final = 4096  # values waiting in a series' array before they are counted (at most 0.5 ms)
_DOUBLE: Final = struct.Struct("<d")
_BITS: Final = struct.Struct("<Q")


def bucket(value: float) -> int:
    """The bucket of a value: the top bits of its IEEE 754 pattern."""
    bits: int = _BITS.unpack(_DOUBLE.pack(value))[0]
    return bits >> SHIFT


def middle(key: int) -> float:
    """The middle of a bucket's span of values (0.0 for the bucket of zero)."""
    if key in (0, SIGN):
        return 0.0
    value: float = _DOUBLE.unpack(_BITS.pack((key << SHIFT) | (1 << (SHIFT - 1))))[0]
    return value


class Series:
    """One series' count, sum, least, greatest and histogram; `pending` holds the values
    not yet counted (append to it, then `fold` when it holds FOLD or before a read)."""

    __slots__ = ("buckets", "count", "high", "low", "pending", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.buckets: Counter[int] = Counter()  # bucket key -> values in it
        self.pending = array("d")

    def add(self, value: float) -> None:
        """Count one value."""
        self.pending.append(value)
        if len(self.pending) >= FOLD:
            self.fold()

    def fold(self) -> None:
        """Count the pending values into the figures and the histogram, at C speed."""
        pending = self.pending
        if not pending:
            return
        self.count += len(pending)
        self.total += sum(pending)
        self.low = min(self.low, min(pending))
        self.high = max(self.high, max(pending))
        with memoryview(pending) as raw, raw.cast("B").cast("Q") as bits:
            self.buckets.update(map(rshift, bits, repeat(SHIFT)))
        del pending[:]

    def merged(self, other: Series) -> Series:
        """A new series holding both (each folded first): the larger histogram copied at C
        speed, the smaller one's buckets added to it."""
        self.fold()
        other.fold()
        both = Series()
        both.count = self.count + other.count
        both.total = self.total + other.total
        both.low, both.high = min(self.low, other.low), max(self.high, other.high)
        large, small = sorted((self.buckets, other.buckets), key=len, reverse=True)
        buckets = large.copy()
        for key, count in small.items():
            buckets[key] += count
        both.buckets = buckets
        return both

    def part(self) -> list[Any]:
        """The series as JSON-ready data, for a reader merging several processes' (`absorb`)."""
        self.fold()
        return [self.count, self.total, self.low, self.high, list(self.buckets.items())]

    def absorb(self, part: list[Any]) -> None:
        """Add another process's series (`part`) to this one."""
        count, total, low, high, buckets = part
        self.fold()
        self.count += count
        self.total += total
        self.low, self.high = min(self.low, low), max(self.high, high)
        self.buckets.update(dict((int(key), int(value)) for key, value in buckets))

    @classmethod
    def of_zeros(cls, count: int) -> Series:
        """`count` values of exactly zero."""
        series = cls()
        if count:
            series.count = count
            series.buckets[0] = count
            series.low = series.high = 0.0
        return series

    def quantiles(self, qs: tuple[float, ...] = QUANTILES) -> list[float]:
        """Each q-quantile, by linear interpolation between the two values around rank
        q·(n−1), as `stats.percentile` does with sorted values (0.0 for no values).

        The buckets in value order and their running counts are worked out at C speed; each
        rank is found by bisection, so only the few buckets a quantile lands in are read.
        """
        self.fold()
        if not self.count:
            return [0.0 for _ in qs]
        keys = sorted(self.buckets)
        split = bisect_left(keys, SIGN)  # negative values' keys have the sign bit: the top
        order = keys[split:][::-1] + keys[:split]  # the most negative first
        running = list(accumulate(map(self.buckets.__getitem__, order)))
        values = []
        for q in qs:
            position = q * (self.count - 1)
            low = int(position)
            below = self._at(order, running, low)
            above = self._at(order, running, min(low + 1, self.count - 1))
            values.append(below + (above - below) * (position - low))
        return values

    def _at(self, order: list[int], running: list[int], rank: int) -> float:
        """The value of the `rank`-th smallest (0-based), clamped to the least and greatest."""
        index = bisect_right(running, rank)
        if index == len(order):
            return self.high
        return min(max(middle(order[index]), self.low), self.high)


def summarize_ms(series: Series) -> dict[str, float]:
    """Count, mean, max and the usual quantiles of a series (seconds), in milliseconds."""
    series.fold()
    count = series.count
    result = {
        "count": float(count),
        "mean_ms": 1000 * series.total / count if count else 0.0,
        "max_ms": 1000 * series.high if count else 0.0,
    }
    for q, value in zip(QUANTILES, series.quantiles(), strict=True):
        result[f"p{q * 100:g}_ms"] = 1000 * value
    return result


class TimingLog:
    """Every answered request's (intended, queue, actual) delays, and the overshoot."""

    __slots__ = ("actual", "common", "intended", "overshoot", "queue")

    def __init__(self) -> None:
        self.common = Series()  # the common path's actual delays (nothing intended or queued)
        self.intended = Series()  # the other paths' four series
        self.queue = Series()
        self.actual = Series()
        self.overshoot = Series()

    @property
    def count(self) -> int:
        """Requests timed."""
        common, actual = self.common, self.actual
        return common.count + len(common.pending) + actual.count + len(actual.pending)

    def add(self, intended: float, queue: float, actual: float) -> None:
        """Record one request's timings (the common path adds to `common` alone)."""
        self.intended.add(intended)
        self.queue.add(queue)
        self.actual.add(actual)
        self.overshoot.add(actual - intended)

    def part(self) -> dict[str, list[Any]]:
        """Every series as JSON-ready data (`Series.part`)."""
        return {name: getattr(self, name).part() for name in self.__slots__}

    def absorb(self, part: dict[str, list[Any]]) -> None:
        """Add another process's series (`part`) to these."""
        for name in self.__slots__:
            getattr(self, name).absorb(part[name])

    def summaries(self) -> dict[str, dict[str, float]]:
        """Intended delay, actual delay, overshoot (actual − intended) and queue wait."""
        self.common.fold()
        zeros = Series.of_zeros(self.common.count)
        return {
            "intended": summarize_ms(zeros.merged(self.intended)),
            "actual": summarize_ms(self.common.merged(self.actual)),
            "overshoot": summarize_ms(self.common.merged(self.overshoot)),
            "queue_wait": summarize_ms(zeros.merged(self.queue)),
        }
