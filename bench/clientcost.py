"""4. Client cost: requests per second and CPU per request at zero delay, against asyncio."""

from __future__ import annotations

import resource
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from bench.context import Context, admin
from bench.figures import per_request_us, ratio, requests_done, requests_per_second
from bench.procs import Served, fake_command, run_loadgen, serving
from bench.results import Column, Outcome
from clients import kinds as client_kinds
from clients.errors import WorkerFailed
from clients.harness.launcher import run_worker
from clients.records import ClientSettings
from clients.zipsets import generated

KINDS: Final = ("blocking", "threaded", "asyncio", "uvloop", "httpx")
BASELINE: Final = "asyncio"
TOOLS: Final = ("wrk", "hey")
COLUMNS: Final = (
    Column("client", "client"), Column("how", "how"), Column("ok", "answers", "int"),
    Column("wall", "wall", "s"), Column("rps", "req/s", "rate"),
    Column("rps_ratio", "÷ asyncio", "ratio"), Column("cpu_us", "CPU/req", "us"),
    Column("cpu_ratio", "÷ asyncio", "ratio"), Column("server_us", "server CPU/req", "us"),
    Column("note", "note"),
)  # fmt: skip
EMPTY: Final = {"ok": None, "wall": None, "rps": None, "cpu_us": None, "server_us": None}


def kinds() -> list[str]:
    """The client kinds to measure: the four, and httpx when the registry has it."""
    return [kind for kind in KINDS if kind in client_kinds.KINDS]


def settings_for(kind: str, concurrency: int) -> ClientSettings:
    """Count-only pages over keep-alive connections; the blocking client is sequential."""
    limit = 0 if kind == "blocking" else concurrency
    return ClientSettings(kind=kind, concurrency=limit, per_page=0, shared_session=True)


def how(settings: ClientSettings) -> str:
    """A few words on how the client ran."""
    if settings.kind == "blocking":
        return "sequential, one Session"
    if settings.kind == "threaded":
        return f"pool of {settings.concurrency}"
    return f"{settings.concurrency} at a time"


def run_client(served: Served, settings: ClientSettings, zips: Sequence[str]) -> dict[str, Any]:
    """One client in a fresh process (clients.launcher): its rate and CPU, and the server's."""
    job = {"settings": settings.to_dict(), "zips": list(zips), "url": served.url}
    before = served.cpu()
    try:
        result = run_worker(job, lambda _done: None, time_limit=120.0)
    except WorkerFailed as error:
        return {**EMPTY, "note": f"failed: {error}"}
    if result.skipped:
        return {**EMPTY, "note": result.skipped}
    server_cpu, usage = served.cpu() - before, result.usage
    requests = len(result.attempts)
    return {
        "ok": sum(attempt.ok for attempt in result.attempts),
        "wall": usage.time,
        "rps": requests / usage.time if usage.time > 0 else None,
        "cpu_us": per_request_us(usage.cpu, requests),
        "server_us": per_request_us(server_cpu, requests),
        "note": "",
    }


def loadgen_row(served: Served, zips: Sequence[str], concurrency: int) -> dict[str, Any]:
    """bench.loadgen over the same zips: what a lean client costs, for scale."""
    before = served.cpu()
    result = run_loadgen({
        "host": "127.0.0.1", "port": served.port, "requests": len(zips),
        "paths": [f"/api/jobs?LocationId={z}&NumberOfJobs=0" for z in zips],
        "concurrency": concurrency, "time_limit": 60.0,
    })  # fmt: skip
    requests = len(zips)
    return {
        "client": "bench.loadgen", "how": f"{concurrency} conns, raw protocol",
        "ok": result["ok"], "wall": result["wall"], "rps": requests / result["wall"],
        "cpu_us": per_request_us(result["cpu"], requests),
        "server_us": per_request_us(served.cpu() - before, requests),
        "note": "lean reference: parses no JSON",
    }  # fmt: skip


def available_tool() -> tuple[str, str] | None:
    """The first of wrk and hey on PATH, with its path; None when neither is."""
    for tool in TOOLS:
        path = shutil.which(tool)
        if path:
            return tool, path
    return None


def tool_label() -> str:
    """The client name of the reference tool's row: the tool found, or `wrk / hey`."""
    found = available_tool()
    return found[0] if found else " / ".join(TOOLS)


def tool_row(served: Served, requests: int, concurrency: int) -> dict[str, Any]:
    """wrk or hey as a reference row when on PATH; else a row saying why it is missing."""
    found = available_tool()
    if found is None:
        return {"client": tool_label(), "how": "–", **EMPTY,
                "note": "skipped: neither is on PATH"}  # fmt: skip
    tool, path = found
    url = f"{served.url}/api/jobs?LocationId=90011&NumberOfJobs=0"
    command = (
        [str(path), "-t1", f"-c{concurrency}", "-d3s", url]
        if tool == "wrk"
        else [str(path), "-n", str(requests), "-c", str(concurrency), url]
    )
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError) as error:  # not runnable, or it hung
        return {"client": tool, "how": "–", **EMPTY, "note": f"failed: {error}"}
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    done = requests_done(output) or requests
    return {
        "client": tool, "how": f"{concurrency} connections, one URL", "ok": done, "wall": wall,
        "rps": requests_per_second(output), "cpu_us": per_request_us(cpu, done),
        "server_us": None, "note": "reference",
    }  # fmt: skip


def with_ratios(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each row's rate and CPU per request as ratios to the asyncio client's."""
    base = next((row for row in rows if row["client"] == BASELINE), None)
    return [
        {**row,
         "rps_ratio": ratio(row["rps"], base["rps"]) if base else None,
         "cpu_ratio": ratio(row["cpu_us"], base["cpu_us"]) if base else None}
        for row in rows
    ]  # fmt: skip


def run(context: Context) -> Outcome:
    """Benchmark 4: every client kind in its own process against one zero-delay server."""
    started = time.perf_counter()
    sizes = context.sizes
    zips = generated(sizes.client_requests, context.seed)
    loop = sizes.loops[-1]
    rows: list[dict[str, Any]] = []
    with serving(fake_command(loop), "fake") as fake, admin(fake) as control:
        control.apply({"seed": context.seed, "server": {}})
        control.warm(zips[:4096], "jobs", 0)
        for kind in kinds():
            settings = settings_for(kind, sizes.client_concurrency)
            control.reset()
            rows.append({"client": kind, "how": how(settings),
                         **run_client(fake, settings, zips)})  # fmt: skip
        rows.append(loadgen_row(fake, zips, sizes.client_concurrency))
        rows.append(tool_row(fake, len(zips), sizes.client_concurrency))
    title = "Client cost at zero delay (ratios to the asyncio client)"
    outcome = Outcome(4, title, COLUMNS, with_ratios(rows))
    outcome.notes = [
        f"{len(zips):,} distinct zips, NumberOfJobs=0, concurrency {sizes.client_concurrency}; "
        f"each client in a fresh process (clients.launcher.run_worker); server on {loop}",
        "CPU/req: the client process's user+system CPU ÷ requests; server CPU/req from /proc",
        "the fake server answers on one core (about 1 s ÷ its CPU/req at most), which caps the "
        "fastest clients' req/s; CPU/req is the figure that separates them",
    ]
    outcome.seconds = time.perf_counter() - started
    return outcome
