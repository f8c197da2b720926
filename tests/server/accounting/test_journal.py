"""The journal's ring buffer on a fake clock: entries numbered and timed from the reset, the
oldest dropped and counted."""

from __future__ import annotations

from server.accounting.journal import Journal, to_dict
from server.accounting.stats import Stats
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
        "bytes": 10, "peer": "127.0.0.1", "port": 5000, "client": None,
    }  # fmt: skip
    clock.now = 200.0
    journal.clear("next")
    assert (journal.total, journal.dropped, journal.now, journal.tag) == (0, 0, 0.0, "next")
