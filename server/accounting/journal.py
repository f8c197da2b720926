"""The request journal: every API request since the last reset, as the server saw it.

Recording is one tuple appended to a deque per request, by `Stats.finished` — the same call
that counts the request, so the hot path pays for one (it charges the entry as `entry_bytes`
and `peer_bytes` below say, and calls `trim` past a bound); the dicts a reader sees are built only
when someone asks (`server.admin.journal`). Sequence numbers are implicit — the entries in the
deque are consecutive — so they cost nothing to store. Times are the server's monotonic clock,
stored raw and shown as seconds since the reset.

Bounded twice, the oldest entries dropped first and counted: at most `size` entries and at most
`budget` bytes. The bytes are counted as the entries hold them, in blocks as CPython's
allocator hands them out (rounded up to 16 bytes), never less than they take:

* the entry's tuple of 13 references and its slot in the deque;
* two floats (arrival and end), three more when a request was delayed or queued (start,
  intended, queue); two ints (attempt and bytes);
* its zip and client strings, each cut to `MAX_TEXT` characters — counted in every entry
  that holds one, even where entries share it, so the count is an upper bound;
* its connection's peer, `(address, port)`, counted once per connection for as long as a kept
  entry holds it: the same count gives the `connections` figure without a scan.

`WORST_ENTRY_BYTES` is what the costliest entry the server lets in is counted at;
`bench.journalcost` measures the typical and the worst with tracemalloc.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any, Final, Protocol, TypeAlias, cast

from ..models.phases import NO_PHASES, Schedule

DEFAULT_SIZE: Final = 1_000_000
MAX_SIZE: Final = 100_000_000
DEFAULT_BYTES: Final = 256 * 2**20  # about 650,000 typical entries, 100,000 of the worst
MAX_BYTES: Final = 64 * 2**30
MAX_TEXT: Final = 200  # characters of a zip (a place name) or a client name an entry keeps

# An entry's layout, the one place it is stated: built only by `Stats.finished` (whose
# parameters follow it), charged as `entry_bytes` and `peer_bytes` say, read by `to_dict`, the
# filters and the figures.
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
CLIENT: Final = FIELDS.index("client")


def block(size: int) -> int:
    """The bytes an object of `size` bytes takes: pymalloc hands out 16-byte blocks."""
    return (size + 15) & -16


_FLOAT: Final = block(sys.getsizeof(0.5))
_INT: Final = block(sys.getsizeof(2**29))  # an attempt or a body's length, above the cached ints
_SLOT: Final = 9  # a deque slot: 8 bytes, and its share of the 64-slot block's links
COMMON_BYTES: Final = block(sys.getsizeof((None,) * len(FIELDS))) + _SLOT + 2 * _FLOAT + 2 * _INT
DELAYED_BYTES: Final = COMMON_BYTES + 3 * _FLOAT
# A connection's own count: its key (the peer's id) and count in a dict, with the dict's slack.
_CONNECTION: Final = 2 * _INT + 64
_LONGEST_TEXT: Final = 95 + 4 * MAX_TEXT  # four bytes a character (`text_bytes`)
_WIDEST_PEER: Final = (  # an IPv6 peer: (address, port, flowinfo, scope id)
    block(sys.getsizeof((None,) * 4)) + block(sys.getsizeof("f" * 45)) + 3 * _INT + _CONNECTION
)
WORST_ENTRY_BYTES: Final = DELAYED_BYTES + 2 * _LONGEST_TEXT + _WIDEST_PEER


class Asker(Protocol):
    """What the journal reads of a request (an aiohttp `web.Request`): its peer and client."""

    @property
    def protocol(self) -> Any:
        """The connection, whose `peername` is the peer's (address, port)."""

    @property
    def headers(self) -> Mapping[str, str]:
        """The request headers (`X-Client` names the client)."""


