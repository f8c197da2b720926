"""3. Distribution fidelity: the quantiles a latency model asks for, against those served."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from bench import models
from bench.context import Context, Sizes, admin
from bench.figures import percentile, relative_error
from bench.procs import Served, fake_command, run_loadgen, serving
from bench.results import Check, Column, Outcome, check
from clients.zipsets import generated

TARGET: Final = 0.05
LOGNORMAL: Final = {"model": "lognormal", "median": 0.05, "p99": 0.2}
MODELS: Final[dict[str, dict[str, Any]]] = {
    "lognormal": LOGNORMAL,
    "percentiles": {"model": "percentiles", "p50": 0.05, "p90": 0.1, "p99": 0.3, "max": 0.5},
    "mixture": {
        "model": "mixture",
        "components": [
            {"weight": 0.97, **LOGNORMAL},
            {"weight": 0.03, "model": "uniform", "low": 0.5, "high": 1.0},
        ],
    },
}
QUANTILES: Final = {
    "lognormal": (0.5, 0.9, 0.99),
    "percentiles": (0.5, 0.9, 0.99, 1.0),
    "mixture": (0.5, 0.9, 0.95, 0.99),
}
COLUMNS: Final = (
    Column("model", "model"), Column("quantile", "quantile"),
    Column("requested_ms", "requested", "ms"), Column("intended_ms", "served", "ms"),
    Column("intended_error", "error", "pct"), Column("client_ms", "client-observed", "ms"),
    Column("client_error", "error", "pct"), Column("met", "served ±5%", "mark"),
    Column("client_met", "client ±5%", "mark"),
)  # fmt: skip


def quantile_name(q: float) -> str:
    """`p50`, `p99.9`, or `max` for 1."""
    return "max" if q >= 1.0 else f"p{q * 100:g}"


def quantile_rows(
    name: str, model: Mapping[str, Any], speed: float,
    intended: Sequence[float], client: Sequence[float],
) -> list[dict[str, Any]]:  # fmt: skip
    """One row per quantile: requested (scaled by 1/speed) against served and observed, in s."""
    expected = models.scaled(model, 1.0 / speed)
    served, observed = sorted(intended), sorted(client)
    rows = []
    for q in QUANTILES[name]:
        want = models.quantile(expected, q)
        got, seen = percentile(served, q), percentile(observed, q)
        error, client_error = relative_error(got, want), relative_error(seen, want)
        rows.append({
            "model": name, "quantile": quantile_name(q), "requested_ms": 1000 * want,
            "intended_ms": 1000 * got, "intended_error": error, "client_ms": 1000 * seen,
            "client_error": client_error, "met": abs(error) <= TARGET,
            "client_met": abs(client_error) <= TARGET,
        })  # fmt: skip
    return rows


def checks_for(rows: Sequence[Mapping[str, Any]]) -> list[Check]:
    """Per model: the worst served and the worst client-observed relative error, within 5 %."""
    checks = []
    for name in MODELS:
        mine = [row for row in rows if row["model"] == name]
        if not mine:
            continue
        for key, what in (("intended_error", "served"), ("client_error", "client-observed")):
            worst = max(abs(row[key]) for row in mine)
            checks.append(check(f"{name}: worst {what} error", worst, TARGET, at_least=False))
    return checks


def sample(served: Served, sizes: Sizes, seed: int) -> tuple[list[float], list[float]]:
    """Intended delays (Server-Timing) and client latencies of one run, in seconds."""
    zips = generated(sizes.distribution_requests, seed)
    result = run_loadgen({
        "host": "127.0.0.1", "port": served.port, "requests": len(zips),
        "paths": [f"/api/jobs?LocationId={z}&NumberOfJobs=0" for z in zips],
        "concurrency": sizes.distribution_concurrency, "time_limit": 120.0, "timing": True,
    })  # fmt: skip
    intended = [ms / 1000 for ms in result["intended"] if ms >= 0]
    return intended, list(result["latencies"])


def run(context: Context) -> Outcome:
    """Benchmark 3: each model served to `distribution_requests` distinct zips."""
    started = time.perf_counter()
    sizes = context.sizes
    outcome = Outcome(3, "Distribution fidelity (requested against served quantiles)", COLUMNS)
    loop = sizes.loops[0]
    with serving(fake_command(loop), "fake") as fake, admin(fake) as control:
        for name, model in MODELS.items():
            document = {"seed": context.seed, "speed": sizes.distribution_speed,
                        "server": {"latency": model}}  # fmt: skip
            control.apply(document)
            control.reset()
            intended, client = sample(fake, sizes, context.seed)
            outcome.rows += quantile_rows(name, model, sizes.distribution_speed, intended, client)
    outcome.checks = checks_for(outcome.rows)
    outcome.notes = [
        f"{sizes.distribution_requests:,} requests per model (distinct zips, NumberOfJobs=0, "
        f"seed {context.seed}), {sizes.distribution_concurrency} at a time, server on {loop}; "
        f"speed {sizes.distribution_speed:g} (requested quantiles scaled by 1/speed)",
        "requested: the model's own quantile, computed here independently of the server; "
        "client-observed includes the server's and the client's overhead",
    ]
    outcome.seconds = time.perf_counter() - started
    return outcome
