"""Diff: two saved results side by side, per client and figure, with an honest verdict.

Clients are matched by name. For each figure the values compared are the ones the table
shows (the median run's, or the median over runs); the verdict looks at every run:

* when the min–max ranges of the per-run values overlap, there is no clear difference;
* ranges apart are a change only when noise alone would rarely part them: if nothing
  changed, every order of the a + b runs is as likely as any other, and the ranges are
  apart in 2 of the C(a + b, a) orders. Above `ALPHA` (5 %) the verdict is "cannot tell
  from noise" — always so for one run each — and `caveat` says how many repeats would tell.

`mismatches` warns when the two results ran different scenarios, seeds or workloads.
Lower is better for every figure compared, so a clear change reads "faster"/"slower" for
times and "less"/"more" for CPU, memory and failures. Pure: no I/O, no printing (the table is
`report.diff`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ..records import RunResult, RunState
from .document import grouped_runs
from .series import percentile
from .summary import count_outcomes, median_run

ALPHA: Final = 0.05  # how often noise alone may pass for a change
UNCLEAR: Final = "no clear difference"
UNTOLD: Final = "cannot tell from noise"


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

    `verdict` is "faster", "slower", "less", "more", "no clear difference" or "cannot tell
    from noise" (`caveat` says why); for a client
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
    runs: tuple[int, int] = field(default=(0, 0), compare=False)  # completed runs in A and B

    @property
    def better(self) -> bool | None:
        """True for a clear improvement, False for a clear regression, else None."""
        return {"faster": True, "less": True, "slower": False, "more": False}.get(self.verdict)


def relative_change(a: float, b: float) -> float | None:
    """(b − a) / a: 0.0 when both are 0, None when only a is."""
    if a == 0:
        return 0.0 if b == 0 else None
    return (b - a) / a


def chance_apart(runs_a: int, runs_b: int) -> float:
    """How often noise alone puts the ranges of `runs_a` and `runs_b` runs of one unchanged
    program apart: 2 of the C(a + b, a) equally likely orders (1.0 for one run each)."""
    return 2 / math.comb(runs_a + runs_b, runs_a)


def repeats_to_tell(alpha: float = ALPHA) -> int:
    """The fewest runs per side whose ranges noise alone parts at most `alpha` of the time."""
    runs = 1
    while chance_apart(runs, runs) > alpha:
        runs += 1
    return runs


def _verdict(figure: Figure, runs_a: Sequence[float], runs_b: Sequence[float]) -> str:
    """The verdict word for per-run values `runs_a` → `runs_b` (lower is better)."""
    if min(runs_a) <= max(runs_b) and min(runs_b) <= max(runs_a):
        return UNCLEAR
    if chance_apart(len(runs_a), len(runs_b)) > ALPHA:
        return UNTOLD
    if statistics.median(runs_b) < statistics.median(runs_a):
        return "faster" if figure.timed else "less"
    return "slower" if figure.timed else "more"


def _counts(runs_a: int, runs_b: int) -> str:
    return f"{runs_a} run{'s' if runs_a > 1 else ''} vs {runs_b}"


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
        changes.append(Change(client, figure.name, a, b, relative_change(a, b), verdict,
                              figure.unit, runs=(len(done_a), len(done_b))))  # fmt: skip
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


def caveat(changes: Sequence[Change]) -> str | None:
    """One line when some changes could not be told from noise: why, and what would tell."""
    pairs = sorted({c.runs for c in changes if c.verdict == UNTOLD})
    if not pairs:
        return None
    chances = [f"{_counts(*pair)}: noise alone parts them {chance_apart(*pair):.0%} of the time"
               for pair in pairs]  # fmt: skip
    need = repeats_to_tell()
    return (f"too few runs to tell a change from noise ({'; '.join(chances)}); with repeat = "
            f"{need} on both sides, ranges apart would show a change (noise alone: "
            f"{chance_apart(need, need):.1%})")  # fmt: skip


def mismatches(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """What makes the two results different experiments, one line each: another scenario,
    seed, speed, workload or server section (a client's own settings are what a diff is for)."""
    scenario_a, scenario_b = a.get("scenario") or {}, b.get("scenario") or {}
    name_a, name_b = scenario_a.get("name"), scenario_b.get("name")
    if name_a != name_b:
        found = [f"A ran scenario {name_a!r} and B ran {name_b!r}"]
    else:
        server_a = (scenario_a.get("document") or {}).get("server")
        server_b = (scenario_b.get("document") or {}).get("server")
        parts = [key for key in ("speed", "workload") if scenario_a.get(key) != scenario_b.get(key)]
        parts += ["server"] if server_a != server_b else []
        found = (
            [f"scenario {name_a!r} differs between A and B in {', '.join(parts)}"] if parts else []
        )
    seed_a, seed_b = scenario_a.get("seed"), scenario_b.get("seed")
    if seed_a != seed_b:
        found.append(f"A used seed {seed_a!r} and B seed {seed_b!r} (other latencies, faults)")
    return [f"{line}: a difference may be the experiment's, not the clients'" for line in found]


def has_regression(changes: Sequence[Change]) -> bool:
    """Whether any figure got clearly worse (for an exit code in CI)."""
    return any(change.better is False for change in changes)
