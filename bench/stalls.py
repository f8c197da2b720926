"""6. Nothing stalls the event loop: `/health` while the heavy admin reads and writes run.

The journal is filled first (`stall_entries` requests). Then, for each case, a probe in its
own process asks `/health` every 5 ms on a fixed schedule (`bench.loadgen`'s probe mode: a
latency counts from when the probe was due, so a stall of one second shows as the two hundred
probes that waited through it, not as one slow answer) while threads of this process repeat
the case's work against the same server: a full journal read (JSON, NDJSON), two `/metrics`
scrape loops, a dry-run `PUT /__admin/scenario` of a large scenario. The first case does
nothing else: its p99 is the baseline the others are a multiple of.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import requests

from bench.context import Context, Sizes
from bench.figures import latency_summary, ratio
from bench.overhead import paths
from bench.procs import Served, fake_command, run_loadgen, serving
from bench.results import Column, Outcome, check
from clients.zipsets import MEMPY_2015

INTERVAL: Final = 0.005  # seconds between two probes' due times
TARGET_MS: Final = 50.0  # /health p99 while any case runs
READ_TIMEOUT: Final = 300.0  # one action's bound (a stalled server before the fix took 10 s)
COLUMNS: Final = (
    Column("case", "while"), Column("actions", "done", "int"), Column("ok", "probes", "int"),
    Column("p50_ms", "/health p50", "ms"), Column("p99_ms", "/health p99", "ms"),
    Column("max_ms", "max", "ms"), Column("p99_ratio", "p99 ÷ idle", "ratio"),
    Column("goal", "goal"), Column("met", "met", "mark"),
)  # fmt: skip

Action = Callable[[requests.Session, str, bytes], None]


def read_journal(query: str) -> Action:
    """A full journal read in the given format, drained as a client would."""

    def action(session: requests.Session, url: str, _body: bytes) -> None:
        with session.get(f"{url}/__admin/journal{query}", stream=True, timeout=READ_TIMEOUT) as r:
            r.raise_for_status()
            for _ in r.iter_content(1 << 16):
                pass

    return action


def scrape(session: requests.Session, url: str, _body: bytes) -> None:
    """One `/metrics` scrape."""
    session.get(f"{url}/metrics", timeout=READ_TIMEOUT).raise_for_status()


def dry_run(session: requests.Session, url: str, body: bytes) -> None:
    """A dry-run `PUT /__admin/scenario` of the big document (validated, echoed, not applied)."""
    headers = {"Content-Type": "application/json"}
    answer = session.put(
        f"{url}/__admin/scenario?dry_run=1", data=body, headers=headers, timeout=READ_TIMEOUT
    )
    answer.raise_for_status()


@dataclass(frozen=True, slots=True)
class Case:
    """One row: what runs beside the probe, on how many threads."""

    label: str
    action: Action | None = None
    threads: int = 1


def cases(sizes: Sizes, body: bytes) -> tuple[Case, ...]:
    """The baseline, then each piece of heavy work the issue found stalling the loop."""
    entries = f"{sizes.stall_entries:,} entries"
    return (
        Case("nothing else (baseline)"),
        Case(f"a full journal read, JSON ({entries})", read_journal("")),
        Case(f"a full journal read, NDJSON ({entries})", read_journal("?format=ndjson")),
        Case("two /metrics scrape loops", scrape, threads=2),
        Case(f"a dry-run PUT of {sizes.stall_zips:,} zip overrides "
             f"({len(body) / 2**20:.1f} MiB)", dry_run),
    )  # fmt: skip


def big_scenario(zips: int) -> bytes:
    """A valid scenario with `zips` zip overrides, each its own latency model and faults."""
    override = {
        "latency": {"model": "lognormal", "median": 0.05, "p99": 0.4},
        "faults": {"error_500": 0.01, "reset": 0.001},
    }
    document = {"server": {"zips": {f"{n:05d}": override for n in range(zips)}}}
    return json.dumps(document).encode()


def fill(served: Served, entries: int) -> None:
    """Send `entries` API requests, so the journal (and the timing series) hold that many."""
    job = {
        "host": "127.0.0.1", "port": served.port, "paths": paths("jobs", MEMPY_2015),
        "requests": entries, "concurrency": 64, "time_limit": 600.0,
    }  # fmt: skip
    run_loadgen(job)


def measure(served: Served, case: Case, sizes: Sizes, body: bytes) -> dict[str, Any]:
    """Probe `/health` for `stall_seconds` while the case's threads repeat its action; they
    stop starting new work when the probes' schedule ends (work in flight runs to its end,
    and the probes it holds up are answered late and counted so)."""
    stop = threading.Event()
    timer = threading.Timer(sizes.stall_seconds, stop.set)
    done = [0] * case.threads
    failures: list[str] = []

    def repeat(index: int) -> None:
        assert case.action is not None
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    case.action(session, served.url, body)
                except requests.RequestException as error:
                    failures.append(f"{type(error).__name__}: {error}"[:200])
                    return
                done[index] += 1

    workers = [threading.Thread(target=repeat, args=(i,), daemon=True)
               for i in range(case.threads if case.action else 0)]  # fmt: skip
    for worker in workers:
        worker.start()
    timer.start()
    probes = max(1, round(sizes.stall_seconds / INTERVAL))
    try:
        result = run_loadgen({
            "host": "127.0.0.1", "port": served.port, "paths": ["/health"], "requests": probes,
            "mode": "probe", "interval": INTERVAL, "time_limit": sizes.stall_seconds + READ_TIMEOUT,
        })  # fmt: skip
    finally:
        stop.set()
        timer.cancel()
        for worker in workers:
            worker.join(READ_TIMEOUT)
    summary = latency_summary(result["latencies"])
    return {"case": case.label, "actions": sum(done), "ok": result["ok"], **summary,
            "failures": failures}  # fmt: skip


def run(context: Context) -> Outcome:
    """Benchmark 6: `/health` p99 while each heavy admin call runs, against none."""
    started = time.perf_counter()
    sizes = context.sizes
    loop = sizes.loops[-1]
    body = big_scenario(sizes.stall_zips)
    rows: list[dict[str, Any]] = []
    with serving(fake_command(loop), "fake") as fake:
        fill(fake, sizes.stall_entries)
        for case in cases(sizes, body):
            rows.append(measure(fake, case, sizes, body))
    idle = rows[0]["p99_ms"]
    outcome = Outcome(6, "Nothing stalls the event loop: /health while heavy admin work runs",
                      COLUMNS, rows)  # fmt: skip
    for row in rows:
        row["p99_ratio"] = ratio(row["p99_ms"], idle)
        row["goal"] = f"≤ {TARGET_MS:g} ms"
        row["met"] = row["p99_ms"] <= TARGET_MS
        label = f"/health p99 while {row['case']}"
        outcome.checks.append(check(label, row["p99_ms"], TARGET_MS, at_least=False, unit=" ms"))
    failed = [f"{row['case']}: {row['failures'][0]}" for row in rows if row["failures"]]
    outcome.notes = [
        f"server: python -m server on {loop}, its journal filled by {sizes.stall_entries:,} "
        f"/api/jobs requests first; probe: GET /health every {INTERVAL * 1000:g} ms for "
        f"{sizes.stall_seconds:g} s from bench.loadgen (its own process), each latency from "
        "when the probe was due, so a stall counts every probe that waited through it",
        "done: how many times the case's work finished while the probe ran (threads of the "
        "benchmark's process, requests); p99 ÷ idle: a multiple of the first row's p99",
        *(f"an action failed: {line}" for line in failed),
    ]
    outcome.seconds = time.perf_counter() - started
    return outcome
