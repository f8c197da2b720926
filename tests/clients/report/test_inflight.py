"""The timeline's companions (`report/inflight.py`): the in-flight charts' shared y-axis top
and a blocked loop's stretches as marks with their titles; and what the payload carries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clients.records import Block, LoopLag, Stall
from clients.report.inflight import block_marks, peak, shared_max
from clients.report.payload import compare_payload
from tests import builders
from tests.builders import make_run, ok


@pytest.mark.parametrize(
    ("spans", "most"),
    [
        pytest.param([(0.0, 0.1), (0.1, 0.2), (0.2, 0.3)], 1, id="back-to-back-is-one"),
        pytest.param([(0.0, 0.3), (0.1, 0.2), (0.15, 0.4)], 3, id="nested"),
        pytest.param([(0.0, 0.1), (0.5, 0.6)], 1, id="apart"),
    ],
)
def test_peak_counts_the_most_at_once(spans: list[tuple[float, float]], most: int) -> None:
    attempts = [ok(f"z{i}", start, end) for i, (start, end) in enumerate(spans)]
    assert peak(attempts) == most


def test_the_shared_max_is_the_highest_peak_of_any_client() -> None:
    one = make_run("blocking", attempts=[ok("a", 0, 0.1), ok("b", 0.1, 0.2)])
    four = make_run("asyncio", attempts=[ok(z, 0, 0.1) for z in "abcd"])
    assert shared_max([one, four]) == 4
    assert shared_max([one]) == 1
    assert shared_max([]) == 1  # an axis to draw even with nothing in flight


def test_blocks_become_marks_titled_with_how_long_and_where() -> None:
    lag = LoopLag(0.2, 1.2, 10, 0.025, 1.25, (Stall("mine.py:12 main", "requests.get", 1.2),),
                  (Block(0.1, 1.3, "mine.py:12 main"), Block(2.0, 2.05, ""),
                   Block(3.0, 3.0, "x.py:1 f")))  # fmt: skip
    assert block_marks(lag) == [
        [0.1, 1.3, "loop blocked 1.20 s at mine.py:12 main"],
        [2.0, 2.05, "loop blocked 50 ms"],  # no coroutine on the stack: no place to name
    ]  # an empty stretch is no mark
    assert block_marks(None) == []
    assert block_marks(replace(lag, blocks=())) == []


def test_the_payload_carries_peaks_the_shared_max_and_marks() -> None:
    lag = LoopLag(0.1, 0.2, 5, 0.025, 0.2, (), (Block(0.05, 0.25, "app.py:3 go"),))
    runs = [builders.blocking(), replace(builders.asyncio_run(), loop_lag=lag)]
    packed = compare_payload(builders.compare_doc(runs=runs), runs)
    peaks = {c["name"]: c["peak"] for c in packed["clients"]}
    assert peaks["blocking"] == 1 and peaks["asyncio"] > 1
    assert packed["inflight_max"] == peaks["asyncio"]
    marks = {c["name"]: c["blocks"] for c in packed["clients"]}
    assert marks["blocking"] == []
    assert marks["asyncio"] == [[0.05, 0.25, "loop blocked 200 ms at app.py:3 go"]]


def test_blocks_survive_the_result_file() -> None:
    lag = LoopLag(0.1, 0.2, 5, 0.025, 0.2, (), (Block(0.05, 0.25, "app.py:3 go"),))
    assert LoopLag.from_dict(lag.to_dict()) == lag
    older = lag.to_dict()
    del older["blocks"]  # a result saved before blocks were: loads, with none
    assert LoopLag.from_dict(older).blocks == ()
