"""`[tune]` and grids: what the scenario reads (every mistake one line naming its key), and the
pick — requirements, objective, tie-breaker, runner-up, how many met, the closest miss —
checked against picks made here by brute force from the same figures."""

from __future__ import annotations

import itertools
import math
import random
import tomllib
from typing import Any

import pytest

from clients.errors import ScenarioFileError
from clients.harness.sweep import variants
from clients.kinds.command import placeholder_values
from clients.results.points import Point
from clients.scenario import parse
from clients.sweeps import Combination
from clients.tuning import Tune, answers, parse_tune

GRID = """
[workload]
zips = ["90011"]
[clients.asyncio]
[clients.blocking]
[clients.mine]
kind = "command"
command = ["prog", "{{timeout}}", "{{retries}}", "{{jitter}}"]
[clients.fn]
kind = "python"
function = "os.path:join"
{extra}
"""


def grid_doc(extra: str) -> dict[str, Any]:
    """A scenario document of built-in and user clients with `extra` (a [sweep], a [tune])."""
    return tomllib.loads(GRID.format(extra=extra))


def test_a_grid_runs_every_combination_the_last_setting_fastest() -> None:
    loaded = parse(grid_doc('[sweep]\ngrid = { timeout = [0.1, 1.0], retries = [0, 2, 5] }'),
                   "g.toml")  # fmt: skip
    assert loaded.sweep is not None
    found = variants(loaded, loaded.sweep)
    assert [c.label for c, _ in found] == [
        "timeout 0.1 s, retries 0", "timeout 0.1 s, retries 2", "timeout 0.1 s, retries 5",
        "timeout 1 s, retries 0", "timeout 1 s, retries 2", "timeout 1 s, retries 5",
    ]  # fmt: skip
    assert loaded.sweep.to_dict()["grid"] == {"timeout": [0.1, 1.0], "retries": [0.0, 2.0, 5.0]}


def test_the_users_command_and_function_receive_each_combination() -> None:
    text = '[sweep]\ngrid = { timeout = [0.5, 2], retries = [1, 3], jitter = ["full", "none"] }'
    loaded = parse(grid_doc(text), "g.toml")
    assert loaded.sweep is not None
    for combination, variant in variants(loaded, loaded.sweep):
        wanted = combination.as_dict()
        mine = next(c for c in variant.clients if c.name == "mine")
        told = placeholder_values(mine, "http://127.0.0.1:1", ["90011"], "zips.txt")
        assert (told["timeout"], told["retries"], told["jitter"]) == (
            wanted["timeout"], wanted["retries"], wanted["jitter"])  # fmt: skip
        keywords = next(c for c in variant.clients if c.name == "fn").for_code()
        assert (keywords["timeout"], keywords["retries"], keywords["jitter"]) == (
            wanted["timeout"], wanted["retries"], wanted["jitter"])  # fmt: skip
        assert isinstance(keywords["retries"], int)
        blocking = next(c for c in variant.clients if c.kind == "blocking")
        assert blocking.jitter == wanted["jitter"]  # its retries go through clients/policy.py


