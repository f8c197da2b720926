"""How many times each zip was asked for on each route: the attempt number of a request.

Attempt N of a zip is what its keyed draws are keyed by, so the count must be exact and its
memory bounded: past `limit` distinct zips (or place names) on a route, the least recently
asked is forgotten, and counts from attempt 0 again, as after a reset.

Each route's counter is a `functools.lru_cache` of `itertools.count` cells: the standard
library's bounded LRU and its counter, both written in C. Counting one attempt —
`next(counter(zip_code))` — is then two C calls and no Python frame, which is why the API's
handler can use this module on its hot path rather than inline a copy of it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from typing import Final, TypeAlias

from ..config.settings import ROUTES

# 125,000 keys a route hold every zip code on both routes; only a flood of distinct place
# names on /api/search reaches it. A key costs about 200 bytes with its 5-character name (the
# cache's link and the counter are 110 of them; tracemalloc): about 50 MB for both routes full.
MAX_ATTEMPT_KEYS: Final = 125_000

# zip -> its attempt counter (the attempt is `next()` of it); a name for annotations only
Counter: TypeAlias = "functools._lru_cache_wrapper[Iterator[int]]"


def _fresh(zip_code: str) -> Iterator[int]:
    """A zip's counter, the first time it is asked for (or again once forgotten)."""
    return itertools.count()


class AttemptCounter:
    """Each route's attempt counts, bounded to the `limit` most recently asked keys."""

    def __init__(self, limit: int = MAX_ATTEMPT_KEYS) -> None:
        self.routes: dict[str, Counter] = {}
        self.limit = limit

    @property
    def limit(self) -> int:
        """Keys kept per route."""
        return self._limit

    @limit.setter
    def limit(self, limit: int) -> None:
        """A new bound starts every count afresh (in place: handlers hold `routes`)."""
        self._limit = limit
        for route in ROUTES:
            self.routes[route] = functools.lru_cache(maxsize=limit)(_fresh)

    def __len__(self) -> int:
        return sum(counter.cache_info().currsize for counter in self.routes.values())

    @property
    def forgotten(self) -> int:
        """Keys dropped to stay within the limit since the reset: every key asked for the
        first time was added once, and the ones not kept were dropped."""
        infos = [counter.cache_info() for counter in self.routes.values()]
        return sum(info.misses - info.currsize for info in infos)

    def next(self, route: str, zip_code: str) -> int:
        """The attempt number of this request (0 for the first); counts it."""
        return next(self.routes[route](zip_code))

    def clear(self) -> None:
        """Forget every key (in place: handlers hold the per-route counters)."""
        for counter in self.routes.values():
            counter.cache_clear()  # resets its hits and misses too: `forgotten` is 0 again
