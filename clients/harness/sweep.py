"""Running a sweep: the compare flow once per combination against one server, as a
`SweepOutcome`.

`variants` derives one plain scenario per combination (pure), applying each setting where the
sweep table (`sweeps`) says it applies; `sweep` runs each through `compare.execute` and saves
one JSON document, with `[tune]`'s answers (`tuning`) when the scenario asks. Nothing here
prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Protocol

from .. import zipsets
from ..errors import ServerUnavailable
from ..expectations import figures_of
from ..kinds import KINDS
from ..results.document import sweep_document
from ..results.points import Point, points
from ..results.summary import speedups
from ..results.verdicts import Verdict
from ..scenario import Scenario, Workload
from ..sweeps import SWEEP_SETTINGS, Combination, Sweep, SweepSetting, Target, Value
from ..tuning import Answer, answers
from .compare import Observer, Outcome, Quiet, execute, validate, writable
from .servers import held_server
from .store import Store


class SweepObserver(Observer, Protocol):
    """A compare observer that is also told when each combination starts."""

    def value_started(self, combination: Combination) -> None:
        """The runs at `combination` (one swept value, or one point of a grid) begin."""


class QuietSweep(Quiet):
    """A sweep observer that watches nothing."""

    def value_started(self, combination: Combination) -> None:
        """Nothing to do."""


@dataclass
class SweepOutcome:
    """Every combination's outcome, in order; `interrupted` when Ctrl-C or a lost server cut
    it."""

    scenario: Scenario
    outcomes: list[tuple[Combination, Outcome]] = field(default_factory=list)
    interrupted: bool = False
    lost: str | None = None  # the server went away: why
    saved: Path | None = None
    unsaved: str | None = None  # why the result could not be saved

    @property
    def setting(self) -> str:
        """The swept setting's name (a grid's: `timeout × retries`)."""
        return self.scenario.sweep.setting if self.scenario.sweep else "value"

    def points(self) -> list[Point]:
        """Each client's figures at each combination that ran."""
        assert self.scenario.sweep is not None
        found: list[Point] = []
        for index, (combination, outcome) in enumerate(self.outcomes):
            summaries = outcome.summaries()
            ups = speedups(summaries)
            figures = {s.client: figures_of(s, ups.get(s.client)) for s in summaries}
            found += points(position(self.scenario.sweep, combination, index), summaries,
                            len(outcome.scenario.workload.zips), combination.as_dict(),
                            figures)  # fmt: skip
        return found

    def verdicts(self) -> list[tuple[Combination, list[Verdict]]]:
        """Each combination's expectations, checked on its own."""
        return [(combination, outcome.verdicts()) for combination, outcome in self.outcomes]

    def answers(self) -> list[Answer]:
        """`[tune]`'s answer for each client (none without a [tune])."""
        tune = self.scenario.tune
        return [] if tune is None else answers(tune, self.points())

    def document(self, *, partial: bool = False) -> dict[str, Any]:
        """The saved form; `partial` while combinations are still to come."""
        assert self.scenario.sweep is not None
        found = self.points()
        tune = self.scenario.tune
        tuned = None
        if tune is not None:
            tuned = {**tune.to_dict(), "answers": [a.to_dict() for a in answers(tune, found)]}
        variants = [
            {"value": position(self.scenario.sweep, combination, index),
             "combination": combination.as_dict(), "label": combination.label,
             "result": outcome.document()}
            for index, (combination, outcome) in enumerate(self.outcomes)
        ]  # fmt: skip
        return sweep_document(self.scenario.to_dict(), self.scenario.sweep.to_dict(),
                              [asdict(p) for p in found], variants,
                              partial or self.interrupted, tuned)  # fmt: skip

    def exit_code(self) -> int:
        """130 when cut short; 2 when unsaved; 1 for a failed expectation, and for a wrong
        total (with a [tune]: for a client no combination suits instead); else 0."""
        if self.interrupted:
            return 130
        if self.unsaved:
            return 2
        found = self.points()
        if self.scenario.tune is not None:  # a wrong total at some combination is the question
            code = 0 if found and all(a.found for a in self.answers()) else 1
        else:
            code = 0 if found and all(p.correct for p in found) else 1
        failed = any(not v.passed for _, verdicts in self.verdicts() for v in verdicts)
        return max(code, int(failed))


