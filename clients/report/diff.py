"""Diff: two saved results side by side, per client and figure, with an honest verdict.

Clients are matched by name. For each figure the values compared are the ones the table
shows (the median run's, or the median over runs); the verdict looks at every run:

* when either side has several runs, the difference is clear only if the min–max ranges of
  the per-run values do not overlap;
* with a single run on each side, a change within `THRESHOLD` (5 %) is no clear difference.

Lower is better for every figure compared, so a clear change reads "faster"/"slower" for
times and "less"/"more" for CPU, memory and failures. Pure: no I/O, no printing.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rich import box
from rich.table import Table
from rich.text import Text

from ..records import RunResult, RunState
from . import units
from .document import grouped_runs
from .summary import count_outcomes, median_run, percentile

THRESHOLD: Final = 0.05
UNCLEAR: Final = "no clear difference"


@dataclass(frozen=True, slots=True)
class Figure:
    """A compared figure: how to read it from one run, its unit, and its verdict words."""

    name: str
    label: str
    unit: str  # "s", "bytes" or "count"
    of_run: Callable[[RunResult], float]
    timed: bool  # True: "faster"/"slower"; False: "less"/"more"


def _latency(q: float) -> Callable[[RunResult], float]:
    def get(run: RunResult) -> float:
        return percentile([a.latency for a in run.attempts], q)  # as the table: every attempt

    return get


FIGURES: Final = (
    Figure("wall", "wall", "s", lambda r: r.usage.time, timed=True),
    Figure("cpu", "cpu", "s", lambda r: r.usage.cpu, timed=False),
    Figure("cpu_per_request", "cpu per request", "s",
           lambda r: r.usage.cpu / max(1, len(r.attempts)), timed=False),
    Figure("mem", "peak RSS growth", "bytes", lambda r: float(r.usage.mem), timed=False),
    Figure("p50", "latency p50", "s", _latency(0.50), timed=True),
    Figure("p99", "latency p99", "s", _latency(0.99), timed=True),
    Figure("failed", "failed zips", "count",
           lambda r: float(count_outcomes(r.attempts).failed), timed=False),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Change:
    """One client's figure in A and in B, the relative change, and the verdict.

    `verdict` is "faster", "slower", "less", "more" or "no clear difference"; for a client
    found on one side only it is "added" or "removed" (`figure` is then empty), and
    "not compared" when one side has no completed run (`note` says why).
    """

    client: str
    figure: str
    a: float | None
    b: float | None
    relative: float | None  # (b − a) / a; None when a is 0 and b is not, or a value is missing
    verdict: str
    unit: str = ""
    note: str = ""

    @property
    def better(self) -> bool | None:
        """True for a clear improvement, False for a clear regression, else None."""
        return {"faster": True, "less": True, "slower": False, "more": False}.get(self.verdict)


def relative_change(a: float, b: float) -> float | None:
    """(b − a) / a: 0.0 when both are 0, None when only a is."""
    if a == 0:
        return 0.0 if b == 0 else None
    return (b - a) / a


def _verdict(figure: Figure, runs_a: Sequence[float], runs_b: Sequence[float]) -> str:
    """The verdict word for per-run values `runs_a` → `runs_b` (lower is better)."""
    a, b = statistics.median(runs_a), statistics.median(runs_b)
    if len(runs_a) > 1 or len(runs_b) > 1:
        overlap = min(runs_a) <= max(runs_b) and min(runs_b) <= max(runs_a)
        if overlap:
            return UNCLEAR
    else:
        change = relative_change(a, b)
        if change is not None and abs(change) <= THRESHOLD:
            return UNCLEAR
    if b < a:
        return "faster" if figure.timed else "less"
    return "slower" if figure.timed else "more"


def _shown(figure: Figure, runs: Sequence[RunResult]) -> float:
    """The value the table shows: the median run's for per-request figures, else the median."""
    if figure.name in ("wall", "cpu", "mem"):
        return statistics.median(figure.of_run(r) for r in runs)
    return figure.of_run(median_run(runs))


def compare_client(
    client: str, runs_a: Sequence[RunResult], runs_b: Sequence[RunResult]
) -> list[Change]:
    """Every figure of one client present on both sides."""
    done_a = [r for r in runs_a if r.state is RunState.OK]
    done_b = [r for r in runs_b if r.state is RunState.OK]
    if not done_a or not done_b:
        side = "A" if not done_a else "B"
        reason = (runs_a if not done_a else runs_b)[0].skipped or "no run"
        return [Change(client, "", None, None, None, "not compared", note=f"{side}: {reason}")]
    changes = []
    for figure in FIGURES:
        values_a = [figure.of_run(r) for r in done_a]
        values_b = [figure.of_run(r) for r in done_b]
        a, b = _shown(figure, done_a), _shown(figure, done_b)
        verdict = _verdict(figure, values_a, values_b)
        changes.append(
            Change(client, figure.name, a, b, relative_change(a, b), verdict, figure.unit)
        )
    return changes


def diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    """Every client's figures from result `a` to result `b`; one-sided clients added/removed."""
    runs_a, runs_b = grouped_runs(a), grouped_runs(b)
    changes: list[Change] = []
    for client, runs in runs_a.items():
        if client in runs_b:
            changes.extend(compare_client(client, runs, runs_b[client]))
        else:
            changes.append(Change(client, "", None, None, None, "removed"))
    changes.extend(
        Change(client, "", None, None, None, "added") for client in runs_b if client not in runs_a
    )
    return changes


def has_regression(changes: Sequence[Change]) -> bool:
    """Whether any figure got clearly worse (for an exit code in CI)."""
    return any(change.better is False for change in changes)


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "bytes":
        return units.size(int(value))
    if unit == "count":
        return f"{value:.0f}"
    return units.seconds(value)


def _relative(change: Change) -> str:
    if change.relative is None:
        return "–" if change.a is None or change.b is None else "from 0"
    return f"{change.relative:+.1%}".replace("-", "−")


VERDICT_STYLES: Final = {True: "green", False: "bold red", None: "dim"}
LABELS: Final = {figure.name: figure.label for figure in FIGURES}


def diff_table(changes: Sequence[Change], title: str) -> Table:
    """The changes as a table: client, figure, A, B, change, verdict (coloured)."""
    table = Table(title=title, box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    for name, justify in (("client", "left"), ("figure", "left"), ("A", "right"),
                          ("B", "right"), ("change", "right"), ("verdict", "left")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    previous = None
    for change in changes:
        style = VERDICT_STYLES[change.better]
        if change.verdict in ("added", "removed", "not compared"):
            style = "yellow"
        verdict = change.verdict + (f" ({change.note})" if change.note else "")
        table.add_row(
            change.client if change.client != previous else "",
            LABELS.get(change.figure, change.figure),
            _value(change.a, change.unit),
            _value(change.b, change.unit),
            _relative(change),
            Text(verdict, style=style),
        )
        previous = change.client
    return table
