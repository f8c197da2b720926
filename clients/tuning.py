"""`[tune]`: which of a sweep's combinations is best for each client, and how sure that is.

    [tune]
    require = [{ figure = "failed", max = 0 }]   # the [[expect]] grammar; client = "*" unless named
    minimize = "p99"                              # any figure (or maximize = "throughput")
    then = "amplification"                        # optional: breaks ties, minimized

`parse_tune` validates the table in the one validator's terms; `answers` picks, per client,
from the sweep's saved per-combination figures (`results.points.Point.figures`): the
combinations that meet every requirement, ranked by the objective, then the tie-breaker, then
the order they ran in; the best, the runner-up, and how many met. When none meets, the
combination that came closest (fewest requirements missed, then the smallest shortfall) and
the requirement it missed by the least. Pure: figures in, answers out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .expectations import EVERY, FIGURES, Bound, Expectation, Faster, Relative, parse_expectations
from .results.points import Point
from .sweeps import Combination
from .validate import Checker, guess

TUNE_KEYS: Final = ("require", "minimize", "maximize", "then")
Figures = Mapping[str, float | None]


@dataclass(frozen=True, slots=True)
class Tune:
    """What "best" means: requirements every pick meets, the figure to optimize, a tie-breaker."""

    require: tuple[Expectation, ...]
    objective: str  # a figure's name
    maximize: bool = False  # True: the largest objective wins (throughput, speedup)
    then: str | None = None  # a figure minimized among equal objectives

    @property
    def required(self) -> str:
        """The requirements in words: `failed ≤ 0 and p99 ≤ 500 ms`."""
        return " and ".join(requirement_text(r) for r in self.require) or "no requirement"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as the sweep's result saves it."""
        return {"require": [requirement_text(r) for r in self.require],
                "minimize" if not self.maximize else "maximize": self.objective,
                "then": self.then}  # fmt: skip


def parse_tune(raw: Any, clients: Sequence[str], path: str) -> Tune:
    """Validate a `[tune]` table against the scenario's clients; a one-line error naming the key."""
    check = Checker(path)
    table = check.table(raw, "tune")
    check.keys(table, "tune", TUNE_KEYS)
    if ("minimize" in table) == ("maximize" in table):
        raise check.fail("tune.minimize", 'give one of minimize = "p99" or maximize = '
                         '"throughput" (any figure)')  # fmt: skip
    key = "tune.minimize" if "minimize" in table else "tune.maximize"
    objective = _figure(check, table.get("minimize", table.get("maximize")), key)
    then = None if "then" not in table else _figure(check, table["then"], "tune.then")
    require = table.get("require", [])
    if not isinstance(require, list):
        raise check.fail("tune.require", f"must be a list of tables in the [[expect]] grammar, "
                         f"e.g. [{{ figure = \"failed\", max = 0 }}], got {require!r}")  # fmt: skip
    items = [
        {"client": EVERY, **item} if isinstance(item, Mapping) and "figure" in item else item
        for item in require
    ]
    expectations = parse_expectations(items, clients, path, "tune.require")
    return Tune(expectations, objective, "maximize" in table, then)


def _figure(check: Checker, value: Any, key: str) -> str:
    if not isinstance(value, str) or value not in FIGURES:
        hint = guess(value, tuple(FIGURES)) if isinstance(value, str) else ""
        raise check.fail(key, f"unknown figure {value!r}{hint}; figures: {', '.join(FIGURES)}")
    return value


def requirement_text(requirement: Expectation) -> str:
    """One requirement as the answer names it: `failed ≤ 0`, `p99 ≤ 2× blocking's`."""
    if isinstance(requirement, Faster):
        factor = "" if requirement.by == 1 else f" at least {requirement.by:g}×"
        return f"{requirement.client} faster{factor} than {requirement.than}"
    whose = "" if requirement.client == EVERY else f" of {requirement.client}"
    if isinstance(requirement, Bound):
        figure = FIGURES[requirement.figure]
        bounds = [f"≥ {figure.format(requirement.min)}"] if requirement.min is not None else []
        bounds += [f"≤ {figure.format(requirement.max)}"] if requirement.max is not None else []
        return f"{requirement.figure}{whose} {' and '.join(bounds)}"
    bounds = [f"≥ {requirement.at_least:g}×"] if requirement.at_least is not None else []
    bounds += [f"≤ {requirement.at_most:g}×"] if requirement.at_most is not None else []
    return f"{requirement.figure}{whose} {' and '.join(bounds)} {requirement.of}'s"


