"""The journal's ring buffer on a fake clock: entries numbered and timed from the reset, the
oldest dropped and counted; bounded in bytes, each stored string bounded, the bytes counted
honestly (tracemalloc says what an entry holds)."""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from server.accounting.journal import (
    MAX_TEXT,
    PEER,
    WORST_ENTRY_BYTES,
    Journal,
    block,
    entry_bytes,
    peer_bytes,
    text_bytes,
    to_dict,
)
from server.accounting.stats import Stats
from server.api.params import MAX_LOCATION
from tests.helpers import FakeClock, asker


def test_journal_numbers_entries_and_times_them_from_the_reset() -> None:
    clock = FakeClock(100.0)
    journal = Journal(2, clock)
    stats = Stats(journal)
    peer = ("127.0.0.1", 5000)
    for index in range(3):
        arrival = 101.0 + index
        clock.now = arrival + 0.5  # it ends half a second after it arrived
        stats.finished(arrival, arrival, "jobs", str(index), index, 0.0, 0.0, 200, None, 10,
                       asker(peer))  # fmt: skip
    assert [seq for seq, _ in journal.since(0)] == [2, 3]
    assert [seq for seq, _ in journal.since(2)] == [3]
    assert journal.dropped == 1 and journal.figures()["connections"] == 1
    seq, entry = journal.since(2)[0]
    assert to_dict(seq, entry, journal.epoch) == {
        "seq": 3, "arrival": 3.0, "start": 3.0, "end": 3.5, "route": "jobs", "zip": "2",
        "attempt": 2, "intended": 0.0, "queue_wait": 0.0, "status": 200, "fault": None,
        "bytes": 10, "peer": "127.0.0.1", "port": 5000, "client": None, "phase": None,
    }  # fmt: skip
    clock.now = 200.0
    journal.clear("next")
    assert (journal.total, journal.dropped, journal.now, journal.tag) == (0, 0, 0.0, "next")


# --- bounded in bytes: every stored string bounded, the budget counted honestly -------------

# Entries a memory test records: enough that CPython's free lists (up to 2,000 tuples of a size,
# reused without tracemalloc seeing a new allocation) cannot hide much of what they hold.
MANY = 20_000


def test_a_long_client_header_is_kept_cut_to_its_bound() -> None:
    journal = Journal(10, FakeClock())
    stats = Stats(journal)
    stats.finished(1.0, 1.0, "jobs", "90011", 0, 0.0, 0.0, 200, None, 10,
                   asker(("127.0.0.1", 5000), "x" * 8_000))  # fmt: skip
    stats.finished(1.0, 1.0, "jobs", "90011", 1, 0.0, 0.0, 200, None, 10,
                   asker(("127.0.0.1", 5000), "asyncio"))  # fmt: skip
    clients = [to_dict(seq, entry, 0.0)["client"] for seq, entry in journal.since(0)]
    assert clients[0] == "x" * (MAX_TEXT - 1) + "…"  # cut, and says so
    assert clients[1] == "asyncio"


def test_the_journal_keeps_every_place_name_the_api_accepts_whole() -> None:
    assert MAX_LOCATION <= MAX_TEXT


def test_the_budget_drops_the_oldest_entries_and_counts_them() -> None:
    journal = Journal(1_000_000, FakeClock(), budget=64 * 1024)
    stats = Stats(journal)
    for index in range(2_000):
        stats.finished(1.0, 1.0, "search", f"Place {index:05d}" + "é" * 150, index, 0.0, 0.0,
                       200, None, 10, asker(("127.0.0.1", index), "c" * 300))  # fmt: skip
        assert journal.bytes <= journal.budget
    kept = journal.since(0)
    assert 0 < len(kept) < 2_000 and journal.dropped == 2_000 - len(kept)
    assert kept[-1][0] == 2_000  # the newest is kept, the oldest went
    figures = journal.figures()
    assert figures["bytes"] == journal.bytes and figures["budget"] == 64 * 1024
    assert figures["connections"] == len(kept)  # one connection an entry, counted as they go


