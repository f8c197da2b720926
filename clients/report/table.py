"""The comparison table: summaries to a rich `Table` and a caption. Pure: the console prints."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..kinds import KINDS
from ..records import RunState
from ..results.series import sparkline
from ..results.summary import Summary, baseline_of
from ..results.units import percent, ratio, seconds, size

COLUMNS = (
    ("client", "left"), ("jobs", "right"), ("ok/fail\n/retry", "right"),
    ("wall", "right"), ("speed\nup", "right"), ("effic-\niency", "right"),
    ("cpu\nuser+sys", "right"), ("cores", "right"), ("cpu\n/req", "right"),
    ("peak\nRSS +", "right"), ("peak\nVM +", "right"), ("thr-\neads", "right"),
    ("latency\np50/95/99", "right"), ("over-\nhead", "right"), ("server\ncpu", "right"),
    ("tree\nRSS", "right"), ("loop lag\np99/max", "right"), ("behind", "right"),
    ("from due\np50/99", "right"),
)  # fmt: skip

# Columns shown only when some row has a figure for them: a command's whole-tree peak RSS, a
# loop's lag, an open-loop run's lateness against its due times.
OPTIONAL: dict[str, Callable[[Summary], bool]] = {
    "tree\nRSS": lambda s: s.tree_rss is not None,
    "loop lag\np99/max": lambda s: s.loop_lag is not None,  # a client with an event loop
    "behind": lambda s: s.late is not None,
    "from due\np50/99": lambda s: s.late is not None,
}


LONG_NAMES = {
    "ok/fail\n/retry": "zips ok / failed / retries",
    "speed\nup": "speed-up vs blocking (or slowest)",
    "effic-\niency": "efficiency", "cpu\nuser+sys": "cpu (user+sys)",
    "cores": "cores busy (cpu ÷ wall)", "cpu\n/req": "cpu per request",
    "peak\nRSS +": "peak RSS growth",
    "peak\nVM +": "peak virtual memory growth", "thr-\neads": "peak threads",
    "latency\np50/95/99": "latency p50/95/99", "over-\nhead": "client overhead",
    "server\ncpu": "server cpu", "tree\nRSS": "peak RSS of a command's whole process tree",
    "loop lag\np99/max": "event-loop lag p99/max",
    "behind": "how late its latest request was sent (and how many were late)",
    "from due\np50/99": "latency from when each request was due",
}  # fmt: skip


def _milliseconds(*values: float) -> str:
    """`59/80/84 ms`: several latencies under one unit (`13.3/25.4/25.9 s` from 10 s on)."""
    if max(values, default=0.0) >= 10:
        return "/".join(f"{v:.1f}" for v in values) + " s"
    return "/".join(f"{v * 1000:.0f}" if v >= 0.01 else f"{v * 1000:.1f}" for v in values) + " ms"


def _cells(
    s: Summary, speedup: float | None, expected: int | None, brief: bool = False
) -> list[str | Text]:
    """One client's figures, in COLUMNS order after the client name (`brief`: a row that did
    not run says so in two words, its reason goes under the table)."""
    if s.state is not RunState.OK:
        said = f"{s.state.value}, see below" if brief else s.skipped or ""
        return [Text(said, style=STATE_STYLES[s.state]), *[""] * (len(COLUMNS) - 2)]
    totals = ", ".join(str(t) for t in sorted(set(s.totals)))
    mark = (
        Text(f"{totals} ✓", style="green")
        if s.correct
        else Text(f"{totals}\nopen loop", style="dim")
        if s.open_loop
        else Text(f"{totals} ✗\nwant {expected}", style="bold red")
    )
    if s.failed_runs:
        mark.append(f"\n{s.failed_runs} run{'s' if s.failed_runs > 1 else ''} died", style="red")
    spread = f"\n{seconds(s.wall_min)}–{seconds(s.wall_max)}" if s.runs > 1 else ""
    return [
        mark,
        f"{s.counts.ok}/{s.counts.failed}/{s.counts.retried}",
        f"{seconds(s.wall)}{spread}",
        ratio(speedup),
        percent(s.efficiency),
        f"{seconds(s.cpu)}\n{seconds(s.utime)}+{seconds(s.stime)}",
        "–" if s.cores is None else f"{s.cores:.2f}",
        seconds(s.cpu_per_request),
        size(s.mem),
        "–" if s.vmem is None else size(s.vmem),
        f"{s.peak_threads}" + (f"\n{s.peak_processes} proc" if s.peak_processes > 1 else ""),
        _milliseconds(s.p50, s.p95, s.p99),
        seconds(s.overhead),
        seconds(s.server_cpu),
        "–" if s.tree_rss is None else size(s.tree_rss),
        "–" if s.loop_lag is None else _milliseconds(s.loop_lag.p99, s.loop_lag.max),
        "–" if s.late is None else f"{seconds(s.late.behind)}\n{s.late.late}/{s.late.offered} late",
        "–" if s.late is None else _milliseconds(s.late.due_p50, s.late.due_p99),
    ]


STATE_STYLES = {RunState.OK: "", RunState.SKIPPED: "yellow", RunState.FAILED: "bold red"}


def reasons(summaries: Sequence[Summary]) -> list[Text]:
    """Each row that did not run, with why, in full: `mine failed: cannot import …`."""
    said = [s for s in summaries if s.state is not RunState.OK]
    return [
        Text.assemble((s.client, "bold"), (f" {s.state.value}: ", STATE_STYLES[s.state]), s.reason)
        for s in said
    ]


def client_label(s: Summary) -> Text:
    """The client's name, with its interpreter when the scenario chose one or the GIL is off."""
    label = Text(s.client)
    notes = [f"Python {s.python}"] if s.python else []
    if s.free_threaded or not s.gil:
        notes.append("free-threaded, GIL " + ("on" if s.gil else "off"))
    if KINDS[s.kind].journal:  # the user's own code: say how it was measured
        how = KINDS[s.kind].measured_from
        notes.append(how if s.startup is None else f"{how} · start-up {seconds(s.startup)}")
    if notes:
        label.append("\n" + " ".join(notes), style="dim")
    return label


