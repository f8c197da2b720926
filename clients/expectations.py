"""Expectations: what a scenario says its run should show, checked after the run.

A scenario file states them as `[[expect]]` tables, in three forms:

    [[expect]]                        # a client's wall time against another's
    faster = "asyncio"                # this client ...
    than = "blocking"                 # ... is faster than this one ...
    by = 5                            # ... at least 5× (optional; default: simply faster)

    [[expect]]                        # a figure within bounds
    client = "asyncio"                # a client's name, or "*" for every client that ran
    figure = "p99"                    # a name from FIGURES
    max = 0.3                         # and/or min = ...; in the figure's unit (s, bytes, ...)

    [[expect]]                        # a figure against another client's
    client = "threaded"               # a client's name, or "*" for every other client
    figure = "mem"
    at_most_times = 3                 # and/or at_least_times = ...
    of = "asyncio"

`parse_expectations` validates them before anything runs (a `ScenarioFileError` naming the
file and a key such as `expect[2].client`, indices from 0); `check` measures them against
the summaries, as `results.verdicts.Verdict`s. No rich here: loading a scenario stays cheap,
and the panel that shows verdicts lives in `report.verdicts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from .records import RunState
from .results import units
from .results.series import Series
from .results.summary import Summary
from .results.verdicts import Verdict
from .validate import Checker, guess

EVERY: Final = "*"


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure an expectation may name: how to read it from a row, and its unit."""

    name: str
    unit: str  # "s", "bytes", "count", "share" (0.9 = 90 %), "times", "per_zip" or "cores"
    get: Callable[[Summary, float | None], float | None]  # (summary, speed-up) → value
    help: str

    def format(self, value: float | None) -> str:
        """`value` as the table would show it."""
        return units.figure(value, self.unit)


def _figure(name: str, unit: str, get: Callable[[Summary], float | None], text: str) -> Figure:
    return Figure(name, unit, lambda s, _: get(s), text)


