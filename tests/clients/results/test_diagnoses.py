"""Diagnoses from the data (`results.diagnoses`): each rule speaks only when its figures say so."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from clients.records import Attempt, ClientSettings, LoopLag, RunResult, Stall, Usage
from clients.results.diagnoses import Diagnosis, diagnose, peak_in_flight
from clients.results.summary import summarize
from clients.results.units import seconds

ZIPS = [f"{n:05d}" for n in range(10)]


def run(
    settings: ClientSettings,
    wall: float,
    cpu: float,
    *,
    sequential: bool = False,
    first: float = 0.0,
    lag: LoopLag | None = None,
    cpus: int = 2,
    gil: bool = True,
) -> RunResult:
    """A run of ten zips: one after another, or all at once from `first` on."""
    attempts = tuple(
        Attempt(z, 0, first + (i * 0.1 if sequential else 0.0),
                first + (i * 0.1 + 0.1 if sequential else 0.1), status=200, jobs=1)
        for i, z in enumerate(ZIPS)
    )  # fmt: skip
    return RunResult(
        client=settings.name, settings=settings, total=10,
        usage=Usage(mem=0, utime=cpu, stime=0.0, time=wall), attempts=attempts,
        environment={"cpus": cpus, "gil_enabled": gil}, loop_lag=lag,
    )  # fmt: skip


def notes(*runs: RunResult) -> list[Diagnosis]:
    """What the rules say about these runs (one each)."""
    return diagnose([summarize([r], 10, {}) for r in runs], list(runs))


def said(found: list[Diagnosis], **which: Any) -> list[str]:
    """The sentences of the notes with these fields."""
    return [d.text for d in found if all(getattr(d, k) == v for k, v in which.items())]


BLOCKED = LoopLag(5.5, 5.5, 2, 0.01, blocked=5.2, stalls=(
    Stall("mine.py:12 fetch", "requests.api.get", 5.1), Stall("mine.py:13 fetch", "x.y", 0.05),
))  # fmt: skip
MINE = ClientSettings(kind="python", label="bad-async", function="mine:total", loop="asyncio")


def test_a_blocking_call_in_a_coroutine_is_named_with_its_line() -> None:
    found = notes(run(MINE, 5.6, 0.3, sequential=True, lag=BLOCKED))
    assert said(found, kind="blocking call in a coroutine") == [
        "bad-async is async, but its event loop was blocked 5.20 s of 5.60 s and never had "
        "more than 1 request in flight: a blocking call inside a coroutine (mine.py:12 in "
        "fetch, requests.api.get). Await an async client's call instead, or move the blocking "
        "one off the loop with asyncio.to_thread."
    ]


@pytest.mark.parametrize(
    "lag",
    [
        pytest.param(replace(BLOCKED, blocked=0.05), id="briefly"),
        pytest.param(replace(BLOCKED, blocked=1.0), id="a-small-share"),
        pytest.param(replace(BLOCKED, stalls=(Stall("a.py:1 f", "g", 1.0),)), id="no-one-place"),
        pytest.param(replace(BLOCKED, blocked=None), id="not-watched"),
    ],
)  # fmt: skip
def test_no_blocking_call_is_named_without_the_evidence(lag: LoopLag) -> None:
    assert notes(run(MINE, 5.6, 0.3, sequential=True, lag=lag)) == []


def test_the_built_in_clients_are_never_said_to_block() -> None:
    # aiohttp connecting a hundred sockets holds the loop a moment: not the user's mistake
    builtin = ClientSettings(kind="asyncio")
    assert notes(run(builtin, 0.27, 0.1, lag=replace(BLOCKED, blocked=0.13))) == []


INLINE = LoopLag(1.2, 1.25, 7, 0.01, blocked=1.16, stalls=(
    Stall("clients/kinds/_loop.py:206 work", "clients.cpuwork.after_answer", 1.13),
))  # fmt: skip


def test_cpu_done_inline_on_the_loop() -> None:
    asyncio = ClientSettings(kind="asyncio", cpu=0.01)
    found = notes(run(asyncio, 1.3, 1.05, lag=INLINE))
    assert said(found, client="asyncio", kind="cpu on the loop") == [
        'asyncio did its 10 ms of CPU per answer on the event loop (offload = "none"): the '
        "loop was blocked 1.16 s of 1.30 s (lag p99 1.20 s, max 1.25 s) and every other "
        'request waited behind it; offload = "thread" frees the loop (the work still takes '
        'the GIL in turn), offload = "process" or processes = N spread it over the cores.'
    ]


def test_node_has_no_watcher_but_its_lag_speaks() -> None:
    node = ClientSettings(kind="javascript", cpu=0.05)
    found = notes(run(node, 1.0, 0.6, lag=LoopLag(0.06, 0.2, 40, 0.01)))
    assert said(found, kind="cpu on the loop") == [
        "javascript did its 50 ms of CPU per answer on its event loop's one thread: timers "
        "ran up to 200 ms late (p99 60 ms), and every other request waited behind the work."
    ]


def test_the_gil_keeps_threads_near_one_core() -> None:
    threaded = ClientSettings(kind="threaded", cpu=0.01)
    assert said(notes(run(threaded, 2.0, 1.96)), kind="gil") == [
        "threaded kept 0.98 cores busy on a 2-core machine: pure-Python work after each "
        "answer runs one thread at a time (the GIL)."
    ]


def test_native_work_lets_threads_run_in_parallel() -> None:
    threaded = ClientSettings(kind="threaded", cpu=0.01, cpu_kind="native")
    assert said(notes(run(threaded, 1.0, 1.8)), kind="gil") == [
        "threaded kept 1.80 cores busy on a 2-core machine: the work after each answer is C "
        "that releases the GIL (hashlib), so its threads ran it in parallel."
    ]
    assert said(notes(run(threaded, 2.0, 1.0)), kind="gil") == []  # it did not: no claim


def test_a_free_threaded_interpreter_says_the_gil_was_off() -> None:
    threaded = ClientSettings(kind="threaded", cpu=0.01, label="threaded-313t")
    (text,) = said(notes(run(threaded, 1.0, 1.9, gil=False)), kind="gil")
    assert text.startswith(
        "threaded-313t kept 1.90 cores busy on a 2-core machine with the GIL off"
    )


def test_no_gil_note_on_one_core_or_without_cpu() -> None:
    assert notes(run(ClientSettings(kind="threaded", cpu=0.01), 2.0, 0.98, cpus=1)) == []
    assert notes(run(ClientSettings(kind="threaded"), 2.0, 0.1)) == []


def test_where_processes_win_and_what_starting_them_cost() -> None:
    threaded = run(ClientSettings(kind="threaded", cpu=0.02), 2.1, 2.0)
    split = run(ClientSettings(kind="asyncio", label="asyncio-x2", cpu=0.02, processes=2), 1.4,
                2.5, first=0.45)  # fmt: skip
    assert said(notes(threaded, split), kind="processes") == [
        "asyncio-x2 (2 processes, a loop each) finished in 1.40 s, 1.5× faster than threaded "
        "(2.10 s), keeping 1.79 cores busy against 0.95; starting its processes cost 450 ms "
        "before its first request."
    ]


def test_where_processes_lose() -> None:
    threaded = run(ClientSettings(kind="threaded", cpu=0.001), 0.5, 0.1)
    pool = run(ClientSettings(kind="processes", concurrency=2, cpu=0.001), 1.5, 0.5, first=0.9)
    (text,) = said(notes(threaded, pool), kind="processes")
    assert text == (
        "processes (a pool of 2 processes, one request at a time each) took 1.50 s, no faster "
        "than threaded (500 ms), keeping 0.33 cores busy against 0.20; starting its processes "
        "cost 900 ms before its first request: spreading 10 ms of CPU work did not pay for the "
        "processes here."
    )


def test_peak_in_flight() -> None:
    assert peak_in_flight(run(MINE, 1, 0, sequential=True).attempts) == 1
    assert peak_in_flight(run(MINE, 1, 0).attempts) == 10
    assert peak_in_flight(()) == 0


def test_a_run_that_did_not_happen_gets_no_note() -> None:
    from clients.records import RunState

    skipped = RunResult.without_figures(ClientSettings(kind="threaded", cpu=0.1),
                                        RunState.SKIPPED, "no")  # fmt: skip
    assert diagnose([summarize([skipped], 10, {})], [skipped]) == []


def test_the_notes_are_saved_in_the_result_and_printed_under_the_table() -> None:
    from rich.console import Console

    from clients.report.diagnoses import diagnoses_text
    from clients.results.document import compare_document

    threaded = run(ClientSettings(kind="threaded", cpu=0.01), 2.0, 1.96)
    doc = compare_document({"name": "cpu"}, [threaded], {"expected_total": 10}, {}, False, [])
    assert doc["notes"] == [{"client": "threaded", "kind": "gil", "text": (
        "threaded kept 0.98 cores busy on a 2-core machine: pure-Python work after each "
        "answer runs one thread at a time (the GIL).")}]  # fmt: skip
    console = Console(record=True, width=200)
    said = diagnoses_text(notes(threaded))
    assert said is not None
    console.print(said)
    assert console.export_text().splitlines() == [
        "notes:",
        "• threaded (gil): threaded kept 0.98 cores busy on a 2-core machine: pure-Python work "
        "after each answer runs one thread at a time (the GIL).",
    ]
    assert diagnoses_text([]) is None


def test_a_sequential_client_short_of_cpu_says_the_machine_was_busy() -> None:
    blocking = ClientSettings(kind="blocking", cpu=0.1)
    # Ten answers of 100 ms each (one at a time: 1 s of waiting) and 1 s of work, in 5 s.
    one_by_one = run(blocking, 5.0, 1.0, sequential=True)
    (text,) = said(notes(one_by_one), kind="machine busy")
    waited = seconds(sum(a.latency for a in one_by_one.attempts))  # a second, give or take
    assert text == (
        f"blocking asks for one zip at a time and waited {waited} on the server, so it was "
        "working for the other 4.00 s of its wall, yet it was on a CPU for only 1.00 s of them "
        "(25%): other processes on this machine had the cores, and the rows, run one after "
        "another, each met the load of their own moment."
    )
    assert said(notes(run(blocking, 2.05, 1.0, sequential=True)), kind="machine busy") == []