def report_table(
    summaries: Sequence[Summary],
    speedups: Mapping[str, float | None],
    expected: int | None,
    title: str,
    caption: str = "",
    *,
    transpose: bool = False,
    columns: Sequence[int] | None = None,
    brief: bool = False,
) -> Table:
    """One row per client (or, transposed for narrow terminals, one column per client).

    `columns` picks which of COLUMNS after the client's to show (default: all); `brief` puts
    a failed or skipped row's reason under the table (`reasons`) instead of in its row.
    """
    below = [] if brief else under_lines(summaries)  # a part's: said once, under the parts
    caption = "\n".join(filter(None, [caption, *below]))
    table = Table(
        title=title or None, caption=caption or None, caption_justify="left",
        header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False,
    )  # fmt: skip
    rows = [[client_label(s), *_cells(s, speedups.get(s.client), expected, brief)]
            for s in summaries]  # fmt: skip
    chosen = [0, *(columns if columns is not None else shown_columns(summaries))]
    if transpose:
        table.add_column("figure", style="bold")
        for s in summaries:
            table.add_column(client_label(s), justify="right")
        for index in chosen[1:]:
            name = COLUMNS[index][0]
            table.add_row(LONG_NAMES.get(name, name), *[row[index] for row in rows])
        return table
    for index in chosen:
        name, justify = COLUMNS[index]
        table.add_column(name, justify=justify, no_wrap=name != "client")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*[row[index] for index in chosen])
    return table


def shown_columns(summaries: Sequence[Summary]) -> list[int]:
    """The indexes of COLUMNS after the client's that these rows fill: every column but an
    OPTIONAL one no row has a figure for."""
    return [
        index
        for index, (name, _) in enumerate(COLUMNS)
        if index > 0 and (name not in OPTIONAL or any(OPTIONAL[name](s) for s in summaries))
    ]


def under_lines(summaries: Sequence[Summary]) -> list[str]:
    """What the caption adds from the rows: the speed-up's baseline when it is not blocking,
    and how the user's own code was measured."""
    baseline = baseline_of(summaries)
    said = []
    if baseline is not None and not KINDS[baseline.kind].baseline:
        said.append(f"speed up: against the slowest row, {baseline.client} (no blocking row "
                    "summed right)")  # fmt: skip
    return [*said, *measured_lines(summaries), *behind_lines(summaries), *goodput_lines(summaries)]


def behind_lines(summaries: Sequence[Summary]) -> list[str]:
    """An open-loop client that could not keep its due times, said with the rate it managed:
    its latency from due counts the wait, and its goodput is what it could send."""
    said = []
    for s in summaries:
        late = s.late
        if s.state is not RunState.OK or late is None or not late.fell_behind:
            continue
        pace = ""
        if late.asked is not None and late.achieved is not None:
            pace = f": asked for {late.asked:.1f}/s, started {late.achieved:.1f}/s"
        said.append(f"{s.client} could not keep up with its arrivals{pace}, its last request "
                    f"sent {seconds(late.behind)} after it was due ({late.late} of "
                    f"{late.offered} late)")  # fmt: skip
    return said


