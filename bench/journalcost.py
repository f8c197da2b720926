"""The request journal's memory: bytes per entry, measured with tracemalloc.

`python -m bench.journalcost [N]` records N entries (default 100,000) the way the server's
common path does — a fresh arrival and end time, the body's length, zips and peers shared —
into a `server.accounting.journal.Journal` (through `Stats.finished`, as the server does) and
prints what they hold. Benchmark 1 reports the figure too.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from types import SimpleNamespace
from typing import Final

from server.accounting.journal import Journal
from server.accounting.stats import Stats
from server.api import envelopes
from server.api.zipsets import MEMPY_2015

ENTRIES: Final = 100_000
CONNECTIONS: Final = 64  # one peer tuple each, shared by its requests (as aiohttp caches it)


def bytes_per_entry(entries: int = ENTRIES) -> float:
    """Bytes the journal holds per entry after `entries` requests, by tracemalloc."""
    zips = list(MEMPY_2015)
    bodies = [envelopes.render_jobs(0, zip_code, 25, 1) for zip_code in zips]
    peers = [("127.0.0.1", 40_000 + index) for index in range(CONNECTIONS)]
    askers = [SimpleNamespace(protocol=SimpleNamespace(peername=p), headers={}) for p in peers]
    clock = time.perf_counter
    journal = Journal(entries, clock)
    stats = Stats(journal)  # what the server records an entry with (its counts are not kept)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(entries):
        arrival = clock()
        slot = index % len(zips)
        stats.finished(
            arrival, arrival, "jobs", zips[slot], index // len(zips), 0.0, 0.0, 200, None,
            len(bodies[slot]), askers[index % CONNECTIONS],
        )  # fmt: skip
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / entries


def main(argv: list[str] | None = None) -> int:
    """Print the bytes per entry."""
    args = sys.argv[1:] if argv is None else argv
    count = int(args[0]) if args else ENTRIES
    print(f"{bytes_per_entry(count):.0f} bytes per journal entry (tracemalloc, {count:,} entries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