@pytest.mark.parametrize(
    ("extra", "key", "fragment"),
    [
        pytest.param('[sweep]\ngrid = { timeout = [1], retries = [1], backoff = [1], hedge = [1] }',
                     "sweep.grid", "1 to 3 settings", id="four-settings"),
        pytest.param('[sweep]\ngrid = {}', "sweep.grid", "1 to 3 settings", id="empty"),
        pytest.param('[sweep]\nsetting = "timeout"\nvalues = [1]\ngrid = { retries = [1] }',
                     "sweep.grid", "not both", id="both-forms"),
        pytest.param('[sweep]\ngrid = { timeot = [1] }', "sweep.grid.timeot",
                     "did you mean 'timeout'", id="typo"),
        pytest.param('[sweep]\ngrid = { retries = [1.5] }', "sweep.grid.retries",
                     "whole numbers", id="fraction"),
        pytest.param('[sweep]\ngrid = { timeout = 1 }', "sweep.grid.timeout", "a list of 1 to 50",
                     id="not-a-list"),
        pytest.param('[sweep]\ngrid = { jitter = ["fulll"] }', "sweep.grid.jitter",
                     "did you mean 'full'", id="jitter-typo"),
        pytest.param('[sweep]\ngrid = { jitter = [1] }', "sweep.grid.jitter",
                     "is not one of none, full", id="jitter-number"),
        pytest.param(f'[sweep]\ngrid = {{ timeout = {list(range(1, 21))}, retries = '
                     f'{list(range(11))} }}', "sweep.grid", "220 combinations", id="too-many"),
        pytest.param('[tune]\nminimize = "p99"', "tune", "needs a [sweep]", id="tune-alone"),
    ],
)  # fmt: skip
def test_bad_grids_are_one_line(extra: str, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse(grid_doc(extra), "g.toml")
    assert caught.value.key == key
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("table", "key", "fragment"),
    [
        pytest.param({}, "tune.minimize", "give one of minimize", id="no-objective"),
        pytest.param({"minimize": "p99", "maximize": "ok"}, "tune.minimize", "give one of",
                     id="both-objectives"),
        pytest.param({"minimize": "p999"}, "tune.minimize", "did you mean 'p99'", id="figure"),
        pytest.param({"minimize": "p99", "then": "amplificaton"}, "tune.then",
                     "did you mean 'amplification'", id="then"),
        pytest.param({"minimize": "p99", "require": {"figure": "failed"}}, "tune.require",
                     "must be a list", id="require-table"),
        pytest.param({"minimize": "p99", "require": [{"figure": "failed"}]},
                     "tune.require[0].max", "give max = X", id="no-bound"),
        pytest.param({"minimize": "p99", "require": [{"figure": "faild", "max": 0}]},
                     "tune.require[0].figure", "did you mean 'failed'", id="require-figure"),
        pytest.param({"minimize": "p99", "require": [{"client": "nobody", "figure": "ok",
                      "min": 1}]}, "tune.require[0].client", "unknown client", id="client"),
        pytest.param({"minimize": "p99", "speed": 1}, "tune.speed", "valid keys", id="key"),
    ],
)  # fmt: skip
def test_bad_tunes_are_one_line(table: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse_tune(table, ["asyncio", "blocking"], "t.toml")
    assert caught.value.key == key and fragment in str(caught.value)
    assert "t.toml" in str(caught.value) and "\n" not in str(caught.value)


def point(client: str, index: int, combination: dict[str, Any], **figures: float) -> Point:
    """A point with the figures the answers read (the rest of a row left out)."""
    every = {"failed": 0.0, "p99": 0.5, "amplification": 1.0, "wall": 1.0, **figures}
    return Point(client, float(index), every["wall"], 1.0, every["p99"], True, "",
                 combination, every)  # fmt: skip


GRID_POINTS = [
    point("asyncio", 0, {"timeout": 0.1, "retries": 0}, failed=9, p99=0.1),
    point("asyncio", 1, {"timeout": 0.1, "retries": 2}, failed=1, p99=0.1),
    point("asyncio", 2, {"timeout": 0.3, "retries": 2}, failed=0, p99=0.412, amplification=1.08),
    point("asyncio", 3, {"timeout": 1.0, "retries": 2}, failed=0, p99=0.412, amplification=1.2),
    point("asyncio", 4, {"timeout": 1.0, "retries": 5}, failed=0, p99=0.9),
    point("stubborn", 0, {"timeout": 0.1, "retries": 0}, failed=9),
    point("stubborn", 1, {"timeout": 0.1, "retries": 2}, failed=3),
    point("stubborn", 2, {"timeout": 0.3, "retries": 2}, failed=2),
    point("stubborn", 3, {"timeout": 1.0, "retries": 2}, failed=2, p99=0.3),
    Point("stubborn", 4.0, 0.0, 0.0, 0.0, False, "failed: died", {"timeout": 1.0, "retries": 5}),
]
TUNE = parse_tune({"require": [{"figure": "failed", "max": 0}], "minimize": "p99",
                   "then": "amplification"}, ["asyncio", "stubborn"], "t.toml")  # fmt: skip


def test_the_answer_names_the_best_its_figures_the_runner_up_and_how_many_met() -> None:
    best, _ = answers(TUNE, GRID_POINTS)
    assert best.found and best.met == 3 and best.total == 5
    assert best.sentence() == (
        "best for asyncio: timeout 0.3 s, retries 2 — p99 412 ms, 0 failed, 1.08 attempts "
        "a zip; runner-up timeout 1 s, retries 2 at p99 412 ms too, behind on amplification "
        "(3 of 5 combinations meet failed ≤ 0)"
    )  # the tie on p99 broken by amplification


def test_when_none_meets_the_answer_names_the_closest_and_what_it_missed() -> None:
    _, stubborn = answers(TUNE, GRID_POINTS)
    assert not stubborn.found and stubborn.met == 0
    assert stubborn.closest is not None
    assert stubborn.closest.combination.label == "timeout 1 s, retries 2"  # 2 failed, lower p99
    assert stubborn.sentence() == (
        "no combination for stubborn meets failed ≤ 0: closest timeout 1 s, retries 2, which "
        "missed failed ≤ 0 with 2 (0 of 5 combinations meet failed ≤ 0)"
    )
    saved = stubborn.to_dict()
    assert saved["found"] is False and saved["closest"]["missed"] == ["failed ≤ 0"]


def brute_force(
    tune: Tune, found: list[Point], client: str, limits: dict[str, float]
) -> tuple[str, ...]:
    """The met combinations' labels, best first, by sorting every one on its own terms."""
    mine = [(i, p) for i, p in enumerate(p for p in found if p.client == client)]
    within = [all(float(p.figures[k] or 0) <= v for k, v in limits.items()) for _, p in mine]
    met = [(i, p) for (i, p), ok in zip(mine, within, strict=True) if p.figures and ok]
    sign = -1 if tune.maximize else 1
    met.sort(key=lambda ip: (sign * float(ip[1].figures[tune.objective] or 0),
                             float(ip[1].figures[tune.then] or 0) if tune.then else 0,
                             ip[0]))  # fmt: skip
    return tuple(Combination(tuple(p.combination.items())).label for _, p in met)


@pytest.mark.parametrize("seed", [pytest.param(s, id=f"seed-{s}") for s in range(6)])
def test_the_pick_is_the_one_a_brute_force_sort_makes(seed: int) -> None:
    draw = random.Random(seed)
    combos = [{"timeout": t, "retries": r} for t, r in itertools.product([0.1, 0.3, 1], [0, 1, 3])]
    found = [
        point(client, i, combo, failed=draw.choice([0, 0, 1, 4]), p99=draw.choice([0.1, 0.2, 0.4]),
              amplification=round(draw.uniform(1, 2), 1), wall=draw.uniform(1, 3))
        for client in ("a", "b") for i, combo in enumerate(combos)
    ]  # fmt: skip
    limits = [{"figure": "failed", "max": 1}, {"figure": "wall", "max": 2.5}]
    tune = parse_tune({"require": limits, "minimize": "p99", "then": "amplification"},
                      ["a", "b"], "t.toml")  # fmt: skip
    for got in answers(tune, found):
        expected = brute_force(tune, found, got.client, {"failed": 1, "wall": 2.5})
        assert got.met == len(expected)
        assert (got.best.combination.label if got.best else None) == next(iter(expected), None)
        runner = got.runner_up.combination.label if got.runner_up else None
        assert runner == (expected[1] if len(expected) > 1 else None)


def test_maximize_picks_the_largest_and_a_missing_figure_never_wins() -> None:
    tune = parse_tune({"maximize": "ok"}, ["a"], "t.toml")
    found = [point("a", 0, {"retries": 0}, ok=90), point("a", 1, {"retries": 1}, ok=100),
             point("a", 2, {"retries": 2}, ok=math.nan)]  # fmt: skip
    found[2].figures["ok"] = None
    [got] = answers(tune, found)
    assert got.best is not None and got.best.combination.label == "retries 1"
    assert got.sentence().endswith("(3 of 3 combinations ran; no requirement)")


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        pytest.param('[clients.browser]\n[sweep]\nsetting = "retries"\nvalues = [1, 2]',
                     "sweep.setting", "no client here takes retries (kinds: browser)",
                     id="nobody-retries"),
        pytest.param('[clients.javascript]\n[sweep]\ngrid = { timeout = [1], hedge = [0.1] }',
                     "sweep.grid.hedge", "no client here takes hedge", id="nobody-hedges"),
        pytest.param('[clients.asyncio]\n[sweep]\ngrid = { budget_min_per_s = [1, 5] }',
                     "sweep.grid.budget_min_per_s", "no client has a retry_budget",
                     id="floor-without-budget"),
    ],
)  # fmt: skip
def test_a_swept_setting_no_client_takes_is_refused(text: str, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioFileError) as caught:
        parse(tomllib.loads(text), "n.toml")
    assert caught.value.key == key and fragment in str(caught.value)


