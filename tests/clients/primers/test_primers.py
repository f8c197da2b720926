"""The talk's primers: the three walks, the table, the runner's command line, the loop demo."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from rich.console import Console

from clients.primers import runner
from clients.primers.generators import WAYS, FirstN, expected_sum, first_n, first_n_list, walk
from clients.primers.loop import run_loop_demo
from clients.records import Usage

SIZES = [pytest.param(n, id=f"n={n}") for n in (0, 1, 2, 10, 1000)]
WAY_NAMES = [pytest.param(way, id=way) for way in WAYS]


@pytest.mark.parametrize("way", WAY_NAMES)
@pytest.mark.parametrize("n", SIZES)
def test_every_way_sums_0_to_n_minus_1(way: str, n: int) -> None:
    assert walk(way, n) == expected_sum(n) == sum(range(n))


@pytest.mark.parametrize("n", SIZES)
def test_every_way_yields_the_same_numbers(n: int) -> None:
    assert first_n_list(n) == list(FirstN(n)) == list(first_n(n)) == list(range(n))


def test_iterator_class_stops_for_good_and_is_one_pass() -> None:
    numbers = FirstN(2)
    assert iter(numbers) is numbers
    assert [next(numbers), next(numbers)] == [0, 1]
    for _ in range(2):  # StopIteration again on every later call, as the protocol asks
        with pytest.raises(StopIteration):
            next(numbers)
    assert list(numbers) == []  # documented: a used-up FirstN is not re-iterable


def test_generator_is_one_pass_too() -> None:
    numbers = first_n(3)
    assert list(numbers) == [0, 1, 2]
    assert list(numbers) == []


def _rows(size: int, *, wrong: str | None = None) -> list[runner.WayResult]:
    usage = Usage(mem=3 * 1024 * 1024, utime=0.25, stime=0.005, time=0.3)
    return [runner.WayResult(way, expected_sum(size) + (way == wrong), usage) for way in WAYS]


def _render(rows: list[runner.WayResult], size: int) -> str:
    console = Console(record=True, width=120)
    console.print(runner.primer_table(rows, size, python="3.11.7"))
    return console.export_text()


def test_primer_table_shows_ways_sums_size_and_units() -> None:
    text = _render(_rows(10_000), 10_000)
    for way in WAYS:
        assert way in text
    assert text.count("49,995,000 ✓") == 3
    assert "N = 10,000" in text and "Python 3.11.7" in text
    for cell in ("3.0 MiB", "250 ms", "5.0 ms", "255 ms", "300 ms"):
        assert cell in text


def test_primer_table_marks_a_wrong_sum() -> None:
    text = _render(_rows(10, wrong="iterator"), 10)
    assert text.count("45 ✓") == 2
    assert "46 ✗" in text


@pytest.mark.slow
def test_generators_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["generators", "--size", "1000"]) == 0
    captured = capsys.readouterr()
    for way in WAYS:
        assert way in captured.out
    assert captured.out.count("499,500 ✓") == 3
    assert "N = 1,000" in captured.out
    assert captured.err == ""


@pytest.mark.parametrize(
    "size",
    [
        pytest.param("0", id="zero"),
        pytest.param("-5", id="negative"),
        pytest.param(str(10**9 + 1), id="too-big"),
        pytest.param("ten", id="not-a-number"),
    ],
)
def test_bad_size_is_one_line_and_exit_2(size: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["generators", "--size", size]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("error:") and "--size" in captured.err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["list"], id="no-size"),
        pytest.param(["bogus", "3"], id="unknown-way"),
        pytest.param(["list", "-3"], id="negative"),
    ],
)
def test_worker_rejects_bad_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.worker_main(argv) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


@pytest.mark.slow  # the meter starts its sampler process
def test_worker_prints_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.worker_main(["generator", "100"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert '"sum": 4950' in lines[0] and '"usage": {"mem": ' in lines[0]


def test_loop_demo_trace_order_and_result() -> None:
    printed: list[str] = []
    loops: list[asyncio.AbstractEventLoop] = []

    def loop_factory() -> asyncio.AbstractEventLoop:
        loops.append(asyncio.new_event_loop())
        return loops[-1]

    ticks = itertools.count(0.0, 0.5)  # a fake clock: every reading is half a second later
    trace = run_loop_demo(
        0, loop_factory=loop_factory, clock=lambda: next(ticks), out=printed.append
    )
    assert printed == trace
    assert trace == [
        "  0.500 s  call_soon(add, 2, 3) scheduled",
        "  1.000 s  call_later(0, stop_loop) scheduled",
        "  1.500 s  run_forever()",
        "  2.000 s  add(2, 3) -> 5",
        "  2.500 s  call_later fired",
        "ending loop for result: 5",
    ]
    assert loops[0].is_closed()


def test_loop_demo_with_a_real_clock_and_a_tiny_delay() -> None:
    trace = run_loop_demo(0.01, out=lambda line: None)
    events = [line.split(" s  ", 1)[-1] for line in trace]
    assert events == [
        "call_soon(add, 2, 3) scheduled",
        "call_later(0.01, stop_loop) scheduled",
        "run_forever()",
        "add(2, 3) -> 5",
        "call_later fired",
        "ending loop for result: 5",
    ]


def test_loop_command_prints_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["loop", "--delay", "0"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == "ending loop for result: 5"
    assert "add(2, 3) -> 5" in captured.out


@pytest.mark.parametrize(
    "delay",
    [
        pytest.param("-1", id="negative"),
        pytest.param("nan", id="nan"),
        pytest.param("inf", id="inf"),
        pytest.param("soon", id="not-a-number"),
    ],
)
def test_bad_delay_is_one_line_and_exit_2(delay: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["loop", "--delay", delay]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and "--delay" in captured.err
