"""The settings a sweep may vary, in one typed table: the scenario validates a sweep against
it, the harness applies each value through it, the report scales and labels its axis by it.

A setting says where it applies (a setting of every client that has it, the workload's zip
count, the speed, or a key of the server section), the range its values may take (a client
table's and `run`'s too), whether they are whole numbers, its axis (log for counts, linear for
rates and scales), and the value that means "no limit" (drawn as ∞). Imports nothing of the
package but the kinds table and the zip sets.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .kinds import Kind
from .zipsets import MAX_ZIPS


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


def _every(kind: Kind) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class SweepSetting:
    """One setting a sweep may vary: where it applies, its range, and how it is drawn."""

    name: str
    target: Target
    low: float  # the smallest value allowed (an int for a whole setting)
    high: float
    key: tuple[str, ...] = ()  # CLIENT: the settings field; SERVER: the path in the section
    whole: bool = False  # swept in whole numbers
    axis: Axis = Axis.LINEAR
    unlimited: float | None = None  # the value that means "no limit", drawn as ∞
    above_low: str = ""  # why a value must be above `low` itself, when it must
    taken_by: Callable[[Kind], bool] = _every  # CLIENT: which kinds have the setting

    def cast(self, value: float) -> float:
        """`value` as the setting takes it: an int for a whole setting."""
        return int(value) if self.whole else value

    def is_unlimited(self, value: float) -> bool:
        """Whether `value` means "no limit" (concurrency 0)."""
        return self.unlimited is not None and value == self.unlimited


SWEEP_SETTINGS: Final[dict[str, SweepSetting]] = {
    setting.name: setting
    for setting in (
        SweepSetting("concurrency", Target.CLIENT, 0, 100_000, ("concurrency",), whole=True,
                     axis=Axis.LOG, unlimited=0, taken_by=lambda kind: kind.takes_limit),
        SweepSetting("timeout", Target.CLIENT, 0.0, 3600.0, ("timeout",),
                     above_low="a timeout must be > 0 seconds"),
        SweepSetting("retries", Target.CLIENT, 0, MAX_RETRIES, ("retries",), whole=True,
                     taken_by=lambda kind: kind.retries),
        SweepSetting("backoff", Target.CLIENT, 0.0, 600.0, ("backoff",),
                     taken_by=lambda kind: kind.retries),
        SweepSetting("backoff_max", Target.CLIENT, 0.0, 3600.0, ("backoff_max",),
                     taken_by=lambda kind: kind.retries),
        SweepSetting("hedge", Target.CLIENT, 0.0, 3600.0, ("hedge",),
                     taken_by=lambda kind: kind.policies),
        SweepSetting("budget_ratio", Target.CLIENT, 0.0, 10.0, ("budget_ratio",),
                     taken_by=lambda kind: kind.policies),
        SweepSetting("budget_min_per_s", Target.CLIENT, 0.0, 10_000.0, ("budget_min_per_s",),
                     taken_by=lambda kind: kind.policies),
        SweepSetting("zips", Target.WORKLOAD, 1, MAX_ZIPS, whole=True, axis=Axis.LOG),
        SweepSetting("latency_scale", Target.SPEED, 1e-6, 1e6),
        SweepSetting("error_rate", Target.SERVER, 0.0, 1.0, ("faults", "error_500")),
    )
}  # fmt: skip


def axis_of(name: str) -> Axis:
    """The axis of the setting named so; linear for a name no sweep has (a hand-edited file)."""
    setting = SWEEP_SETTINGS.get(name)
    return setting.axis if setting is not None else Axis.LINEAR


def is_unlimited(name: str, value: float) -> bool:
    """Whether `value` of the setting named so means "no limit" (concurrency 0)."""
    setting = SWEEP_SETTINGS.get(name)
    return setting is not None and setting.is_unlimited(value)


def label_of(name: str, value: float) -> str:
    """How an axis and a heading show `value` of the setting named so: `∞`, `10`, `0.05`."""
    return "∞" if is_unlimited(name, value) else f"{value:g}"