def test_a_swept_budget_floor_with_a_swept_ratio_is_fine() -> None:
    text = "[clients.asyncio]\n[sweep]\ngrid = { budget_ratio = [0.1], budget_min_per_s = [1, 5] }"
    loaded = parse(tomllib.loads(text), "n.toml")
    assert loaded.sweep is not None
    found = [v.clients[0] for _, v in variants(loaded, loaded.sweep)]
    assert [(c.budget_ratio, c.budget_min_per_s) for c in found] == [(0.1, 1.0), (0.1, 5.0)]


def test_a_runner_up_within_two_percent_is_called_as_good() -> None:
    tune = parse_tune({"minimize": "p99"}, ["a"], "t.toml")
    close = [point("a", 0, {"retries": 2}, p99=0.300), point("a", 1, {"retries": 4}, p99=0.304)]
    [got] = answers(tune, close)
    assert "runner-up retries 4 at p99 304 ms, within 1 % (2 of 2" in got.sentence()
    apart = [point("a", 0, {"retries": 2}, p99=0.300), point("a", 1, {"retries": 4}, p99=0.4)]
    assert "at p99 400 ms (2 of 2" in answers(tune, apart)[0].sentence()


def test_relative_and_faster_requirements_apply_to_their_client_at_each_combination() -> None:
    rows = [
        point("a", 0, {"retries": 0}, p99=0.2, wall=2.0), point("b", 0, {"retries": 0}, p99=0.1),
        point("a", 1, {"retries": 2}, p99=0.1, wall=0.5), point("b", 1, {"retries": 2}, p99=0.2),
        point("a", 2, {"retries": 4}, p99=0.05, wall=0.9), point("b", 2, {"retries": 4}, p99=0.2),
    ]  # fmt: skip
    bound = {"client": "a", "figure": "p99", "at_most_times": 1.0, "of": "b"}
    relative = parse_tune({"require": [bound], "minimize": "wall"}, ["a", "b"], "t.toml")
    a, b = answers(relative, rows)
    assert a.met == 2 and a.best is not None and a.best.combination.label == "retries 2"
    assert b.met == 3  # the requirement is a's alone
    faster = parse_tune({"require": [{"faster": "a", "than": "b", "by": 1.5}],
                         "minimize": "p99"}, ["a", "b"], "t.toml")  # fmt: skip
    a, _ = answers(faster, rows)  # b's wall is 1.0 s everywhere: a needs ≤ 0.667 s
    assert a.met == 1 and a.best is not None and a.best.combination.label == "retries 2"
    assert "a faster at least 1.5× than b" in a.sentence()
