"""The ideal makespan once each answer costs CPU: what the machine allows, per slots and cores."""

from __future__ import annotations

from typing import Any

import pytest

from clients.results.ideal import ideal, makespan, with_cpu

WAITS = [0.1] * 10


@pytest.mark.parametrize(
    ("slots", "cores", "want"),
    [
        pytest.param(1, 2, 10 * (0.1 + 0.05), id="one-at-a-time"),  # blocking: wait + work each
        pytest.param(0, 1, 0.1 + 10 * 0.05, id="all-at-once-one-core"),  # the work queues
        pytest.param(0, 2, 0.1 + 10 * 0.05 / 2, id="all-at-once-two-cores"),
        pytest.param(2, 2, 5 * (0.1 + 0.05), id="two-slots"),
        pytest.param(0, 64, 0.1 + 0.05, id="a-core-each"),  # the wait, then one piece of work
    ],
)
def test_ideal(slots: int, cores: int, want: float) -> None:
    server = makespan(WAITS, slots)
    assert ideal(WAITS, 0.05, slots, cores, server) == pytest.approx(want)


def test_the_servers_own_makespan_still_bounds_it() -> None:
    # A server with one worker makes "all at once" take the sum of the waits.
    assert ideal(WAITS, 0.01, 0, 2, 1.0) == pytest.approx(1.01)


def preview(**extra: Any) -> dict[str, Any]:
    zips = [{"zip": f"{i:05d}", "wait": 0.1} for i in range(10)]
    return {"zips": zips, "makespans": {"0": 0.1, "1": 1.0}, "expected_total": 5, **extra}


def test_with_cpu_rewrites_the_makespans_and_keeps_the_servers() -> None:
    found = with_cpu(preview(), 0.05, "python", 2)
    assert found["makespans"] == pytest.approx({"0": 0.35, "1": 1.5})
    assert found["cpu"]["wait_makespans"] == {"0": 0.1, "1": 1.0}
    assert found["cpu"]["by_cores"]["1"] == pytest.approx({"0": 0.6, "1": 1.5})
    assert (found["cpu"]["per_answer"], found["cpu"]["kind"], found["cpu"]["cores"]) == (
        0.05, "python", 2,
    )  # fmt: skip


def test_without_cpu_the_preview_is_the_servers() -> None:
    assert with_cpu(preview(), 0.0, "python", 2) == preview()
    assert with_cpu({"makespans": {}}, 0.1, "python", 2) == {"makespans": {}}
