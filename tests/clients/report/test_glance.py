"""The report at a glance: a card per client and the scenario's question in one sentence;
the trains' rows, a thread per zip as one band."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clients.records import Attempt, RunState, Track
from clients.report import glance
from clients.report.threads import Role, bands
from clients.results.document import runs_of, summaries_of
from tests import builders


def test_the_answer_names_the_fastest_the_cheapest_and_what_failed() -> None:
    doc = builders.compare_doc()
    said = glance.answer(summaries_of(doc), runs_of(doc))
    assert said.startswith("Threaded was fastest (300 ms, 4.0× blocking)")
    assert "asyncio the cheapest (25 ms of CPU, 0.08 cores)" in said
    assert said.endswith("; none failed.")


def test_a_client_that_gave_up_is_named_with_its_error() -> None:
    failed = builders.make_run("asyncio", attempts=[
        builders.ok("a"), builders.ok("b"),
        Attempt("c", 0, 0.0, 0.1, 503, error="http_503"),
    ])  # fmt: skip
    doc = builders.document([builders.make_run("blocking"), failed], expected=3)
    said = glance.answer(summaries_of(doc), runs_of(doc))
    assert "asyncio gave up on 1 zip (http_503 ×1; it does not retry)" in said
    assert said.startswith("Blocking was fastest (1.00 s); blocking the cheapest too")


def test_a_card_per_client_with_its_verdict_and_cores() -> None:
    doc = builders.compare_doc()
    cards = {c.client: c for c in glance.cards(summaries_of(doc), doc["verdicts"])}
    assert cards["asyncio"].verdict == "✗ right total · 1/2 expectations"
    assert cards["asyncio"].good is False
    assert cards["blocking"].verdict == "✓ right total · 1/1 expectations"
    assert cards["blocking"].cores == pytest.approx(0.06 / 1.2)
    skipped = replace(builders.make_run("node", kind="javascript"), state=RunState.SKIPPED,
                      reason="no node")  # fmt: skip
    doc = builders.document([builders.make_run("blocking"), skipped], expected=3)
    found = glance.cards(summaries_of(doc), [])
    assert (found[1].verdict, found[1].good) == ("skipped: no node", None)


def test_a_thread_per_zip_is_one_band_that_holds_its_trains() -> None:
    main = Track("MainThread", "thread", 0, (100,) * 4)
    workers = [Track(f"Thread-{i} (work)", "thread", i % 3, (50, 50)) for i in range(1, 101)]
    found = bands([main, *workers, Track("Thread-101 (_watch)", "thread", 0, (1,))], "threaded")
    assert [b.named.label for b in found] == ["MainThread", "100 worker threads",
                                              "the meter's watcher"]  # fmt: skip
    band = found[1]
    assert band.named.role is Role.WORKER and len(band.members) == 100
    assert band.named.track.alive[0] == 33 and sum(band.named.track.cpu_us) == 100 * 100


def test_a_few_threads_and_uvloops_resolvers_are_named() -> None:
    tracks = [Track("MainThread", "thread", 0, (1,))] + [
        Track(f"native thread {n}", "thread", 0, (0,)) for n in (12942, 12943)
    ]
    found = bands(tracks, "uvloop")
    assert [b.named.label for b in found] == ["MainThread", "uvloop's resolver threads (2)"]
    assert [m.label for m in found[1].members] == [
        "uvloop's resolver thread 1 (libuv pool)",
        "uvloop's resolver thread 2 (libuv pool)",
    ]
    few = bands([Track(f"Thread-{i} (work)", "thread", 0, (1,)) for i in range(3)], "threaded")
    assert [b.members for b in few] == [(), (), ()]


@pytest.mark.parametrize(
    ("cores", "shown"),
    [
        pytest.param(None, "–", id="did-not-run"),
        pytest.param(0.0, "0.00", id="none"),
        pytest.param(0.004, "0.004", id="blocking-waits"),
        pytest.param(0.61, "0.61", id="a-loop"),
        pytest.param(1.97, "1.97", id="two-cores"),
    ],
)
def test_a_cards_cores_never_reads_zero_for_a_little(cores: float | None, shown: str) -> None:
    assert glance.cores_text(cores) == shown
