"""The settings a sweep may vary, in one typed table: the scenario validates a sweep against
it, the harness applies each value through it, the report scales and labels its axis by it.

A setting says where it applies (a setting of every client that has it, the workload's zip
count, the speed, or a key of the server section), the range its values may take (a client
table's and `run`'s too), whether they are whole numbers, its axis (log for counts, linear for
rates and scales), and the value that means "no limit" (drawn as ∞). Imports nothing of the
package but the kinds table, the jitter names, the zip sets and the one validator.

A sweep varies one setting (`setting`, `values`) or a grid of up to three (`grid = { timeout =
[...], retries = [...] }`, every combination); `parse_sweep` validates either in one place, and
each combination is a `Combination` of (setting, value) pairs, named as a person reads it
(`timeout 0.3 s, retries 2`).
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from .kinds import KINDS, Kind
from .policy import JITTERS
from .records import ClientSettings
from .validate import Checker, guess
from .zipsets import MAX_ZIPS

Value: TypeAlias = float | str  # a number, or one of a setting's named choices (jitter)


class Target(enum.Enum):
    """Where a swept value goes."""

    CLIENT = "client"  # a field of every client's settings (a kind without it keeps its own)
    WORKLOAD = "workload"  # the number of zips, generated from the seed
    SPEED = "speed"  # divides every delay, timeout and backoff
    SERVER = "server"  # a key of the server section


class Axis(enum.Enum):
    """How a sweep's plot spaces the values."""

    LOG = "log"
    LINEAR = "linear"


MAX_RETRIES: Final = 10_000  # "until it succeeds": a run's time limit bounds it in time
MAX_VALUES: Final = 50  # values of one setting
MAX_GRID: Final = 3  # settings in a grid
MAX_COMBINATIONS: Final = 200  # a grid's combinations: each is a whole compare
SPEED: Final = (1e-3, 1e3)  # the speeds a scenario may run at, a swept latency_scale's too


def _every(kind: Kind) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class SweepSetting:
    """One setting a sweep may vary: where it applies, its range, and how it is drawn."""

    name: str
    target: Target
    low: float  # the smallest value allowed (an int for a whole setting)
    high: float
    key: tuple[str | int, ...] = ()  # CLIENT: the field; SERVER: the path (an int: a list's)
    whole: bool = False  # swept in whole numbers
    axis: Axis = Axis.LINEAR
    unlimited: float | None = None  # the value that means "no limit", drawn as ∞
    above_low: str = ""  # why a value must be above `low` itself, when it must
    taken_by: Callable[[Kind], bool] = _every  # CLIENT: which kinds have the setting
    unit: str = ""  # "s" for a time: how a combination's name shows it
    choices: tuple[str, ...] = ()  # a setting of named values (jitter): these, not numbers

    def cast(self, value: Value) -> Value:
        """`value` as the setting takes it: an int for a whole setting."""
        return int(value) if self.whole and not isinstance(value, str) else value

    def is_unlimited(self, value: float) -> bool:
        """Whether `value` means "no limit" (concurrency 0)."""
        return self.unlimited is not None and value == self.unlimited


SWEEP_SETTINGS: Final[dict[str, SweepSetting]] = {
    setting.name: setting
    for setting in (
        SweepSetting("concurrency", Target.CLIENT, 0, 100_000, ("concurrency",), whole=True,
                     axis=Axis.LOG, unlimited=0, taken_by=lambda kind: kind.takes_limit),
        SweepSetting("timeout", Target.CLIENT, 0.0, 3600.0, ("timeout",), axis=Axis.LOG,
                     above_low="a timeout must be > 0 seconds", unit="s"),
        SweepSetting("retries", Target.CLIENT, 0, MAX_RETRIES, ("retries",), whole=True,
                     taken_by=lambda kind: kind.retries),
        SweepSetting("backoff", Target.CLIENT, 0.0, 600.0, ("backoff",),
                     taken_by=lambda kind: kind.retries, unit="s"),
        SweepSetting("backoff_max", Target.CLIENT, 0.0, 3600.0, ("backoff_max",),
                     taken_by=lambda kind: kind.retries, unit="s"),
        SweepSetting("jitter", Target.CLIENT, 0, 0, ("jitter",), choices=JITTERS,
                     taken_by=lambda kind: kind.policies),
        SweepSetting("hedge", Target.CLIENT, 0.0, 3600.0, ("hedge",),
                     taken_by=lambda kind: kind.policies, unit="s"),
        SweepSetting("budget_ratio", Target.CLIENT, 0.0, 10.0, ("budget_ratio",),
                     taken_by=lambda kind: kind.policies),
        SweepSetting("budget_min_per_s", Target.CLIENT, 0.0, 10_000.0, ("budget_min_per_s",),
                     taken_by=lambda kind: kind.policies),
        SweepSetting("zips", Target.WORKLOAD, 1, MAX_ZIPS, whole=True, axis=Axis.LOG),
        SweepSetting("latency_scale", Target.SPEED, 1e-6, 1e6),
        SweepSetting("error_rate", Target.SERVER, 0.0, 1.0, ("faults", "error_500")),
        # the last server phase's workers and length: a dip's depth and duration (issue 22's
        # metastability map); the scenario must have [[server.phases]]
        SweepSetting("dip_workers", Target.SERVER, 1, 1_000_000,
                     ("phases", -1, "capacity", "workers"), whole=True),
        SweepSetting("dip_for", Target.SERVER, 1e-6, 86_400.0, ("phases", -1, "for"),
                     unit="s"),
    )
}  # fmt: skip