FIGURES: Final[dict[str, Figure]] = {
    f.name: f
    for f in (
        _figure("wall", "s", lambda s: s.wall, "median wall time, seconds"),
        _figure("wall_max", "s", lambda s: s.wall_max, "slowest repeat's wall time, seconds"),
        _figure("cpu", "s", lambda s: s.cpu, "user + system CPU, seconds"),
        _figure("utime", "s", lambda s: s.utime, "user CPU, seconds"),
        _figure("stime", "s", lambda s: s.stime, "system CPU, seconds"),
        _figure("cores", "cores", lambda s: s.cores, "cores kept busy on average: CPU ÷ wall"),
        _figure("cpu_per_request", "s", lambda s: s.cpu_per_request, "CPU per request, s"),
        _figure("mem", "bytes", lambda s: s.mem, "peak RSS growth, bytes"),
        _figure("vmem", "bytes", lambda s: s.vmem, "peak virtual memory growth, bytes"),
        _figure("threads", "count", lambda s: s.peak_threads, "peak OS threads"),
        _figure("p50", "s", lambda s: s.p50, "median latency, seconds"),
        _figure("p95", "s", lambda s: s.p95, "95th percentile latency, seconds"),
        _figure("p99", "s", lambda s: s.p99, "99th percentile latency, seconds"),
        _figure("overhead", "s", lambda s: s.overhead, "client overhead, seconds"),
        _figure("server_cpu", "s", lambda s: s.server_cpu, "server CPU, seconds"),
        _figure("ok", "count", lambda s: s.counts.ok, "zips answered"),
        _figure("failed", "count", lambda s: s.counts.failed, "zips given up on"),
        _figure("retried", "count", lambda s: s.counts.retried, "extra attempts"),
        _figure("requests", "count", lambda s: s.counts.requests, "attempts in all"),
        _figure(
            "amplification",
            "per_zip",
            lambda s: s.amplification,
            "requests sent per zip (retries and hedges included)",
        ),
        _figure("hedges", "count", lambda s: s.hedges, "second requests for slow tries"),
        _figure(
            "budget_denied",
            "count",
            lambda s: s.budget_denied,
            "retries and hedges the retry budget refused",
        ),
        _figure(
            "server_busy",
            "s",
            lambda s: s.server_busy,
            "seconds the server spent serving it (journal)",
        ),
        _figure(
            "loop_lag_p99",
            "s",
            lambda s: s.loop_lag_p99,
            "how late its event loop ran a timer, 99th percentile, seconds",
        ),
        _figure(
            "loop_lag_max",
            "s",
            lambda s: s.loop_lag_max,
            "the latest its event loop ran a timer, seconds",
        ),
        _figure("efficiency", "share", lambda s: s.efficiency, "ideal makespan ÷ wall, 0–1"),
        Figure("speedup", "times", lambda _, up: up, "blocking's wall ÷ this wall"),
        _figure(
            "recovery",
            "recovery",
            lambda s: s.recovery,
            "seconds from the last phase's end until goodput is back (did not recover: ∞)",
        ),
        _figure("goodput", "per_s", lambda s: s.goodput, "requests answered well a second"),
        _figure("behind", "s", lambda s: s.late.behind if s.late else None,
                "open loop: how late its latest request was sent, seconds"),
        _figure("due_p99", "s", lambda s: s.late.due_p99 if s.late else None,
                "open loop: 99th percentile latency from when requests were due"),
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Window:
    """A time range of the run a bound is checked over: `during` or `after` a phase (its
    name), or `from`/`to` seconds since the server's reset."""

    during: str | None = None
    after: str | None = None
    start: float | None = None
    end: float | None = None

    @property
    def text(self) -> str:
        """The range in words."""
        if self.during is not None:
            return f"during {self.during}"
        if self.after is not None:
            return f"after {self.after}"
        end = "the end" if self.end is None else f"{self.end:g} s"
        return f"from {self.start or 0:g} s to {end}"

    def seconds(self, series: Series) -> range | None:
        """The series' seconds in this range; None when the run had no such phase."""
        if self.during is not None or self.after is not None:
            span = next((p for p in series.phases if p.name in (self.during, self.after)), None)
            if span is None:
                return None
            if self.during is not None:
                return series.window(span.start, span.end)
            return series.window(span.end, len(series.offered))
        start = (self.start or 0.0) - series.offset
        end = len(series.offered) if self.end is None else self.end - series.offset
        return series.window(start, end)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rate(counts: list[int], series: Series) -> float | None:
    """A count a bin as a count a second."""
    mean = _mean([float(c) for c in counts])
    return None if mean is None else mean / series.step


def _share(failed: int, good: int) -> float | None:
    return failed / (failed + good) if failed + good else None


# Figures a bound may take over a time range, from the series (`results.series`): rates are
# means a second, counts sums, and a latency from due the worst (p99) or middle (p50) bin's.
WINDOWED: Final[dict[str, tuple[str, Callable[[Series, range], float | None], str]]] = {
    "goodput": ("per_s", lambda s, r: _rate([s.goodput[i] for i in r], s),
                "requests answered well a second"),
    "offered": ("per_s", lambda s, r: _rate([s.offered[i] for i in r], s), "due a second"),
    "sent": ("per_s", lambda s, r: _rate([s.sent[i] for i in r], s), "attempts sent a second"),
    "failed": ("count", lambda s, r: sum(s.failed[i] for i in r), "attempts that failed"),
    "failed_share": ("share", lambda s, r: _share(sum(s.failed[i] for i in r),
                                                  sum(s.ok[i] for i in r)),
                     "failed ÷ ended attempts"),
    "in_flight": ("count", lambda s, r: _mean([s.in_flight[i] for i in r]), "mean in flight"),
    "p50": ("s", lambda s, r: _middle([s.due_p50[i] for i in r]),
            "the middle bin's p50 from due"),
    "p99": ("s", lambda s, r: max((v for i in r if (v := s.due_p99[i]) is not None),
                                  default=None), "the worst bin's p99 from due"),
    "amplification": ("times", lambda s, r: _ratio(sum(s.sent[i] for i in r),
                                                   sum(s.offered[i] for i in r)),
                      "attempts sent ÷ requests due"),
}  # fmt: skip


def _middle(values: list[float | None]) -> float | None:
    known = sorted(v for v in values if v is not None)
    return known[(len(known) - 1) // 2] if known else None


def _ratio(top: int, bottom: int) -> float | None:
    return top / bottom if bottom else None


@dataclass(frozen=True, slots=True)
class Faster:
    """`faster`/`than`/`by`: one client's wall time at least `by` times shorter than another's."""

    client: str
    than: str
    by: float = 1.0

    @property
    def text(self) -> str:
        """The expectation in words."""
        factor = "" if self.by == 1 else f"at least {self.by:g}× "
        return f"{self.client} {factor}faster than {self.than}"


@dataclass(frozen=True, slots=True)
class Bound:
    """`client`/`figure`/`max`/`min`: a figure within bounds, for one client or every one."""

    client: str  # a name or EVERY
    figure: str
    max: float | None = None
    min: float | None = None
    window: Window | None = None  # over a time range of the run (WINDOWED figures only)


@dataclass(frozen=True, slots=True)
class Relative:
    """`client`/`figure`/`at_most_times`/`at_least_times`/`of`: a figure against another's."""

    client: str  # a name or EVERY (every client but `of`)
    figure: str
    of: str
    at_most: float | None = None
    at_least: float | None = None


Expectation: TypeAlias = Faster | Bound | Relative

FASTER_KEYS: Final = ("faster", "than", "by")
BOUND_KEYS: Final = ("client", "figure", "max", "min", "during", "after", "from", "to")
WINDOW_KEYS: Final = ("during", "after", "from", "to")
RELATIVE_KEYS: Final = ("client", "figure", "at_most_times", "at_least_times", "of")
FORMS: Final = (
    'faster = "A", than = "B" [, by = N]; client = "A" | "*", figure = F, max = X and/or '
    'min = X; or client, figure, at_most_times = N and/or at_least_times = N, of = "B"'
)


class _Parser(Checker):
    """The shared checker, knowing also the scenario's client names."""

    def __init__(self, path: str, clients: Sequence[str], phases: Sequence[str] = ()) -> None:
        super().__init__(path)
        self.clients = tuple(clients)
        self.phases = tuple(phases)

    def client(self, value: Any, key: str, *, every: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a client's name (a string), got {value!r}")
        if value == EVERY and every:
            return value
        if value not in self.clients:
            names = ", ".join(self.clients) + (', or "*" for every client' if every else "")
            raise self.fail(key, f"unknown client {value!r}{guess(value, self.clients)}; "
                            f"clients: {names}")  # fmt: skip
        return value

    def figure(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a figure's name (a string), got {value!r}")
        known = tuple(dict.fromkeys([*FIGURES, *WINDOWED]))
        if value not in known:
            raise self.fail(key, f"unknown figure {value!r}{guess(value, known)}; "
                            f"figures: {', '.join(known)}")  # fmt: skip
        return value

    def times(self, table: Mapping[str, Any], where: str, key: str) -> float | None:
        """An optional factor > 0."""
        if key not in table:
            return None
        return self.number(table[key], f"{where}.{key}", 0.0, inclusive=False)


def _faster(check: _Parser, table: Mapping[str, Any], where: str) -> Faster:
    check.keys(table, where, FASTER_KEYS)
    fast = check.required(table, where, "faster", 'name the faster client: faster = "asyncio"')
    than = check.required(table, where, "than", 'name the slower client: than = "blocking"')
    client = check.client(fast, f"{where}.faster")
    other = check.client(than, f"{where}.than")
    if client == other:
        raise check.fail(f"{where}.than", f"must name another client than {client!r}")
    by = check.number(table.get("by", 1), f"{where}.by", 1.0)
    return Faster(client, other, by)


def _subject(
    check: _Parser, table: Mapping[str, Any], where: str, everyone: str
) -> tuple[str, str]:
    """The `client` (a name, or "*" for `everyone`) and the `figure` a bound is about."""
    client = check.client(
        check.required(table, where, "client", f'name a client, or "*" for {everyone}'),
        f"{where}.client",
        every=True,
    )
    figure = check.figure(
        check.required(table, where, "figure", f"one of {', '.join(FIGURES)}"), f"{where}.figure"
    )
    return client, figure


def _bound(check: _Parser, table: Mapping[str, Any], where: str) -> Bound:
    check.keys(table, where, BOUND_KEYS)
    client, figure = _subject(check, table, where, "every client")
    if "max" not in table and "min" not in table:
        raise check.fail(f"{where}.max", "is required: give max = X, min = X, or both")
    high = None if "max" not in table else check.number(table["max"], f"{where}.max", 0.0)
    low = None if "min" not in table else check.number(table["min"], f"{where}.min", 0.0)
    if high is not None and low is not None and low > high:
        raise check.fail(f"{where}.min", f"must be <= max ({high:g}), got {low:g}")
    window = _window(check, table, where, figure)
    if window is None and figure not in FIGURES:
        raise check.fail(f"{where}.figure", f"{figure!r} is a figure over time: give during, "
                         "after, or from/to")  # fmt: skip
    return Bound(client, figure, high, low, window)


def _window(check: _Parser, table: Mapping[str, Any], where: str, figure: str) -> Window | None:
    """`during = "dip"`, `after = "dip"` or `from = S` and/or `to = S`: one range, or none."""
    given = [key for key in WINDOW_KEYS if key in table]
    if not given:
        return None
    if figure not in WINDOWED:
        raise check.fail(f"{where}.{given[0]}", f"a time range takes a figure of the series: "
                         f"{', '.join(WINDOWED)}; not {figure!r}")  # fmt: skip
    if len(given) > 1 and set(given) != {"from", "to"}:
        raise check.fail(f"{where}.{given[1]}", "give one range: during, after, or from/to")
    if given[0] in ("during", "after"):
        name = table[given[0]]
        if not isinstance(name, str) or name not in check.phases:
            names = ", ".join(check.phases) or "none"
            raise check.fail(f"{where}.{given[0]}", f"must name a server phase "
                             f"({names}), got {name!r}")  # fmt: skip
        return Window(during=name) if given[0] == "during" else Window(after=name)
    start = check.number(table["from"], f"{where}.from", 0.0) if "from" in table else None
    end = check.number(table["to"], f"{where}.to", 0.0) if "to" in table else None
    if start is not None and end is not None and end <= start:
        raise check.fail(f"{where}.to", f"must be after from ({start:g} s), got {end:g}")
    return Window(start=start, end=end)


def _relative(check: _Parser, table: Mapping[str, Any], where: str) -> Relative:
    check.keys(table, where, RELATIVE_KEYS)
    client, figure = _subject(check, table, where, "every other client")
    of = check.client(
        check.required(table, where, "of", 'name the client to compare with: of = "asyncio"'),
        f"{where}.of",
    )
    if of == client:
        raise check.fail(f"{where}.of", f"must name another client than {client!r}")
    if figure not in FIGURES:
        raise check.fail(f"{where}.figure", f"{figure!r} is a figure over time: compare it "
                         "with min or max over a range")  # fmt: skip
    at_most = check.times(table, where, "at_most_times")
    at_least = check.times(table, where, "at_least_times")
    if at_most is None and at_least is None:
        raise check.fail(f"{where}.at_most_times", "is required: give at_most_times = N, "
                         "at_least_times = N, or both")  # fmt: skip
    return Relative(client, figure, of, at_most, at_least)


def _parse_one(check: _Parser, item: Any, where: str) -> Expectation:
    if not isinstance(item, Mapping):
        raise check.fail(where, f"must be a table ([[expect]]), got {item!r}")
    if not item:
        raise check.fail(where, f"is empty; give {FORMS}")
    if any(key in item for key in FASTER_KEYS):
        return _faster(check, item, where)
    if any(key in item for key in ("of", "at_most_times", "at_least_times")):
        return _relative(check, item, where)
    return _bound(check, item, where)


def parse_expectations(
    raw: Any,
    clients: Sequence[str],
    path: str = "<scenario>",
    where: str = "expect",
    phases: Sequence[str] = (),
) -> tuple[Expectation, ...]:
    """Validate a scenario's `expect` array (or another array in the grammar, at `where`:
    `[tune]`'s `require`) against its client names (and its server's phase names, for time
    ranges); raise a one-line error."""
    check = _Parser(path, clients, phases)
    if not isinstance(raw, list):
        raise check.fail(where, f"must be an array of tables ([[expect]]), got {raw!r}")
    return tuple(_parse_one(check, item, f"{where}[{index}]") for index, item in enumerate(raw))


def figures_of(summary: Summary, speedup: float | None) -> dict[str, float | None]:
    """Every figure of one row, by name (none for a client that did not run), as JSON can
    carry them: a run that never recovered has `recovery` None and `recovered` 0 (1 when it
    did; None without phases)."""
    if summary.state is not RunState.OK:
        return {}
    found = {name: figure.get(summary, speedup) for name, figure in FIGURES.items()}
    found = {k: None if v is not None and math.isinf(v) else v for k, v in found.items()}
    recovered = summary.series.recovered if summary.series is not None else None
    found["recovered"] = None if recovered is None else float(recovered)
    return found


class _Rows:
    """The summaries by client, and each figure's value with a reason when it has none."""

    def __init__(
        self, summaries: Sequence[Summary], ups: Mapping[str, float | None], stopped: str | None
    ) -> None:
        self.summaries = {s.client: s for s in summaries}
        self.ups = ups
        self.stopped = stopped  # where the compare stopped early (`interrupted during …`)

    def not_run(self, *clients: str) -> bool:
        """Whether the compare stopped before one of these clients had a run."""
        return self.stopped is not None and any(c not in self.summaries for c in clients)

    def ran(self) -> list[str]:
        return [name for name, s in self.summaries.items() if s.state is RunState.OK]

    def value(self, client: str, figure: str) -> tuple[float | None, str]:
        summary = self.summaries.get(client)
        if summary is None and self.stopped is not None:
            return None, f"not run: {client} had no run ({self.stopped})"
        if summary is None:
            return None, f"not measured: {client} did not run"
        if summary.state is not RunState.OK:
            return None, f"not measured: {client}: {summary.skipped}"
        value = FIGURES[figure].get(summary, self.ups.get(client))
        return value, "" if value is not None else f"not measured: {client} has no {figure}"

    def in_window(self, client: str, figure: str, window: Window) -> tuple[float | None, str]:
        summary = self.summaries.get(client)
        if summary is None or summary.state is not RunState.OK:
            return self.value(client, figure)
        if summary.series is None:
            return None, f"not measured: {client} has no series over time"
        seconds = window.seconds(summary.series)
        if seconds is None:
            return None, f"not measured: {client}'s run met no such phase"
        value = WINDOWED[figure][1](summary.series, seconds)
        return value, "" if value is not None else f"not measured: {client} has no {figure} then"


def _check_faster(e: Faster, rows: _Rows) -> list[Verdict]:
    fast, why_fast = rows.value(e.client, "wall")
    slow, why_slow = rows.value(e.than, "wall")
    if fast is None or slow is None:
        return [Verdict(e.text, False, why_fast or why_slow, rows.not_run(e.client, e.than))]
    ratio = slow / fast if fast > 0 else math.inf
    passed = ratio > 1 and ratio >= e.by
    detail = f"measured {units.ratio(ratio)} ({units.seconds(fast)} vs {units.seconds(slow)})"
    return [Verdict(e.text, passed, detail)]


def _check_bound(e: Bound, rows: _Rows) -> list[Verdict]:
    figure = FIGURES.get(e.figure) or Figure(e.figure, WINDOWED[e.figure][0], lambda *_: None, "")
    if e.window is not None:
        figure = Figure(e.figure, WINDOWED[e.figure][0], figure.get, figure.help)
    verdicts = []
    for client in rows.ran() if e.client == EVERY else [e.client]:
        bounds = [f"≥ {figure.format(e.min)}"] if e.min is not None else []
        bounds += [f"≤ {figure.format(e.max)}"] if e.max is not None else []
        when = f" {e.window.text}" if e.window is not None else ""
        text = f"{client} {e.figure}{when} {' and '.join(bounds)}"
        if e.window is not None:
            value, why = rows.in_window(client, e.figure, e.window)
        else:
            value, why = rows.value(client, e.figure)
        if value is None:
            verdicts.append(Verdict(text, False, why, rows.not_run(client)))
            continue
        passed = (e.min is None or value >= e.min) and (e.max is None or value <= e.max)
        verdicts.append(Verdict(text, passed, f"measured {figure.format(value)}"))
    return verdicts


def _check_relative(e: Relative, rows: _Rows) -> list[Verdict]:
    figure = FIGURES[e.figure]
    targets = [c for c in rows.ran() if c != e.of] if e.client == EVERY else [e.client]
    verdicts = []
    for client in targets:
        bounds = [f"≥ {e.at_least:g}×"] if e.at_least is not None else []
        bounds += [f"≤ {e.at_most:g}×"] if e.at_most is not None else []
        text = f"{client} {e.figure} {' and '.join(bounds)} {e.of}'s"
        value, why = rows.value(client, e.figure)
        other, why_other = rows.value(e.of, e.figure)
        if value is None or other is None:
            verdicts.append(Verdict(text, False, why or why_other, rows.not_run(client, e.of)))
            continue
        passed = (e.at_least is None or value >= e.at_least * other) and (
            e.at_most is None or value <= e.at_most * other
        )
        if math.isinf(value) and math.isinf(other):  # neither recovered: no ratio to judge
            passed = False
        ratio = units.ratio(value / other) if other else "–"
        detail = f"measured {figure.format(value)} vs {figure.format(other)} ({ratio})"
        verdicts.append(Verdict(text, passed, detail))
    return verdicts


def check(
    expectations: Sequence[Expectation],
    summaries: Sequence[Summary],
    speedups: Mapping[str, float | None],
    stopped: str | None = None,
) -> list[Verdict]:
    """Each expectation against the run's rows; `client = "*"` gives a verdict per client.

    A client that did not run, was skipped, or lacks the figure fails with "not measured" —
    unless the compare `stopped` early (`interrupted during blocking 1/1, 37/100 zips`) before
    it ran: then its verdict is "not run", no failure.
    """
    rows = _Rows(summaries, speedups, stopped)
    verdicts: list[Verdict] = []
    for expectation in expectations:
        if isinstance(expectation, Faster):
            verdicts.extend(_check_faster(expectation, rows))
        elif isinstance(expectation, Bound):
            verdicts.extend(_check_bound(expectation, rows))
        else:
            verdicts.extend(_check_relative(expectation, rows))
    return verdicts
