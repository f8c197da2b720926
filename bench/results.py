"""What a benchmark produces: typed columns, rows of raw figures, targets met or missed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bench.figures import meets


@dataclass(frozen=True, slots=True)
class Column:
    """One table column: the row key it shows, its header, and how to format it."""

    key: str
    header: str
    kind: str = "text"  # text, int, ratio, ms, rate, us, s, pct, mark


@dataclass(frozen=True, slots=True)
class Check:
    """One target: the figure it judges, the bound, and whether the figure met it."""

    label: str
    value: float | None
    target: str
    passed: bool


def check(
    label: str, value: float | None, threshold: float, *, at_least: bool, unit: str = ""
) -> Check:
    """A target `value ≥ threshold` (at_least) or `value ≤ threshold`."""
    bound = f"{'≥' if at_least else '≤'} {threshold:g}{unit}"
    return Check(label, value, bound, meets(value, threshold, at_least=at_least))


@dataclass
class Outcome:
    """One benchmark's table, targets and notes."""

    number: int
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "number": self.number,
            "title": self.title,
            "seconds": round(self.seconds, 3),
            "columns": [asdict(c) for c in self.columns],
            "rows": self.rows,
            "checks": [asdict(c) for c in self.checks],
            "notes": self.notes,
        }

    @property
    def passed(self) -> int:
        """How many targets were met."""
        return sum(c.passed for c in self.checks)


def missing_keys(outcome: Outcome) -> list[str]:
    """Column keys some row lacks (a row may leave a figure None, but not leave it out)."""
    keys = {c.key for c in outcome.columns}
    return sorted({k for row in outcome.rows for k in keys - set(row)})