@dataclass(frozen=True, slots=True)
class Check:
    """One requirement at one combination for one client: met or missed, and by how much."""

    text: str
    passed: bool
    value: float | None
    shortfall: float  # 0 when met; how far off, relative to the bound (inf: not measured)


def _miss(value: float, bound: float, above: bool) -> float:
    """How far `value` is past `bound` (above it when `above`), relative to the bound."""
    past = value - bound if above else bound - value
    return max(0.0, past) / abs(bound) if bound else max(0.0, past)


def _bounded(text: str, value: float | None, low: float | None, high: float | None) -> Check:
    if value is None:
        return Check(text, False, None, math.inf)
    shortfall = (0.0 if high is None else _miss(value, high, True)) + (
        0.0 if low is None else _miss(value, low, False)
    )
    passed = (high is None or value <= high) and (low is None or value >= low)
    return Check(text, passed, value, shortfall)


def check(requirement: Expectation, client: str, rows: Mapping[str, Figures]) -> Check | None:
    """`requirement` for `client` at one combination (`rows`: each client's figures there);
    None when it is not about this client."""
    text = requirement_text(requirement)
    mine = rows.get(client, {})
    if isinstance(requirement, Faster):
        if requirement.client != client:
            return None
        fast, slow = mine.get("wall"), rows.get(requirement.than, {}).get("wall")
        ratio = None if fast is None or slow is None else slow / fast if fast > 0 else math.inf
        return _bounded(text, ratio, requirement.by if requirement.by > 1 else 1.0, None)
    if requirement.client not in (EVERY, client):
        return None
    value = mine.get(requirement.figure)
    if isinstance(requirement, Bound):
        return _bounded(text, value, requirement.min, requirement.max)
    if requirement.of == client:
        return None
    other = rows.get(requirement.of, {}).get(requirement.figure)
    if other is None or value is None:
        return Check(text, False, value, math.inf)
    low = None if requirement.at_least is None else requirement.at_least * other
    high = None if requirement.at_most is None else requirement.at_most * other
    return _bounded(text, value, low, high)


@dataclass(frozen=True, slots=True)
class Pick:
    """One combination for one client: its figures and what its requirements said."""

    combination: Combination
    index: int  # the order it ran in
    value: float  # where its points sit (`Point.value`): the swept value, or the index
    figures: Figures
    checks: tuple[Check, ...]

    @property
    def meets(self) -> bool:
        """Whether it ran and met every requirement."""
        return bool(self.figures) and all(c.passed for c in self.checks)

    @property
    def missed(self) -> list[Check]:
        """The requirements it missed, the nearest first."""
        return sorted((c for c in self.checks if not c.passed), key=lambda c: c.shortfall)


@dataclass(frozen=True, slots=True)
class Answer:
    """One client's answer: the best combination, the runner-up, how many met; or the closest."""

    client: str
    tune: Tune
    best: Pick | None
    runner_up: Pick | None
    met: int
    total: int
    closest: Pick | None = None  # when none met: the one that came nearest
    meeting: tuple[int, ...] = ()  # the indices of every combination that met them

    @property
    def found(self) -> bool:
        """Whether some combination met every requirement."""
        return self.best is not None

    def sentence(self) -> str:
        """The answer in one sentence, as the terminal prints it."""
        count = (f"({self.met} of {self.total} combinations meet {self.tune.required})"
                 if self.tune.require else f"({self.met} of {self.total} combinations ran; "
                 "no requirement)")  # fmt: skip
        if self.best is not None:
            runner = ""
            if self.runner_up is not None:
                runner = (f"; runner-up {self.runner_up.combination.label} at "
                          f"{phrase(self.tune.objective, self.runner_up.figures)}"
                          f"{self._margin()}")  # fmt: skip
            return (f"best for {self.client}: {self.best.combination.label} — "
                    f"{self._figures(self.best)}{runner} {count}")  # fmt: skip
        if self.closest is None:
            return f"no combination ran for {self.client} {count}"
        nearest = self.closest.missed[0]
        value = "not measured" if nearest.value is None else _value(nearest, self.tune)
        return (f"no combination for {self.client} meets {self.tune.required}: closest "
                f"{self.closest.combination.label}, which missed {nearest.text} with "
                f"{value} {count}")  # fmt: skip

    def _margin(self) -> str:
        """How close the runner-up came: the same objective (then the tie-breaker decided), or
        within 2 % of it — as good, by this measure, as a second run could show."""
        assert self.best is not None and self.runner_up is not None
        name = self.tune.objective
        best, runner = self.best.figures.get(name), self.runner_up.figures.get(name)
        if best is None or runner is None:
            return ""
        if FIGURES[name].format(best) == FIGURES[name].format(runner):
            return f" too, behind on {self.tune.then}" if self.tune.then else " too"
        gap = abs(runner - best) / abs(best) if best else math.inf
        return f", within {max(1, round(gap * 100))} %" if gap <= 0.02 else ""

    def _figures(self, pick: Pick) -> str:
        names = [self.tune.objective]
        names += [r.figure for r in self.tune.require if isinstance(r, Bound | Relative)]
        names += [*([self.tune.then] if self.tune.then else []), "amplification"]
        return ", ".join(phrase(name, pick.figures) for name in dict.fromkeys(names))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as the sweep's result saves it."""

        def pick(found: Pick | None) -> dict[str, Any] | None:
            if found is None:
                return None
            return {"combination": found.combination.as_dict(), "label": found.combination.label,
                    "index": found.index, "figures": dict(found.figures),
                    "missed": [c.text for c in found.missed]}  # fmt: skip

        return {"client": self.client, "found": self.found, "sentence": self.sentence(),
                "best": pick(self.best), "runner_up": pick(self.runner_up),
                "met": self.met, "combinations": self.total,
                "closest": pick(self.closest), "meeting": list(self.meeting)}  # fmt: skip


