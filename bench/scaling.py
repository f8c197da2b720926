"""7. Workers: requests per second with 1, 2 and N (= cores) server processes ÷ one, in one run.

Each case is `python -m server` as a user starts it — one process with its state in memory,
one process with `--state` on an embedded Valkey (what shared state costs one worker), then
`--workers 2` and `--workers N` (each with the embedded Valkey the supervisor starts) — driven
by the same load generator over 64 keep-alive connections (SO_REUSEPORT spreads them over
the workers as they connect). The server's CPU is its whole process tree's: supervisor,
workers and the store. Every case each round, in a shuffled order; each case's best round.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import requests

from bench.context import Context, Sizes, admin
from bench.figures import per_request_us, proc_stat_ticks, ratio
from bench.overhead import best, paths
from bench.procs import TICKS, Served, run_loadgen, serving
from bench.results import Check, Column, Outcome, check
from clients.zipsets import MEMPY_2015
from server.shared.embedded import Engine, start_embedded
from server.workers import cores

COLUMNS: Final = (
    Column("case", "server"), Column("workers", "workers", "int"), Column("state", "state"),
    Column("ok", "answers", "int"), Column("errors", "errors", "int"),
    Column("rps", "req/s", "rate"), Column("ratio", "÷ 1 worker", "ratio"),
    Column("server_us", "server CPU/req", "us"), Column("loadgen_us", "loadgen CPU/req", "us"),
    Column("stats_ms", "stats read", "ms"), Column("journal_ms", "journal read", "ms"),
)  # fmt: skip
READS: Final = 15  # reads of /__admin/stats and of the journal's last 100 entries, timed
SCALING_TARGET: Final = 1.5  # N workers ÷ one, where the machine has room for them (≥ 4 cores)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and every descendant alive now (from /proc)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            total += proc_stat_ticks(Path(f"/proc/{current}/stat").read_text()) / TICKS
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack.extend(int(child) for child in children)
    return total


def cases(count: int) -> list[tuple[str, int, str]]:
    """(label, workers, state) for each case: 1 local, 1 on a store, 2, and N if N > 2."""
    chosen = [("one process", 1, "local"), ("one process, --state", 1, "valkey"),
              ("--workers 2", 2, "valkey")]  # fmt: skip
    if count > 2:
        chosen.append((f"--workers {count} (cores)", count, "valkey"))
    return chosen


def command(workers: int, state: str, store: Engine | None) -> list[str]:
    """The server's command line for a case."""
    line = [sys.executable, "-m", "server", "--port", "0", "--loop", "uvloop"]
    if workers > 1:
        return [*line, "--workers", str(workers)]
    if state != "local" and store is not None:
        return [*line, "--state", store.url]
    return line


def measure(served: Served, sizes: Sizes) -> dict[str, Any]:
    """Warm up, then time `overhead_requests` requests over 64 keep-alive connections."""
    job = {
        "host": "127.0.0.1", "port": served.port, "paths": paths("jobs", MEMPY_2015),
        "requests": sizes.overhead_warmup, "concurrency": sizes.overhead_concurrency,
        "time_limit": 60.0,
    }  # fmt: skip
    run_loadgen(job)
    before = tree_cpu(served.process.pid)
    result = run_loadgen({**job, "requests": sizes.overhead_requests, "time_limit": 120.0})
    spent = tree_cpu(served.process.pid) - before
    ok = int(result["ok"])
    return {
        "reads": read_times(served),
        "ok": ok,
        "errors": sizes.overhead_requests - ok,
        "rps": ok / result["wall"] if result["wall"] > 0 else None,
        "server_us": per_request_us(spent, ok),
        "loadgen_us": per_request_us(result["cpu"], ok),
    }