def worst_entry(index: int) -> tuple[Any, ...]:
    """A request as costly as the server lets one be: a new IPv6 connection, the longest place
    name and client header, in four-byte characters, and every delay of its own."""
    peer = (f"2001:db8:{index:x}::ffff:255.255.255.255"[:45], 40_000 + index % 20_000, 0, 0)
    place = f"{index:06d}" + "😀" * (MAX_LOCATION - 6)
    client = f"{index:06d}" + "😀" * 9_000  # over the bound: the journal cuts it to MAX_TEXT
    arrival = 1.0 + index
    return (arrival, arrival + 0.5, "search", place, 1_000_000 + index, 0.5 + index,
            1.0 + index, 503, "error_503", 100_000 + index, asker(peer, client))  # fmt: skip


def typical_entry(index: int, zips: list[str], peers: list[Any]) -> tuple[Any, ...]:
    """A request as the talk's clients send them: 64 keep-alive connections, the talk's zips
    (each page's zip the same string object, as the handler's page cache gives it), and what
    each request brings anew: its times, its body's length, its `X-Client` header's string."""
    arrival = 1.0 + index
    peer = peers[index % len(peers)].protocol.peername
    return (arrival, arrival, "jobs", zips[index % len(zips)], index // len(zips), 0.0, 0.0,
            200, None, int("2314"), asker(peer, "".join(("async", "io"))))  # fmt: skip


def held_and_charged(make: Callable[[int], tuple[Any, ...]], *, served: bool) -> tuple[int, int]:
    """What recording MANY requests made by `make` holds (tracemalloc: what is still allocated
    once each request's own objects are gone) and what the journal charged for it."""
    journal = Journal(1_000_000, time.perf_counter, budget=1 << 40)  # each end a new float
    stats = Stats(journal)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(MANY):
        stats.finished(*make(index), served=0.001 if served else None)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held, journal.bytes


def test_the_budget_counts_every_byte_an_entry_holds_at_worst() -> None:
    held, charged = held_and_charged(worst_entry, served=False)
    assert held <= charged  # never under-counted: the budget is a true bound
    assert charged <= 1.3 * held  # and not a wild guess either
    assert charged / MANY <= WORST_ENTRY_BYTES  # the figure the README states is the worst


def test_a_typical_entry_is_counted_close_to_what_it_holds() -> None:
    zips = [f"{n:05d}" for n in range(100)]  # the page cache's, and the connections', objects
    peers = [asker(("127.0.0.1", 40_000 + n)) for n in range(64)]
    held, charged = held_and_charged(lambda index: typical_entry(index, zips, peers), served=True)
    assert held <= charged <= 1.6 * held  # an upper bound: a zip shared by entries counts in each


def test_connections_are_counted_as_entries_come_and_go() -> None:
    journal = Journal(50, FakeClock())
    stats = Stats(journal)
    peers = [("127.0.0.1", 6000 + n) for n in range(7)]
    for index in range(300):
        peer = peers[(index * 5) % 7] if index % 3 else ("127.0.0.1", 9000 + index)  # new ones too
        stats.finished(1.0, 1.0, "jobs", "90011", index, 0.0, 0.0, 200, None, 10, asker(peer))
        kept = {id(entry[PEER]) for _, entry in journal.since(0)}
        assert journal.figures()["connections"] == len(kept)
    journal.clear()
    assert (journal.figures()["connections"], journal.bytes) == (0, 0)


def test_what_the_journal_counts_is_what_its_kept_entries_and_connections_hold() -> None:
    journal = Journal(7, FakeClock())
    stats = Stats(journal)
    peers = [("127.0.0.1", 7000 + n) for n in range(3)]
    for index in range(40):  # kept and dropped, shared peers and names of every width
        name = ("Zürich", "90011", "Москва", "😀 City")[index % 4] * (1 + index % 3)
        start = 1.0 if index % 2 else 1.5  # common and delayed entries
        client = f"client {index}" if index % 5 else None
        stats.finished(1.0, start, "search", name, index, 0.0, 0.0, 200, None, 10,
                       asker(peers[index % 3], client))  # fmt: skip
        kept = [entry for _, entry in journal.since(0)]
        held = {id(entry[PEER]): entry[PEER] for entry in kept}
        assert journal.bytes == sum(map(entry_bytes, kept)) + sum(map(peer_bytes, held.values()))
        for text in (name, f"client {index}"):
            assert text_bytes(text) >= block(sys.getsizeof(text))  # never less than it holds