def _value(nearest: Check, tune: Tune) -> str:
    figure = next((r.figure for r in tune.require if requirement_text(r) == nearest.text
                   and isinstance(r, Bound | Relative)), None)  # fmt: skip
    if figure is None or nearest.value is None:
        return f"{nearest.value:.3g}×" if nearest.value is not None else "–"
    return FIGURES[figure].format(nearest.value)


def phrase(name: str, figures: Figures) -> str:
    """A figure as a sentence says it: `p99 412 ms`, `0 failed`, `1.08 attempts a zip`."""
    value = figures.get(name)
    if name == "amplification":
        return "– attempts a zip" if value is None else f"{value:.2f} attempts a zip"
    figure = FIGURES[name]
    if figure.unit == "count":
        return f"{figure.format(value)} {name}"
    return f"{name} {figure.format(value)}"


def _rank(tune: Tune, pick: Pick) -> tuple[float, float, int]:
    def number(name: str | None, sign: float = 1.0) -> float:
        value = None if name is None else pick.figures.get(name)
        return math.inf if value is None else sign * value

    objective = number(tune.objective, -1.0 if tune.maximize else 1.0)
    return objective, number(tune.then) if tune.then else 0.0, pick.index


Row = tuple[Combination, float, Mapping[str, Figures]]  # a combination, its value, figures


def answer(tune: Tune, client: str, rows: Sequence[Row]) -> Answer:
    """One client's answer from each combination's figures (`rows`, in the order they ran)."""
    picks = [
        Pick(combination, index, value, figures.get(client, {}),
             tuple(c for r in tune.require if (c := check(r, client, figures)) is not None))
        for index, (combination, value, figures) in enumerate(rows)
    ]  # fmt: skip
    met = sorted((p for p in picks if p.meets), key=lambda p: _rank(tune, p))
    if met:
        meeting = tuple(sorted(p.index for p in met))
        return Answer(client, tune, met[0], met[1] if len(met) > 1 else None, len(met),
                      len(picks), meeting=meeting)  # fmt: skip
    ran = [p for p in picks if p.figures]
    closest = min(ran, default=None, key=lambda p: (
        len(p.missed), sum(c.shortfall for c in p.missed), _rank(tune, p)))  # fmt: skip
    return Answer(client, tune, None, None, 0, len(picks), closest)


def answers(tune: Tune, found: Sequence[Point]) -> list[Answer]:
    """Every client's answer from a sweep's points (each with its combination and figures)."""
    combos: dict[tuple[tuple[str, Any], ...], tuple[float, dict[str, Figures]]] = {}
    for point in found:
        key = tuple(point.combination.items())
        combos.setdefault(key, (point.value, {}))[1][point.client] = point.figures
    rows = [(Combination(key), value, figures) for key, (value, figures) in combos.items()]
    clients = list(dict.fromkeys(p.client for p in found))
    return [answer(tune, client, rows) for client in clients]