def read_times(served: Served) -> tuple[float, float]:
    """The median milliseconds of a `/__admin/stats` read (every process's share merged, with
    workers) and of a read of the journal's last 100 entries (from the store, with state)."""
    timings: list[list[float]] = [[], []]
    with requests.Session() as session:
        total = session.get(served.url + "/__admin/stats", timeout=30).json()["requests"]
        since = max(0, int(total) - 100)
        for _ in range(READS):
            for index, path in enumerate(("/__admin/stats", f"/__admin/journal?since={since}")):
                started = time.perf_counter()
                session.get(served.url + path, timeout=30).raise_for_status()
                timings[index].append(1000 * (time.perf_counter() - started))
    stats, journal = (sorted(t)[len(t) // 2] for t in timings)
    return stats, journal


def run_cases(context: Context, chosen: Sequence[tuple[str, int, str]]) -> dict[str, list[Any]]:
    """Every case each round, servers started once; the rounds' figures by case."""
    sizes = context.sizes
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _, _ in chosen}
    store = start_embedded()
    try:
        servers: dict[str, Served] = {}
        managers = []
        for label, workers, state in chosen:
            manager = serving(command(workers, state, store), label)
            servers[label] = manager.__enter__()
            managers.append(manager)
        try:
            for served in servers.values():
                with admin(served) as control:
                    control.warm(MEMPY_2015, "jobs", None)
            for round_ in range(sizes.overhead_rounds):
                order = random.Random(round_).sample(list(servers), len(servers))
                for label in order:
                    runs[label].append(measure(servers[label], sizes))
        finally:
            for manager in reversed(managers):
                manager.__exit__(None, None, None)
    finally:
        store.stop()
    return runs


def run(context: Context) -> Outcome:
    """Benchmark 7."""
    started = time.perf_counter()
    count = cores()
    chosen = cases(count)
    outcome = Outcome(7, "Workers: requests per second ÷ one worker (one run)", COLUMNS)
    runs = run_cases(context, chosen)
    base = best(runs[chosen[0][0]])
    for label, workers, state in chosen:
        figures = best(runs[label])
        reads = [run["reads"] for run in runs[label]]
        outcome.rows.append({"case": label, "workers": workers, "state": state, **figures,
                             "ratio": ratio(figures["rps"], base["rps"]),
                             "stats_ms": min(r[0] for r in reads),
                             "journal_ms": min(r[1] for r in reads)})  # fmt: skip
    outcome.checks = checks_for(outcome.rows, count)
    outcome.notes = notes(context.sizes, count)
    outcome.seconds = time.perf_counter() - started
    return outcome


def checks_for(rows: Sequence[dict[str, Any]], count: int) -> list[Check]:
    """N workers ÷ one ≥ SCALING_TARGET, where there are cores for them beside the load
    generator and the store (4 or more); none on a smaller machine (the notes say why)."""
    if count < 4:
        return []
    widest = rows[-1]
    return [check(f"{widest['case']} ÷ one process", widest["ratio"], SCALING_TARGET,
                  at_least=True)]  # fmt: skip


def notes(sizes: Sizes, count: int) -> list[str]:
    """How it was measured, and what this machine can show."""
    said = [
        f"{sizes.overhead_rounds} round(s), every case each round in a shuffled order: "
        f"{sizes.overhead_requests:,} requests to /api/jobs (the talk's 100 zips, rendered "
        f"ahead) after a {sizes.overhead_warmup:,}-request warm-up, "
        f"{sizes.overhead_concurrency} keep-alive connections from bench.loadgen (one "
        "process); each case's best round",
        "state: local = in this process; valkey = the embedded Valkey on a unix socket "
        "(one started for the --state case, the supervisor's own for --workers); server CPU: "
        "the whole process tree (supervisor, workers, store) ÷ answers",
        f"stats read, journal read: the median of {READS} reads after each round's requests "
        "(/__admin/stats: each process's share merged on read; /__admin/journal?since=: the "
        "last 100 entries, written to the store as they end) — what a reader pays, against "
        "what a request pays for the journal in the store (benchmark 8)",
    ]
    if count < 4:
        said.append(
            f"this machine has {count} cores, shared by the load generator (about one), the "
            "workers and the store: N = cores is the 2-worker row, and no scaling target is "
            "set — more workers than free cores only share them"
        )
    return said
