"""5. Fan-out efficiency: every zip at once at a fixed delay, against the ideal and CPU floor."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, Final

from bench.clientcost import EMPTY
from bench.context import Context, admin
from bench.figures import bound_hit, cpu_floor, per_request_us, ratio
from bench.procs import Served, fake_command, serving
from bench.results import Column, Outcome
from clients.errors import WorkerFailed
from clients.harness.launcher import run_worker
from clients.records import ClientSettings
from clients.zipsets import generated

KINDS: Final = (("asyncio", "a task per zip"), ("uvloop", "a task per zip"),
                ("threaded", "a thread per zip"))  # fmt: skip
COLUMNS: Final = (
    Column("client", "client"), Column("how", "how"), Column("ok", "answers", "int"),
    Column("wall", "wall", "s"), Column("ideal_ratio", "÷ ideal", "ratio"),
    Column("cpu_us", "client CPU/req", "us"), Column("server_us", "server CPU/req", "us"),
    Column("floor", "CPU floor", "s"), Column("floor_ratio", "÷ floor", "ratio"),
    Column("client_floor", "client alone", "s"), Column("bound", "bound it hits"),
)  # fmt: skip


def measure(served: Served, kind: str, zips: list[str]) -> dict[str, Any]:
    """One client, unlimited concurrency, in a fresh process; its wall and both sides' CPU."""
    settings = ClientSettings(kind=kind, concurrency=0, timeout=30.0)
    before = served.cpu()
    try:
        result = run_worker({"settings": settings.to_dict(), "zips": zips, "url": served.url},
                            lambda _done: None, time_limit=120.0)  # fmt: skip
    except WorkerFailed as error:
        return {"note": f"failed: {error}"}
    if result.skipped:
        return {"note": result.skipped}
    return {
        "ok": sum(attempt.ok for attempt in result.attempts),
        "requests": len(result.attempts),
        "wall": result.usage.time,
        "client_cpu": result.usage.cpu,
        "server_cpu": served.cpu() - before,
    }


def fanout_row(
    kind: str, how: str, figures: Mapping[str, Any], ideal: float, cores: int
) -> dict[str, Any]:
    """Wall against the ideal (the delay) and the CPU floor (all CPU ÷ cores)."""
    if "wall" not in figures:
        missing = dict.fromkeys(("ideal_ratio", "floor", "floor_ratio", "client_floor"))
        return {"client": kind, "how": how, **EMPTY, **missing, "bound": figures.get("note")}
    requests, wall = figures["requests"], figures["wall"]
    per_request = (figures["client_cpu"] + figures["server_cpu"]) / max(1, requests)
    floor = cpu_floor(requests, per_request, cores)
    client_floor = figures["client_cpu"]  # one interpreter: its Python runs on one core at a time
    return {
        "client": kind, "how": how, "ok": figures["ok"], "wall": wall,
        "ideal_ratio": ratio(wall, ideal),
        "cpu_us": per_request_us(figures["client_cpu"], requests),
        "server_us": per_request_us(figures["server_cpu"], requests),
        "floor": floor, "floor_ratio": ratio(wall, floor), "client_floor": client_floor,
        "bound": bound_hit(wall, ideal, max(floor, client_floor)),
    }  # fmt: skip


def run(context: Context) -> Outcome:
    """Benchmark 5: asyncio, uvloop and a thread per zip, every zip at once."""
    started = time.perf_counter()
    sizes = context.sizes
    zips = list(generated(sizes.fanout_zips, context.seed))
    cores = os.cpu_count() or 1
    loop = sizes.loops[-1]
    rows = []
    with serving(fake_command(loop), "fake") as fake, admin(fake) as control:
        fixed = {"model": "fixed", "value": sizes.delay}
        control.apply({"seed": context.seed, "server": {"latency": fixed}})
        control.warm(zips, "jobs", None)
        for kind, how in KINDS:
            control.reset()
            rows.append(fanout_row(kind, how, measure(fake, kind, zips), sizes.delay, cores))
    title = f"Fan-out efficiency ({len(zips):,} zips at once, fixed {sizes.delay * 1000:g} ms)"
    outcome = Outcome(5, title, COLUMNS, rows)
    outcome.notes = [
        f"ideal: {sizes.delay * 1000:g} ms, every request in flight at once; CPU floor: requests "
        f"× (client + server CPU per request) ÷ {cores} cores; client alone: the client's own "
        "CPU, which one interpreter cannot spread over cores",
        f"the talk's page (25 JobData), rendered ahead; server on {loop}; each client in a "
        "fresh process; bound: the largest of ideal, CPU floor and client alone",
    ]
    outcome.seconds = time.perf_counter() - started
    return outcome