def axis_of(name: str) -> Axis:
    """The axis of the setting named so; linear for a name no sweep has (a hand-edited file)."""
    setting = SWEEP_SETTINGS.get(name)
    return setting.axis if setting is not None else Axis.LINEAR


def is_unlimited(name: str, value: Value) -> bool:
    """Whether `value` of the setting named so means "no limit" (concurrency 0)."""
    setting = SWEEP_SETTINGS.get(name)
    return setting is not None and not isinstance(value, str) and setting.is_unlimited(value)


def label_of(name: str, value: Value) -> str:
    """How an axis and a heading show `value` of the setting named so: `∞`, `10`, `0.05`."""
    if isinstance(value, str):
        return value
    return "∞" if is_unlimited(name, value) else f"{value:g}"


def phrase_of(name: str, value: Value) -> str:
    """A setting and its value as a sentence names them: `timeout 0.3 s`, `jitter full`."""
    setting = SWEEP_SETTINGS.get(name)
    unit = f" {setting.unit}" if setting is not None and setting.unit else ""
    label = label_of(name, value)
    return f"{name} {label}{unit if label != '∞' else ''}"


def variant_name(
    setting: str, variant: Mapping[str, Any], equals: str = " = ", *, raw: bool = False
) -> str:
    """What a saved sweep's variant is called: `zips = 2` for one numeric setting (`raw`: the
    number as is, 0 not ∞), else its combination's label (`timeout 0.3 s, retries 2`)."""
    combination = variant.get("combination") or {}
    if len(combination) > 1 or any(isinstance(v, str) for v in combination.values()):
        return str(variant.get("label") or Combination.from_dict(combination).label)
    value = float(variant["value"])
    return f"{setting}{equals}{f'{value:g}' if raw else label_of(setting, value)}"


@dataclass(frozen=True, slots=True)
class Combination:
    """One point of a sweep: a value for each swept setting, in the sweep's order."""

    pairs: tuple[tuple[str, Value], ...]

    @property
    def label(self) -> str:
        """`timeout 0.3 s, retries 2`."""
        return ", ".join(phrase_of(name, value) for name, value in self.pairs)

    def as_dict(self) -> dict[str, Value]:
        """JSON-ready: setting → value."""
        return dict(self.pairs)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Combination:
        """The inverse of `as_dict` (a saved result's)."""
        return cls(tuple((str(k), v if isinstance(v, str) else float(v)) for k, v in raw.items()))


@dataclass(frozen=True, slots=True)
class Sweep:
    """Which settings to vary (names in SWEEP_SETTINGS), each over which values: one setting,
    or a grid whose every combination runs."""

    axes: tuple[tuple[str, tuple[Value, ...]], ...]
    grid: bool = False  # given as `grid = {...}` (else `setting`, `values`)

    @classmethod
    def one(cls, setting: str, values: tuple[Value, ...]) -> Sweep:
        """A sweep of one setting."""
        return cls(((setting, values),))

    @property
    def settings(self) -> tuple[str, ...]:
        """The swept settings' names, in order."""
        return tuple(name for name, _ in self.axes)

    @property
    def setting(self) -> str:
        """The swept setting's name; a grid's names joined: `timeout × retries`."""
        return " × ".join(self.settings)

    @property
    def values(self) -> tuple[Value, ...]:
        """The first setting's values (a one-setting sweep's values)."""
        return self.axes[0][1]

    def combinations(self) -> list[Combination]:
        """Every combination, the last setting changing fastest."""
        names = self.settings
        product = itertools.product(*(values for _, values in self.axes))
        return [Combination(tuple(zip(names, values, strict=True))) for values in product]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as a sweep's result saves it."""
        found: dict[str, Any] = {"setting": self.setting, "values": list(self.values)}
        if self.grid or len(self.axes) > 1:
            found["grid"] = {name: list(values) for name, values in self.axes}
        return found


