"""`[[expect]]` over time: `recovery`, `goodput`, and bounds during, after or between times."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from typing import Any

import pytest

from clients.errors import ScenarioFileError
from clients.expectations import check, parse_expectations
from clients.results.series import Series, Span, recovery
from tests.clients.test_expectations import BASE

PHASE = (Span("dip", 4.0, 6.0),)


def series(goodput: list[int], p99: list[float | None] | None = None) -> Series:
    size = len(goodput)
    return Series(
        step=1.0, sent=(10,) * size, ok=tuple(goodput), failed=tuple(10 - g for g in goodput),
        in_flight=(1.0,) * size, p50=(0.1,) * size, p99=(0.2,) * size, offered=(10,) * size,
        goodput=tuple(goodput), due_p50=(0.1,) * size, due_p99=tuple(p99 or [0.2] * size),
        offset=0.5, phases=PHASE,
    )  # fmt: skip


def row(client: str, goodput: list[int], **kw: Any) -> Any:
    found = recovery((10,) * len(goodput), goodput, PHASE[-1].end)
    made = replace(series(goodput, **kw), recovery=found, recovered=found is not None)
    return replace(BASE, client=client, kind="asyncio", series=made, open_loop=True)


QUICK = row("budget", [10, 10, 10, 10, 0, 0, 10, 10, 10, 10, 10])  # back at once
SLOW = row("immediate", [10, 10, 10, 10, 0, 0, 0, 0, 0, 10, 10, 10])  # back 3 s later
NEVER = row("none", [10, 10, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0], p99=[0.2] * 4 + [1.0] * 8)
ROWS = [QUICK, SLOW, NEVER]


def expectations(text: str) -> Any:
    return parse_expectations(tomllib.loads(text)["expect"], [r.client for r in ROWS],
                              "s.toml", phases=["dip"])  # fmt: skip


def verdicts(text: str) -> list[tuple[bool, str, str]]:
    return [(v.passed, v.text, v.detail) for v in check(expectations(text), ROWS, {})]


def test_recovery_is_a_figure_and_never_recovering_is_infinitely_late() -> None:
    assert (QUICK.recovery, SLOW.recovery, NEVER.recovery) == (0.0, 3.0, float("inf"))
    found = verdicts("""
[[expect]]
client = "immediate"
figure = "recovery"
at_least_times = 3
of = "budget"
[[expect]]
client = "none"
figure = "recovery"
min = 30
[[expect]]
client = "budget"
figure = "recovery"
max = 1
""")
    assert [passed for passed, _, _ in found] == [True, True, True]
    assert found[1][2] == "measured did not recover"


def test_neither_recovering_is_no_ratio_to_pass_on() -> None:
    found = verdicts('[[expect]]\nclient = "none"\nfigure = "recovery"\nat_least_times = 2\n'
                     'of = "budget"\n')  # fmt: skip
    assert found[0][0] is True  # never is later than at once, by any factor
    both = [replace(NEVER, client="a"), replace(NEVER, client="b")]
    parsed = parse_expectations([{"client": "a", "figure": "recovery", "at_least_times": 2,
                                  "of": "b"}], ["a", "b"], "s.toml")  # fmt: skip
    assert [v.passed for v in check(parsed, both, {})] == [False]


def test_bounds_over_a_phase_after_it_and_between_times() -> None:
    found = verdicts("""
[[expect]]
client = "*"
figure = "goodput"
during = "dip"
max = 1
[[expect]]
client = "budget"
figure = "goodput"
after = "dip"
min = 9
[[expect]]
client = "none"
figure = "p99"
from = 8
to = 12
max = 0.5
[[expect]]
client = "none"
figure = "failed_share"
after = "dip"
min = 0.99
""")
    assert [(passed, text) for passed, text, _ in found] == [
        (True, "budget goodput during dip ≤ 1.0/s"),
        (True, "immediate goodput during dip ≤ 1.0/s"),
        (True, "none goodput during dip ≤ 1.0/s"),
        (True, "budget goodput after dip ≥ 9.0/s"),
        (False, "none p99 from 8 s to 12 s ≤ 500 ms"),
        (True, "none failed_share after dip ≥ 99%"),
    ]
    assert found[4][2] == "measured 1.00 s"


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        pytest.param({"client": "budget", "figure": "goodput", "during": "spike", "max": 1},
                     "expect[0].during", "must name a server phase (dip), got 'spike'",
                     id="unknown-phase"),
        pytest.param({"client": "budget", "figure": "wall", "during": "dip", "max": 1},
                     "expect[0].during", "a time range takes a figure of the series",
                     id="not-over-time"),
        pytest.param({"client": "budget", "figure": "offered", "max": 1}, "expect[0].figure",
                     "'offered' is a figure over time: give during, after, or from/to",
                     id="no-range"),
        pytest.param({"client": "budget", "figure": "goodput", "during": "dip", "after": "dip",
                      "max": 1}, "expect[0].after", "give one range", id="two-ranges"),
        pytest.param({"client": "budget", "figure": "goodput", "from": 5, "to": 2, "max": 1},
                     "expect[0].to", "must be after from (5 s), got 2", id="backwards"),
    ],
)  # fmt: skip
def test_bad_ranges_name_the_key(table: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse_expectations([table], [r.client for r in ROWS], "s.toml", phases=["dip"])
    assert caught.value.key == key
    assert message in str(caught.value)
