"""The request journal: every API request since the last reset, as the server saw it.

Recording is one tuple appended to a bounded deque per request, by `Stats.finished` — the
same call that counts the request, so the hot path pays for one; the dicts a reader sees are
built only when someone asks (`server.admin.journal`). Sequence numbers are implicit — the
entries in the deque are consecutive — so they cost nothing to store. Times are the server's
monotonic clock, stored raw and shown as seconds since the reset.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import Any, Final, TypeAlias

DEFAULT_SIZE: Final = 1_000_000
MAX_SIZE: Final = 100_000_000

# An entry's layout, the one place it is stated: built only by `Stats.finished` (whose
# parameters follow it), read by `to_dict`, the filters and the figures.
FIELDS: Final = (
    "arrival", "start", "end", "route", "zip", "attempt", "intended", "queue_wait", "status",
    "fault", "bytes", "peer", "client",
)  # fmt: skip
Entry: TypeAlias = tuple[
    float, float, float, str, str | None, int | None, float, float, int | str, str | None, int,
    Any, str | None,
]  # fmt: skip
ROUTE: Final = FIELDS.index("route")  # the fields the filters and the figures read
ZIP: Final = FIELDS.index("zip")
STATUS: Final = FIELDS.index("status")
FAULT: Final = FIELDS.index("fault")
PEER: Final = FIELDS.index("peer")


class Journal:
    """At most `size` entries, oldest dropped first and counted; `size` 0 records nothing."""

    def __init__(self, size: int, clock: Callable[[], float]) -> None:
        self.size = size
        self.clock = clock
        self.entries: deque[Entry] = deque(maxlen=size)
        self.total = 0  # entries recorded since the reset: the last sequence number
        self.epoch = clock()
        self.tag: str | None = None

    def clear(self, tag: str | None = None) -> None:
        """Forget everything; times now count from here, and `tag` labels the new run."""
        self.entries.clear()
        self.total = 0
        self.epoch = self.clock()
        self.tag = tag

    @property
    def dropped(self) -> int:
        """How many entries were recorded but are gone (the journal was full)."""
        return self.total - len(self.entries)

    @property
    def now(self) -> float:
        """Seconds since the reset."""
        return self.clock() - self.epoch

    def since(self, seq: int) -> list[tuple[int, Entry]]:
        """The entries with a sequence number above `seq`, with their numbers (a snapshot)."""
        first = self.total - len(self.entries) + 1  # the oldest kept entry's number
        skip = max(0, seq - first + 1)
        kept = list(islice(self.entries, skip, None))
        start = first + skip
        return list(zip(range(start, start + len(kept)), kept, strict=True))

    def figures(self) -> dict[str, Any]:
        """Connections used and requests per connection over the kept entries, and the size."""
        peers = {id(entry[PEER]) for entry in self.entries if entry[PEER] is not None}
        count = len(self.entries)
        return {
            "size": self.size,
            "entries": count,
            "recorded": self.total,
            "dropped": self.dropped,
            "connections": len(peers),
            "requests_per_connection": count / len(peers) if peers else None,
        }


def to_dict(seq: int, entry: Entry, epoch: float) -> dict[str, Any]:
    """One entry as a reader sees it: times in seconds since the reset."""
    arrival, start, end, route, zip_code, attempt, intended, queue = entry[:8]
    status, fault, size, peer, client = entry[8:]
    address, port = (peer[0], peer[1]) if isinstance(peer, tuple) else (peer or None, None)
    return {
        "seq": seq,
        "arrival": round(arrival - epoch, 6),
        "start": round(start - epoch, 6),
        "end": round(end - epoch, 6),
        "route": route,
        "zip": zip_code,
        "attempt": attempt,
        "intended": round(intended, 6),
        "queue_wait": round(queue, 6),
        "status": status,
        "fault": fault,
        "bytes": size,
        "peer": address,
        "port": port,
        "client": client,
    }