def goodput_lines(summaries: Sequence[Summary], width: int = 100) -> list[str]:
    """Under an open-loop or phased run's table: each client's goodput as a sparkline against
    its offered rate (a character a second, or a few seconds averaged for a long run), the
    phases marked above them, and its recovery."""
    shown = [s for s in summaries if s.state is RunState.OK and s.series is not None
             and (s.open_loop or s.series.phases)]  # fmt: skip
    if not shown:
        return []
    longest = max(len(s.series.offered) for s in shown if s.series is not None)
    per = max(1, math.ceil(longest / width))  # seconds a character stands for
    pad = max(6, *(len(s.client) for s in shown))
    lines = []
    first = next((s.series for s in shown if s.series and s.series.phases), None)
    phases = first.phases if first is not None else ()
    if first is not None:
        marks = "".join(
            "▔" if any(p.start <= (i + 0.5) * per < p.end for p in phases) else " "
            for i in range(math.ceil(longest / per))
        )
        shift = first.offset  # said in the server's seconds, as the scenario gives them
        names = ", ".join(f"{p.name} {p.start + shift:g}–{p.end + shift:g} s after the reset"
                          for p in phases)  # fmt: skip
        lines.append(f"{'phases':<{pad}}  {marks}  {names}")
    for s in shown:
        series = s.series
        assert series is not None
        good = _averaged(series.goodput, per)
        top = max([*_averaged(series.offered, per), *good, 0.0])
        if series.recovered is None:
            after = ""
        elif series.recovered:
            after = f"  recovered {seconds(series.recovery)} after the last phase"
        else:
            after = "  did not recover"
        lines.append(f"{s.client:<{pad}}  {sparkline(good, top):<{len(good)}}{after}")
    unit = "a second" if per == 1 else f"{per} seconds"
    lines.append(f"goodput (▁ to █: none to the offered rate), one character {unit}")
    return lines


def _averaged(values: Sequence[float], per: int) -> list[float]:
    return [sum(values[i : i + per]) / per for i in range(0, len(values), per)]


def measured_lines(summaries: Sequence[Summary]) -> list[str]:
    """How the user's own code was measured, said under the table when it is in it."""
    own = [s for s in summaries if KINDS[s.kind].journal and s.state is RunState.OK]
    by_kind: dict[str, list[str]] = {}
    for s in own:
        by_kind.setdefault(s.kind, []).append(s.client)
    lines = [f"{', '.join(names)}: measured {KINDS[kind].measured}"
             for kind, names in by_kind.items()]  # fmt: skip
    if own:
        lines.append("their latency is the server's (arrival to last byte); start-up is their "
                     "start to their first request, and is part of their wall time")  # fmt: skip
    return lines


def fitted_tables(
    console: Console,
    summaries: Sequence[Summary],
    speedups: Mapping[str, float | None],
    expected: int | None,
    title: str,
    caption: str = "",
) -> list[Table | Text]:
    """The table as it fits `console.width`: whole; else in parts of a few columns each, every
    part with the client column, so no cell is cut, and the caption under the last part at
    the console's width; else (very narrow) transposed. Split or transposed, a row that did
    not run says why under the tables, in full, each reason on its own line."""
    args = (summaries, speedups, expected)
    whole = report_table(*args, title, caption)
    if natural_width(console, whole) <= console.width:
        return [whole]
    parts: list[list[int]] = [[]]
    for index in shown_columns(summaries):
        trial = report_table(*args, "", columns=[*parts[-1], index], brief=True)
        if parts[-1] and natural_width(console, trial) > console.width:
            parts.append([index])
        else:
            parts[-1].append(index)
    below: list[Table | Text] = [*reasons(summaries)]
    said = "\n".join(filter(None, [caption, *under_lines(summaries)]))
    below += [Text(said, style="dim")] if said else []
    if any(natural_width(console, report_table(*args, "", columns=p, brief=True)) > console.width
           for p in parts):  # fmt: skip
        return [report_table(*args, title, transpose=True, brief=True), *below]
    tables: list[Table | Text] = [
        report_table(*args, title if i == 0 else "", columns=p, brief=True)
        for i, p in enumerate(parts)
    ]
    return [*tables, *below]


def natural_width(console: Console, table: Table) -> int:
    """How wide `table` wants to be, regardless of the console's width."""
    return Measurement.get(console, console.options.update_width(10_000), table).maximum


def _loops(context: Mapping[str, Any]) -> str:
    """`loops: asyncio (asyncio, httpx) · uvloop (uvloop) · none (blocking)`, from the runs."""
    by_loop: dict[str, list[str]] = {}
    for client, loop in context.get("loops", {}).items():
        by_loop.setdefault(loop or "none", []).append(client)
    if not by_loop:
        return "loops: asyncio, uvloop"
    return "loops: " + " · ".join(f"{loop} ({', '.join(c)})" for loop, c in by_loop.items())


def caption_text(context: Mapping[str, Any]) -> str:
    """Under the table: scenario, seed, Python and library versions, loop, CPUs, the ideal."""
    env = context.get("environment", {})
    libraries = ", ".join(f"{k} {v}" for k, v in sorted(env.get("libraries", {}).items()))
    lines = [
        f"scenario {context['scenario']} · seed {context['seed']} · speed {context['speed']:g}"
        f" · {context['requests']} zips via /api/{context['api']} · expected {context['expected']}",
        f"Python {env.get('python', '?')} ({env.get('implementation', '?')}"
        f"{'' if env.get('gil_enabled', True) else ', free-threaded'}) · {_loops(context)}"
        f" · {env.get('cpus', '?')} CPUs · {env.get('platform', '?')}",
        libraries,
        "efficiency = the preview's ideal makespan for the client's concurrency ÷ wall; "
        "overhead = observed latency − the server's intended delay and queue wait (median); "
        "cores = cpu ÷ wall",
    ]
    return "\n".join(line for line in lines if line)