def parse_sweep(check: Checker, value: Any, speed: float) -> Sweep:
    """The `[sweep]` table, `setting` and `values` or a `grid`, validated against the table."""
    table = check.table(value, "sweep")
    check.keys(table, "sweep", ("setting", "values", "grid"))
    if "grid" in table:
        if "setting" in table or "values" in table:
            raise check.fail("sweep.grid", "give either grid or setting and values, not both")
        grid = check.table(table["grid"], "sweep.grid")
        if not 1 <= len(grid) <= MAX_GRID:
            raise check.fail("sweep.grid", f"must name 1 to {MAX_GRID} settings, got {len(grid)}")
        axes = tuple(
            (_name(check, name, f"sweep.grid.{name}", speed),
             _values(check, values, f"sweep.grid.{name}", name, speed))
            for name, values in grid.items()
        )  # fmt: skip
        found = Sweep(axes, grid=True)
        count = math.prod(len(values) for _, values in axes)
        if count > MAX_COMBINATIONS:
            raise check.fail("sweep.grid", f"makes {count} combinations; at most "
                             f"{MAX_COMBINATIONS} (each is a whole compare)")  # fmt: skip
        return found
    name = _name(check, table.get("setting"), "sweep.setting", speed)
    return Sweep.one(name, _values(check, table.get("values"), "sweep.values", name, speed))


def check_takers(check: Checker, sweep: Sweep, clients: Sequence[ClientSettings]) -> None:
    """Refuse a swept client setting no client takes (it would change nothing), and a swept
    budget floor with no retry budget to apply it to."""
    for name in sweep.settings:
        setting = SWEEP_SETTINGS[name]
        key = f"sweep.grid.{name}" if sweep.grid else "sweep.setting"
        if setting.target is Target.CLIENT and not any(
            setting.taken_by(KINDS[c.kind]) for c in clients
        ):
            kinds = ", ".join(dict.fromkeys(c.kind for c in clients))
            raise check.fail(key, f"no client here takes {name} (kinds: {kinds}): the sweep "
                             "would change nothing")  # fmt: skip
    budgeted = any(c.budget_ratio is not None for c in clients)
    if (
        "budget_min_per_s" in sweep.settings
        and not budgeted
        and "budget_ratio" not in sweep.settings
    ):
        key = "sweep.grid.budget_min_per_s" if sweep.grid else "sweep.setting"
        raise check.fail(key, "no client has a retry_budget to take it: give one "
                         "retry_budget = { ratio = 0.1 }, or sweep budget_ratio too")  # fmt: skip


def _name(check: Checker, name: Any, key: str, speed: float) -> str:
    if not isinstance(name, str) or name not in SWEEP_SETTINGS:
        valid = ", ".join(SWEEP_SETTINGS)
        hint = guess(name, tuple(SWEEP_SETTINGS)) if isinstance(name, str) else ""
        raise check.fail(key, f"must be one of {valid}, got {name!r}{hint}")
    return name


def _values(check: Checker, values: Any, key: str, name: str, speed: float) -> tuple[Value, ...]:
    """A setting's values: 1 to MAX_VALUES, each once, each one the setting may take."""
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES:
        raise check.fail(key, f"must be a list of 1 to {MAX_VALUES} "
                         f"{'names' if SWEEP_SETTINGS[name].choices else 'numbers'}")  # fmt: skip
    found = tuple(_value(check, value, key, name, speed) for value in values)
    if len(set(found)) != len(found):
        raise check.fail(key, "each value may appear once")
    return found


def _value(check: Checker, value: Any, key: str, name: str, speed: float) -> Value:
    setting = SWEEP_SETTINGS[name]
    if setting.choices:
        if not isinstance(value, str) or value not in setting.choices:
            hint = guess(value, setting.choices) if isinstance(value, str) else ""
            raise check.fail(key, f"{value!r} is not one of {', '.join(setting.choices)}{hint}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise check.fail(key, f"{value!r} is not a number")
    if not setting.low <= value <= setting.high:
        bounds = f"{setting.low:g} to {setting.high:g}"
        raise check.fail(key, f"{value!r} is out of range for {name} ({bounds})")
    if setting.whole and value != int(value):
        raise check.fail(key, f"{value!r}: {name} takes whole numbers")
    if setting.above_low and value <= setting.low:
        raise check.fail(key, f"{value!r}: {setting.above_low}")
    if setting.target is Target.SPEED and not SPEED[0] <= speed / value <= SPEED[1]:
        raise check.fail(key, f"{value!r} would make the speed {speed / value:g}; speed ÷ "
                         f"{name} must stay within {SPEED[0]:g} to {SPEED[1]:g}")  # fmt: skip
    return float(value)
