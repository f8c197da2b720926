"""2. Injection fidelity under load: bursts against a fixed delay, beside a bare app's sleep."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from bench.context import Context, admin
from bench.figures import latency_summary, ratio
from bench.overhead import paths
from bench.procs import Served, fake_command, reference_command, run_loadgen, serving
from bench.results import Check, Column, Outcome, check
from clients.zipsets import MEMPY_2015

TARGET_RATIO: Final = 1.1  # wall, client p99 and overshoot p99, each ÷ the reference's
COLUMNS: Final = (
    Column("loop", "loop"), Column("batch", "batch", "int"), Column("server", "server"),
    Column("errors", "errors", "int"), Column("wall", "wall", "s"),
    Column("client_ms", "client p50/p99/max", "ms3"),
    Column("overshoot_ms", "overshoot p50/p99/max", "ms3"),
    Column("wall_ratio", "wall ÷ ref", "ratio"), Column("p99_ratio", "p99 ÷ ref", "ratio"),
    Column("overshoot_ratio", "overshoot p99 ÷ ref", "ratio"), Column("met", "targets", "mark"),
)  # fmt: skip


def burst(served: Served, requests: int) -> dict[str, Any]:
    """Open `requests` connections at once, one request each; errors, wall and latencies."""
    result = run_loadgen({
        "host": "127.0.0.1", "port": served.port, "paths": paths("jobs", MEMPY_2015),
        "requests": requests, "mode": "burst", "time_limit": 60.0, "timing": True,
    })  # fmt: skip
    latency = latency_summary(result["latencies"])
    late = latency_summary([ms / 1000 for ms in result["overshoot"]])
    return {
        "errors": requests - int(result["ok"]),
        "error_kinds": result["errors"],
        "wall": result["wall"],
        "client_ms": [latency["p50_ms"], latency["p99_ms"], latency["max_ms"]],
        "overshoot_ms": [late["p50_ms"], late["p99_ms"], late["max_ms"]],
    }


def fastest_run(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The run with the shortest wall: the least disturbed by the rest of the machine."""
    return dict(min(runs, key=lambda run: run["wall"]))


def rows_for(
    loop: str, batch: int, fakes: Sequence[Mapping[str, Any]], refs: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The fake server's row and the reference's, each its least disturbed (shortest-wall)
    run, with the fake's wall, client p99 and overshoot p99 as ratios to the reference's."""
    fake, reference = fastest_run(fakes), fastest_run(refs)
    ratios = {
        "wall_ratio": ratio(fake["wall"], reference["wall"]),
        "p99_ratio": ratio(fake["client_ms"][1], reference["client_ms"][1]),
        "overshoot_ratio": ratio(fake["overshoot_ms"][1], reference["overshoot_ms"][1]),
    }
    errors = sum(run["errors"] for run in fakes)
    met = errors == 0 and all(r is not None and r <= TARGET_RATIO for r in ratios.values())
    common = {"loop": loop, "batch": batch}
    return [
        {**common, "server": "fake", **fake, "errors": errors, **ratios, "met": met},
        {**common, "server": "reference", **reference, **dict.fromkeys(ratios), "met": None},
    ]


def checks_for(rows: Sequence[Mapping[str, Any]]) -> list[Check]:
    """No connection errors; wall, client p99 and overshoot p99 within 1.1× the reference's."""
    checks = []
    for row in rows:
        if row["server"] != "fake":
            continue
        where = f"{row['batch']:,} at once ({row['loop']})"
        checks += [
            check(f"errors, {where}", row["errors"], 0, at_least=False),
            check(f"wall ÷ reference, {where}", row["wall_ratio"], TARGET_RATIO, at_least=False),
            check(f"p99 ÷ reference, {where}", row["p99_ratio"], TARGET_RATIO, at_least=False),
            check(f"overshoot p99 ÷ reference, {where}", row["overshoot_ratio"], TARGET_RATIO,
                  at_least=False),
        ]  # fmt: skip
    return checks


def run_loop(context: Context, loop: str) -> list[dict[str, Any]]:
    """Every batch size on one loop: the fake server (stats reset first), then the reference."""
    sizes = context.sizes
    rows: list[dict[str, Any]] = []
    reference = reference_command(loop, context.bodies(), sizes.delay)
    with (
        serving(reference, "reference") as ref,
        serving(fake_command(loop), "fake") as fake,
        admin(fake) as control,
    ):
        control.apply({"server": {"latency": {"model": "fixed", "value": sizes.delay}}})
        control.warm(MEMPY_2015, "jobs", None)
        for batch in sizes.bursts:
            fakes, refs = [], []
            for round_ in range(sizes.burst_rounds):  # the first server alternates by round
                control.reset()
                if round_ % 2:
                    refs.append(burst(ref, batch))
                    fakes.append(burst(fake, batch))
                else:
                    fakes.append(burst(fake, batch))
                    refs.append(burst(ref, batch))
            rows += rows_for(loop, batch, fakes, refs)
    return rows


def run(context: Context) -> Outcome:
    """Benchmark 2 on every loop of the run."""
    started = time.perf_counter()
    sizes = context.sizes
    title = f"Injection fidelity under load (fixed {sizes.delay * 1000:g} ms, opened at once)"
    outcome = Outcome(2, title, COLUMNS)
    for loop in sizes.loops:
        outcome.rows += run_loop(context, loop)
    outcome.checks = checks_for(outcome.rows)
    rounds = sizes.burst_rounds
    outcome.notes = [
        "each batch opens every connection at once (one request each, bench.loadgen in its own "
        "process); latency is from the connect to the last byte; overshoot: how late each "
        "server's sleep woke, from its Server-Timing header (both measure it the same way)",
        f"reference: a bare aiohttp handler that awaits asyncio.sleep({sizes.delay:g}) and "
        "answers each URL the fake server's bytes for it; "
        + (
            f"{rounds} rounds, each both servers (which goes first alternates); each row is the "
            "server's shortest-wall run (noise on this shared VM only adds time)"
            if rounds > 1
            else "one run per row"
        ),
    ]
    outcome.seconds = time.perf_counter() - started
    return outcome