def cut(text: str) -> str:
    """`text` within MAX_TEXT characters, its last one an ellipsis when it was longer."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def peer_bytes(peer: Any) -> int:
    """What one connection's peer takes (its tuple and what it holds) and its count."""
    size = block(sys.getsizeof(peer)) + _CONNECTION
    for part in peer if isinstance(peer, tuple) else ():
        if not (isinstance(part, int) and -5 <= part <= 256):  # CPython's cached small ints
            size += block(sys.getsizeof(part))
    return size


def text_bytes(text: str | None) -> int:
    """What a zip or client string takes, at most (nothing for None): CPython keeps an ASCII
    string in 49 bytes and one a character, any other in at most 80 and four a character —
    worked out from its length, as `sys.getsizeof` costs three times as much on the hot path."""
    if text is None:
        return 0
    return 64 + len(text) if text.isascii() else 95 + 4 * len(text)  # each with its block


def entry_bytes(entry: Entry) -> int:
    """What one entry holds but its peer (which its connection's count pays for)."""
    fixed = COMMON_BYTES if entry[1] is entry[0] else DELAYED_BYTES
    texts = cast(tuple[str | None, str | None], (entry[ZIP], entry[CLIENT]))
    return fixed + text_bytes(texts[0]) + text_bytes(texts[1])


class Journal:
    """At most `size` entries and `budget` bytes, oldest dropped first and counted; a size or
    budget of 0 records nothing."""

    def __init__(self, size: int, clock: Callable[[], float], budget: int = DEFAULT_BYTES) -> None:
        self.size = size
        self.budget = budget
        self.enabled = size > 0 and budget > 0
        self.clock = clock
        self.entries: deque[Entry] = deque()
        self.bytes = 0  # what the kept entries hold, as counted above
        self.peers: dict[int, int] = {}  # id of a kept entry's peer -> entries holding it
        self.total = 0  # entries recorded since the reset: the last sequence number
        self.epoch = clock()
        self.tag: str | None = None
        self.schedule: Schedule = NO_PHASES  # names each entry's phase, from its arrival

    def trim(self) -> None:
        """Drop the oldest entries until both bounds hold, giving back what each held."""
        entries, peers = self.entries, self.peers
        while entries and (self.bytes > self.budget or len(entries) > self.size):
            entry = entries.popleft()
            cost = entry_bytes(entry)
            peer = entry[PEER]
            if peer is not None:
                key = id(peer)
                held = peers[key] - 1
                if held:
                    peers[key] = held
                else:
                    del peers[key]
                    cost += peer_bytes(peer)
            self.bytes -= cost

    def clear(self, tag: str | None = None) -> None:
        """Forget everything; times now count from here, and `tag` labels the new run."""
        self.entries.clear()
        self.peers.clear()
        self.bytes = 0
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

    def snapshot(self, seq: int) -> tuple[int, list[Entry]]:
        """The kept entries with a sequence number above `seq` (one copy of references, made
        at C speed) and the sequence number of the first of them."""
        first = self.total - len(self.entries) + 1  # the oldest kept entry's number
        skip = max(0, seq - first + 1)
        return first + skip, list(islice(self.entries, skip, None))

    def since(self, seq: int) -> list[tuple[int, Entry]]:
        """The entries with a sequence number above `seq`, with their numbers (a snapshot)."""
        start, kept = self.snapshot(seq)
        return list(zip(range(start, start + len(kept)), kept, strict=True))

    def figures(self) -> dict[str, Any]:
        """Connections used and requests per connection over the kept entries, the bounds
        and the bytes held — each kept up to date as entries come and go, never a scan."""
        count, connections = len(self.entries), len(self.peers)
        return {
            "size": self.size,
            "budget": self.budget,
            "bytes": self.bytes,
            "entries": count,
            "recorded": self.total,
            "dropped": self.dropped,
            "connections": connections,
            "requests_per_connection": count / connections if connections else None,
        }


def to_dict(seq: int, entry: Entry, epoch: float, schedule: Schedule = NO_PHASES) -> dict[str, Any]:
    """One entry as a reader sees it: times in seconds since the reset, and the phase the
    request met (the one active at its arrival; None outside every phase)."""
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
        "phase": schedule.name_at(arrival - epoch) if schedule.windows else None,
    }
