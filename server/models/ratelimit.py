"""A token bucket per client key, driven by the caller's clock so tests never sleep."""

from __future__ import annotations

from typing import Final

MAX_KEYS: Final = 100_000  # forget the oldest clients past this, so a key flood cannot grow memory


class TokenBuckets:
    """`rate` tokens a second per key, at most `burst` saved; a request spends one."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, key: str, now: float) -> float:
        """Spend a token for `key` at time `now`: 0.0 if allowed, else seconds until one is due."""
        tokens, when = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - when) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            self._trim()
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _trim(self) -> None:
        while len(self._buckets) > MAX_KEYS:
            del self._buckets[next(iter(self._buckets))]
