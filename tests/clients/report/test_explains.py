"""What the report says in words: the trains' figures, the notes, the talk's differences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clients.records import ClientSettings, RunResult, Samples, Track, Usage
from clients.report import notes, talkfigures, trains
from clients.results.document import summaries_from
from clients.results.summary import Summary
from tests import builders


def test_the_share_of_empty_cars_is_the_time_off_a_cpu() -> None:
    found = trains.figures(builders.blocking())
    assert found is not None
    assert found.empty == pytest.approx(0.95)  # on a CPU 5 % of every car
    assert found.cpu == pytest.approx(0.06) and found.length == pytest.approx(1.2)
    assert (found.trains, found.cars, found.grouped) == (1, 120, False)
    threaded = trains.figures(builders.threaded())
    assert threaded is not None and threaded.trains == 7  # the main thread and six short trains


def test_a_group_counts_each_thread_alive() -> None:
    group = Track("threads 2–5 (4)", "threads", 0, (2000, 2000), alive=(4, 2))
    run = replace(builders.blocking(), samples=builders.samples([group], 0.02))
    found = trains.figures(run)
    assert found is not None and found.grouped
    assert found.length == pytest.approx(0.06)  # 4 threads × 10 ms, then 2 × 10 ms
    assert found.empty == pytest.approx(1 - 0.004 / 0.06)
    assert "grouped into 1 trains" in trains.sampling(found, 0.01)


def test_a_program_measured_from_outside_is_its_processes() -> None:
    tracks = [builders.busy(10, 0.0), Track("node (pid 7)", "process", 0, (5000,) * 10)]
    usage = Usage(0, 0.05, 0.0, 0.1)
    samples = builders.samples(tracks, 0.1)
    run = RunResult("javascript", ClientSettings("javascript"), 6, usage, (), samples=samples)
    found = trains.figures(run)
    assert found is not None and found.empty == pytest.approx(0.5)  # the idle worker is not it
    said = trains.sentence(found)
    assert said.startswith("1 thread train and 1 process train, 20 cars: 50.0% empty")
    assert "(the program's processes only)" in said


def test_sampling_says_when_it_looked_less_often() -> None:
    slow = Samples(0.01, (0.0, 0.05, 0.1), (builders.busy(2, 0.1),), 0.01, threads=1)
    found = trains.figures(replace(builders.blocking(), samples=slow))
    assert found is not None
    assert "looked every 50 ms" in trains.sampling(found, 0.01)
    assert "less often than aimed at" in trains.sampling(found, 0.01)


def test_the_busiest_train_while_requests_wait() -> None:
    assert trains.busiest(builders.asyncio_run()) == ("MainThread", pytest.approx(0.9))
    # Idle while its requests waited, busy only after: a waiting request met an idle train.
    run = builders.blocking()
    late = builders.samples([Track("MainThread", "thread", 120, (10_000,) * 10)], 1.3)
    assert trains.busiest(replace(run, samples=late)) is None
    early = builders.samples([Track("MainThread", "thread", 0, (10_000,) * 12)], 1.3)
    assert trains.busiest(replace(run, samples=early)) == ("MainThread", pytest.approx(1.0))


def test_request_time_in_flight_per_interval() -> None:
    weights = trains.in_flight((0.0, 0.1, 0.3, 1.3), builders.blocking())
    assert weights == pytest.approx([0.1, 0.2, 0.9])  # one request in flight at every moment


def summaries(runs: list[RunResult], expected: int = 6) -> list[Summary]:
    return summaries_from(runs, expected, {"makespans": {"1": 1.2, "0": builders.DELAY}})


def said(runs: list[RunResult]) -> dict[tuple[str, str], str]:
    return {(n.client, n.title): n.text for n in notes.notes(summaries(runs), runs)}


def test_an_efficiency_over_100_percent_after_retries() -> None:
    run = builders.asyncio_run()
    fast = replace(run, usage=replace(run.usage, time=0.15))  # under the 0.2 s ideal
    text = said([fast])[("asyncio", "faster than ideal")]
    assert "Efficiency 133%" in text and "gave up on 1 first attempt and retried" in text


def test_a_slow_median_on_a_saturated_cpu() -> None:
    run = builders.asyncio_run()
    slow = tuple(replace(a, end=a.start + 0.6) for a in run.attempts)
    text = said([replace(run, attempts=slow)])[("asyncio", "latency above the intended delay")]
    assert "Median latency 600 ms against an intended 200 ms (3.0×)" in text
    assert (
        "Its own CPU was saturated: while its requests waited, its busiest train (MainThread)"
        in text
    )
    assert "was on a CPU 90% of the time" in text


@pytest.mark.parametrize(
    ("field", "words"),
    [
        pytest.param("queue", "The server queued its requests", id="queue"),
        pytest.param("overshoot", "The server answered late", id="overshoot"),
    ],
)
def test_a_slow_median_the_server_explains(field: str, words: str) -> None:
    run = builders.blocking()
    slow = tuple(replace(a, end=a.start + 0.6, **{field: 0.35}) for a in run.attempts)
    text = said([replace(run, attempts=slow)])[("blocking", "latency above the intended delay")]
    assert words in text and "350 ms" in text


def test_memory_inverted_against_the_talk_points_at_virtual_memory() -> None:
    text = said([builders.threaded(), builders.asyncio_run()])[
        ("threaded", "memory inverted against the talk")
    ]
    assert "threaded's peak RSS grew by 0 B, asyncio's by 2.0 MiB" in text
    assert "7.5 times" in text and "peak virtual memory grew by 96.0 MiB" in text


def test_a_flat_peak_and_a_short_total_are_explained() -> None:
    run = builders.blocking()
    failed = replace(run.attempts[0], jobs=None, error="timeout", status=None)
    short = replace(run, total=5, attempts=(failed, *run.attempts[1:]))
    found = said([short])
    assert "high-water mark was set before the run" in found[("blocking", "peak RSS did not grow")]
    assert "summed 5, not the expected total" in found[("blocking", "the total fell short")]
    assert "1 × timeout" in found[("blocking", "the total fell short")]


def test_nothing_to_explain_says_nothing() -> None:
    run = builders.threaded()
    calm = replace(run, usage=replace(run.usage, mem=1 << 20))
    assert notes.notes(summaries([calm]), [calm]) == []


def test_the_talks_rows_and_sentences() -> None:
    doc = builders.compare_doc("mempy-2015")
    rows = talkfigures.rows(doc, summaries([builders.blocking(), builders.threaded(),
                                            builders.asyncio_run()]))  # fmt: skip
    assert [row.printed.script for row in rows] == ["block.py", "threaded.py", "async.py"]
    assert [row.now.client if row.now else None for row in rows] == [
        "blocking",
        "threaded",
        "asyncio",
    ]
    blocking, threaded, asyncio = (" ".join(row.sentences) for row in rows)
    assert "Wall 1.20 s against 41.31 s" in blocking and "add up to 1.20 s" in blocking
    assert "CPU 60 ms against 3.23 s (53.9× less)" in blocking
    assert "200 ms here (the preview's slowest)" in threaded
    assert "grew by 96.0 MiB, 16.0 MiB for each of 6 threads" in threaded
    assert "In 2015 async.py took 1.42× threaded.py's time; here asyncio takes 1.00×" in asyncio
    assert talkfigures.applies(doc) and not talkfigures.applies(builders.compare_doc())


def test_a_talk_script_without_its_client_says_so() -> None:
    rows = talkfigures.rows(builders.compare_doc("mempy-2015"), summaries([builders.blocking()]))
    assert rows[1].now is None and "No threaded client ran here" in rows[1].sentences[0]
