"""The request journal's memory: bytes per entry, typical and worst, measured with tracemalloc.

`python -m bench.journalcost [N]` records N entries (default 100,000) through `Stats.finished`,
as the server does, twice:

* typical — the talk's clients: 64 keep-alive connections, the talk's zips (each page's zip one
  string, as the handler's page cache holds it), and what each request brings anew: its times,
  its body's length, a short `X-Client` header;
* worst — the costliest request the server lets in: a new IPv6 connection each, a 200-character
  place name and an 8,000-character `X-Client` header in four-byte characters, every delay and
  a queue wait of its own.

For each it prints what the entries hold (tracemalloc: what is still allocated once each
request's own objects are gone) and what the journal counts them at against its byte budget
(`Journal.bytes`, which is never less). Benchmark 1 reports the typical figure too.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, Final

from server.accounting.journal import Journal
from server.accounting.stats import Stats
from server.api.params import MAX_LOCATION
from server.api.zipsets import MEMPY_2015

ENTRIES: Final = 100_000
CONNECTIONS: Final = 64  # one peer tuple each, shared by its requests (as aiohttp caches it)
Request = tuple[Any, ...]  # Stats.finished's arguments


def asker(peer: Any, client: str) -> Any:
    """What the journal reads of a request: its peer and its `X-Client` header."""
    return SimpleNamespace(protocol=SimpleNamespace(peername=peer), headers={"X-Client": client})


def typical() -> Callable[[int], Request]:
    """The talk's clients' requests (see the module's docstring)."""
    zips = list(MEMPY_2015)
    peers = [("127.0.0.1", 40_000 + index) for index in range(CONNECTIONS)]

    def make(index: int) -> Request:
        arrival = time.perf_counter()
        client = "".join(("async", "io"))  # a new string each time, as aiohttp's parser makes
        return (arrival, arrival, "jobs", zips[index % len(zips)], index // len(zips), 0.0, 0.0,
                200, None, int("2314"), asker(peers[index % CONNECTIONS], client))  # fmt: skip

    return make


def worst(index: int) -> Request:
    """The costliest request the server lets in (see the module's docstring)."""
    peer = (f"2001:db8:{index:x}::ffff:255.255.255.255"[:45], 40_000 + index % 20_000, 0, 0)
    place = f"{index:06d}" + "\U0001f600" * (MAX_LOCATION - 6)
    client = f"{index:06d}" + "\U0001f600" * 8_000
    arrival = time.perf_counter()
    return (arrival, arrival + 0.5, "search", place, 1_000_000 + index, 0.5 + index,
            1.0 + index, 503, "error_503", 100_000 + index, asker(peer, client))  # fmt: skip


def measure(make: Callable[[int], Request], entries: int, *, served: bool) -> tuple[float, float]:
    """(held, counted) bytes per entry after recording `entries` requests made by `make`."""
    journal = Journal(entries, time.perf_counter, budget=1 << 40)
    stats = Stats(journal)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(entries):
        stats.finished(*make(index), served=0.001 if served else None)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / entries, journal.bytes / entries


def bytes_per_entry(entries: int = ENTRIES) -> float:
    """What a typical entry holds, by tracemalloc."""
    return measure(typical(), entries, served=True)[0]


def main(argv: list[str] | None = None) -> int:
    """Print the bytes per entry, typical and worst."""
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else ENTRIES
    for name, make, served in (("typical", typical(), True), ("worst", worst, False)):
        held, counted = measure(make, count, served=served)
        print(f"{name}: {held:.0f} bytes per journal entry, counted at {counted:.0f} "
              f"(tracemalloc, {count:,} entries)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
