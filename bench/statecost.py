"""8. Shared state's cost per request, in-process: the fake server's app with its state in
memory against the same app with its state in a Valkey (`--state`), no socket, no load.

Raw HTTP/1.1 requests go straight into aiohttp's protocol (`bench.inprocess`), one at a time
(every request its own round trip to the store) and 64 at a time on 64 connections (the
requests of one event-loop tick share one round trip). Figures: this process's CPU per
request, the store's CPU per request (its /proc figures), and round trips per request — the
least over the rounds, which is what the code costs when nothing else gets in the way.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from bench.context import Context
from bench.figures import proc_stat_ticks, ratio
from bench.inprocess import MEMPY_2015, CountingTransport
from bench.overhead import paths
from bench.procs import TICKS
from bench.results import Column, Outcome, check
from server.accounting.journal import DEFAULT_BYTES, DEFAULT_SIZE
from server.app import create_app
from server.shared import redis_store
from server.shared.embedded import Engine, start_embedded
from server.shared.store import RedisShared

COLUMNS: Final = (
    Column("case", "app"), Column("in_flight", "in flight", "int"),
    Column("cpu_us", "CPU/req", "us"), Column("extra_us", "+ µs/req", "us"),
    Column("store_us", "store CPU/req", "us"), Column("trips", "round trips/req"),
    Column("ratio", "÷ local", "ratio"),
)  # fmt: skip
WIDTH: Final = 64
JOURNAL_OFF: Final = "--state, --journal-size 0"
# One request's extra CPU in this process with its state in the store, 64 in flight, at most
# this many times the whole request's CPU with the state in memory: batching keeps it there.
BATCHED_TARGET: Final = 1.6


def store_cpu(engine: Engine) -> float:
    """The store's CPU seconds so far."""
    return proc_stat_ticks(Path(f"/proc/{engine.process.pid}/stat").read_text()) / TICKS


class WaitingTransport(CountingTransport):
    """A counting transport a driver can await, so waiting for the store costs no CPU."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def write(self, data: Any) -> None:
        """Count the bytes, wake the driver."""
        super().write(data)
        self.event.set()

    def writelines(self, list_of_data: Any) -> None:
        """Count the bytes, wake the driver."""
        super().writelines(list_of_data)
        self.event.set()

    async def written_past(self, mark: int) -> None:
        """Until more than `mark` bytes were written."""
        while self.written == mark:
            self.event.clear()
            await self.event.wait()


async def drive(app: web.Application, requests: Sequence[bytes], count: int, width: int) -> float:
    """Process CPU µs per request for `count` requests, `width` connections at a time (the
    driver sleeps while the answers are out: the CPU is the server's work, not a poll's)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    factory = runner.server
    assert factory is not None
    pairs = []
    for _ in range(width):
        protocol, transport = factory(), WaitingTransport()
        protocol.connection_made(transport)
        pairs.append((protocol, transport))
    gc.collect()
    started = time.process_time()
    sent = 0
    while sent < count:
        marks = [transport.written for _, transport in pairs]
        for protocol, _ in pairs:
            protocol.data_received(requests[sent % len(requests)])
            sent += 1
        await asyncio.gather(*(t.written_past(m) for (_, t), m in zip(pairs, marks, strict=True)))
        await asyncio.sleep(0)
    elapsed = time.process_time() - started
    await runner.cleanup()
    return 1e6 * elapsed / sent


def measure(engine: Engine, count: int, rounds: int) -> list[dict[str, Any]]:
    """Each case's least CPU per request over `rounds` rounds, on uvloop."""
    import uvloop

    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    raw = [f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for p in paths("jobs", MEMPY_2015)]
    made: list[RedisShared] = []

    def shared_app(journal_size: int = DEFAULT_SIZE) -> web.Application:
        store = redis_store(engine.url, clock=time.perf_counter, journal_size=journal_size,
                            journal_bytes=DEFAULT_BYTES)  # fmt: skip
        made.append(store)
        return create_app(shared=store, journal_size=journal_size)

    chosen: list[tuple[str, int, Callable[[], web.Application]]] = [
        ("local (in memory)", 1, create_app), ("local (in memory)", WIDTH, create_app),
        ("--state (Valkey)", 1, shared_app), ("--state (Valkey)", WIDTH, shared_app),
        (JOURNAL_OFF, WIDTH, lambda: shared_app(0)),
    ]  # fmt: skip
    best: dict[tuple[str, int], dict[str, Any]] = {}
    try:
        loop.run_until_complete(drive(create_app(), raw, len(raw), 1))  # pages rendered once
        for _ in range(rounds):
            for name, width, factory in chosen:
                made.clear()
                before = store_cpu(engine)
                figure = loop.run_until_complete(drive(factory(), raw, count, width))
                spent = store_cpu(engine) - before
                trips = None
                if made:
                    batcher = made[0].batcher
                    trips = batcher.flushes / count
                row: dict[str, Any] = {
                    "case": name, "in_flight": width, "cpu_us": figure, "trips": trips,
                    "store_us": 1e6 * spent / count if made else None,
                }  # fmt: skip
                kept = best.get((name, width))
                if kept is None or figure < kept["cpu_us"]:
                    best[(name, width)] = row
    finally:
        loop.close()
    rows = list(best.values())
    for row in rows:
        base = best[("local (in memory)", int(row["in_flight"]))]["cpu_us"]
        row["extra_us"] = row["cpu_us"] - base
        row["ratio"] = ratio(base, row["cpu_us"])
        if row["trips"] is not None:
            row["trips"] = f"{row['trips']:.3f}"
    return rows


def run(context: Context) -> Outcome:
    """Benchmark 8."""
    started = time.perf_counter()
    sizes = context.sizes
    count = max(WIDTH * 4, sizes.overhead_requests // 4)
    rounds = max(1, sizes.overhead_rounds)
    engine = start_embedded()
    try:
        rows = measure(engine, count - count % WIDTH, rounds)
    finally:
        engine.stop()
    outcome = Outcome(8, "Shared state's cost per request, in-process (÷ state in memory)",
                      COLUMNS, rows)  # fmt: skip
    local = next(r for r in rows if r["case"].startswith("local") and r["in_flight"] == WIDTH)
    batched = next(r for r in rows if r["case"].startswith("--state") and r["in_flight"] == WIDTH)
    outcome.checks = [
        check(
            "--state, 64 in flight: CPU ÷ local",
            ratio(batched["cpu_us"], local["cpu_us"]),
            BATCHED_TARGET,
            at_least=False,
        ),
    ]
    outcome.notes = [
        f"{count:,} requests a case and round to /api/jobs (the talk's 100 zips), fed to "
        "aiohttp's protocol over a transport that only counts bytes (bench.inprocess), on "
        f"uvloop; {rounds} round(s), each case's least CPU",
        "in flight 1: each request waits for its own round trip; 64: one request on each of "
        "64 connections at once, so a tick's requests share one EVALSHA (round trips/req is "
        "the batcher's count ÷ requests); store CPU: the Valkey process's own, from /proc",
        "what a request sends the store: its attempt (HINCRBY in Lua) and its journal entry "
        "(JSON, RPUSH), in the batch of its tick; the journal's share is the difference from "
        f"the '{JOURNAL_OFF}' row; the stats cost nothing per request (each process's share "
        "is merged when read: benchmark 7 times a read)",
    ]
    outcome.seconds = time.perf_counter() - started
    return outcome