def position(sweep: Sweep, combination: Combination, index: int) -> float:
    """Where a combination sits on a one-setting sweep's axis: its value; a grid's (or a named
    value's): its index."""
    [(_, value), *rest] = combination.pairs
    return float(index) if rest or isinstance(value, str) else float(value)


def variants(scenario: Scenario, sweep: Sweep) -> list[tuple[Combination, Scenario]]:
    """One scenario per combination, otherwise identical to `scenario`."""
    found = []
    for combination in sweep.combinations():
        variant = scenario
        for name, value in combination.pairs:
            setting = SWEEP_SETTINGS[name]
            variant = APPLY[setting.target](variant, setting, value)
        found.append((combination, variant))
    return found


def _clients(scenario: Scenario, setting: SweepSetting, value: Value) -> Scenario:
    """Every client that has the setting takes the value; a kind without it keeps its own."""
    (name,) = setting.key
    changes: dict[str, Any] = {str(name): setting.cast(value)}
    clients = tuple(
        replace(c, **changes) if setting.taken_by(KINDS[c.kind]) else c for c in scenario.clients
    )
    return replace(scenario, clients=clients)


def _zips(scenario: Scenario, setting: SweepSetting, value: Value) -> Scenario:
    """As many zips as the value says, generated from the scenario's seed."""
    count = int(value)
    workload = Workload(
        zipsets.generated(count, scenario.seed), f"count={count}",
        scenario.workload.api, scenario.workload.per_page,
    )  # fmt: skip
    return replace(scenario, workload=workload)


def _speed(scenario: Scenario, setting: SweepSetting, value: Value) -> Scenario:
    """Every delay times the value: the speed divides delays, timeouts and backoffs alike."""
    speed = scenario.speed / float(value)
    return replace(
        scenario, speed=speed, clients=tuple(replace(c, speed=speed) for c in scenario.clients)
    )


def _server(scenario: Scenario, setting: SweepSetting, value: Value) -> Scenario:
    """The value at the setting's key of the server section (tables on the way copied)."""
    return replace(scenario, server=_with_key(scenario.server, setting.key, setting.cast(value)))


def _with_key(table: Any, key: tuple[str | int, ...], value: Value) -> Any:
    """`table` with `value` at `key`: a str steps into a table, an int into a list (the
    scenario's parse made sure the list is there: `scenario._swept_phases`)."""
    head, *rest = key
    changed: Any = list(table) if isinstance(head, int) else dict(table)
    inner = changed[head] if isinstance(head, int) else table.get(head, {})
    changed[head] = _with_key(inner, tuple(rest), value) if rest else value
    return changed


APPLY: Final[dict[Target, Callable[[Scenario, SweepSetting, Value], Scenario]]] = {
    Target.CLIENT: _clients,
    Target.WORKLOAD: _zips,
    Target.SPEED: _speed,
    Target.SERVER: _server,
}


def sweep(
    scenario: Scenario,
    url: str | None,
    results_dir: Path = Path("results"),
    observer: SweepObserver | None = None,
    *,
    wait: bool = True,
) -> SweepOutcome:
    """Run the scenario once per combination against one held server; save after each run."""
    assert scenario.sweep is not None
    writable(results_dir)
    watcher = observer or QuietSweep()
    swept = SweepOutcome(scenario)
    store = Store(results_dir, scenario.name)
    try:
        with held_server(url, scenario.name, wait=wait, on_wait=watcher.server_held,
                         on_chosen=watcher.server_chosen) as (control, embedded):  # fmt: skip
            planned = variants(scenario, scenario.sweep)
            validate(control, [variant for _, variant in planned])  # every value, up front
            for combination, variant in planned:
                watcher.value_started(combination)
                outcome = Outcome(variant)
                swept.outcomes.append((combination, outcome))
                execute(control, outcome, watcher, embedded,
                        lambda: store.save(swept.document(partial=True)))  # fmt: skip
    except KeyboardInterrupt:
        swept.interrupted = True
    except ServerUnavailable as error:
        if not any(outcome.runs for _, outcome in swept.outcomes):
            raise
        swept.interrupted = True  # the server went away: keep, show and save what finished
        swept.lost = str(error)
    if swept.outcomes:
        store.save(swept.document())
        swept.unsaved = store.problem
        swept.saved = store.saved if store.problem is None else None
    return swept
