"""Running a sweep: the compare flow once per value against one server, as a `SweepOutcome`.

`variants` derives one plain scenario per value (pure), applying it where the sweep table
(`sweeps`) says the setting applies; `sweep` runs each through `compare.execute` and saves one
JSON document. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Protocol

from .. import zipsets
from ..errors import ServerUnavailable
from ..kinds import KINDS
from ..results.document import sweep_document
from ..results.points import Point, points
from ..results.verdicts import Verdict
from ..scenario import Scenario, Sweep, Workload
from ..sweeps import SWEEP_SETTINGS, SweepSetting, Target
from .compare import Observer, Outcome, Quiet, execute, validate, writable
from .servers import held_server
from .store import Store


class SweepObserver(Observer, Protocol):
    """A compare observer that is also told when each swept value starts."""

    def value_started(self, setting: str, value: float) -> None:
        """The runs at `setting = value` begin."""


class QuietSweep(Quiet):
    """A sweep observer that watches nothing."""

    def value_started(self, setting: str, value: float) -> None:
        """Nothing to do."""


@dataclass
class SweepOutcome:
    """Every value's outcome, in order; `interrupted` when Ctrl-C or a lost server cut it."""

    scenario: Scenario
    outcomes: list[tuple[float, Outcome]] = field(default_factory=list)
    interrupted: bool = False
    lost: str | None = None  # the server went away: why
    saved: Path | None = None
    unsaved: str | None = None  # why the result could not be saved

    @property
    def setting(self) -> str:
        """The swept setting's name."""
        return self.scenario.sweep.setting if self.scenario.sweep else "value"

    def points(self) -> list[Point]:
        """Each client's wall, throughput and p99 at each value that ran."""
        found: list[Point] = []
        for value, outcome in self.outcomes:
            found += points(value, outcome.summaries(), len(outcome.scenario.workload.zips))
        return found

    def verdicts(self) -> list[tuple[float, list[Verdict]]]:
        """Each value's expectations, checked on its own."""
        return [(value, outcome.verdicts()) for value, outcome in self.outcomes]

    def document(self, *, partial: bool = False) -> dict[str, Any]:
        """The saved form; `partial` while values are still to come."""
        assert self.scenario.sweep is not None
        return sweep_document(
            self.scenario.to_dict(),
            self.scenario.sweep.to_dict(),
            [asdict(p) for p in self.points()],
            [(value, outcome.document()) for value, outcome in self.outcomes],
            partial or self.interrupted,
        )

    def exit_code(self) -> int:
        """130 when cut short; 2 when unsaved; 1 for a wrong total or a failed expectation;
        else 0."""
        if self.interrupted:
            return 130
        if self.unsaved:
            return 2
        found = self.points()
        code = 0 if found and all(p.correct for p in found) else 1
        failed = any(not v.passed for _, verdicts in self.verdicts() for v in verdicts)
        return max(code, int(failed))


def variants(scenario: Scenario, sweep: Sweep) -> list[tuple[float, Scenario]]:
    """One scenario per swept value, otherwise identical to `scenario`."""
    setting = SWEEP_SETTINGS[sweep.setting]
    return [(value, APPLY[setting.target](scenario, setting, value)) for value in sweep.values]


def _clients(scenario: Scenario, setting: SweepSetting, value: float) -> Scenario:
    """Every client that has the setting takes the value; a kind without it keeps its own."""
    (name,) = setting.key
    changes: dict[str, Any] = {name: setting.cast(value)}
    clients = tuple(
        replace(c, **changes) if setting.taken_by(KINDS[c.kind]) else c for c in scenario.clients
    )
    return replace(scenario, clients=clients)


def _zips(scenario: Scenario, setting: SweepSetting, value: float) -> Scenario:
    """As many zips as the value says, generated from the scenario's seed."""
    count = int(value)
    workload = Workload(
        zipsets.generated(count, scenario.seed), f"count={count}",
        scenario.workload.api, scenario.workload.per_page,
    )  # fmt: skip
    return replace(scenario, workload=workload)


def _speed(scenario: Scenario, setting: SweepSetting, value: float) -> Scenario:
    """Every delay times the value: the speed divides delays, timeouts and backoffs alike."""
    speed = scenario.speed / value
    return replace(
        scenario, speed=speed, clients=tuple(replace(c, speed=speed) for c in scenario.clients)
    )


def _server(scenario: Scenario, setting: SweepSetting, value: float) -> Scenario:
    """The value at the setting's key of the server section (tables on the way copied)."""
    return replace(scenario, server=_with_key(scenario.server, setting.key, value))


def _with_key(table: Mapping[str, Any], key: tuple[str, ...], value: float) -> dict[str, Any]:
    head, *rest = key
    changed = dict(table)
    changed[head] = _with_key(table.get(head, {}), tuple(rest), value) if rest else value
    return changed


APPLY: Final[dict[Target, Callable[[Scenario, SweepSetting, float], Scenario]]] = {
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
    """Run the scenario once per swept value against one held server; save after each run."""
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
            for value, variant in planned:
                watcher.value_started(scenario.sweep.setting, value)
                outcome = Outcome(variant)
                swept.outcomes.append((value, outcome))
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
