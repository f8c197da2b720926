"""Results shaped like two shipped scenarios' real runs, for the report's page-height and layout
tests: `talk_doc` like mempy-2015 (blocking, a thread per zip, asyncio and uvloop over the
talk's 100 zips) and `herd_doc` like thundering-herd (10,000 zips, four clients, 503s and
retries). Drawn from a seeded RNG, so every run of the tests builds the same documents; the
counts (lanes, trains, attempts, walls) follow what those scenarios measured on this machine."""

from __future__ import annotations

import math
import random
from typing import Any

from clients.records import Attempt, ClientSettings, RunResult, Samples, Track, Usage
from clients.zipsets import MEMPY_2015
from tests.builders import document

LOOK = 0.01  # the sampler's interval


def _samples(tracks: list[Track], end: float, threads: int = 0) -> Samples:
    times = tuple(round(i * LOOK, 4) for i in range(math.ceil(end / LOOK) + 1))
    return Samples(LOOK, times, tuple(tracks), 0.05, threads=threads or len(tracks))


def _main(end: float, rng: random.Random, share: float = 0.01) -> Track:
    count = math.ceil(end / LOOK)
    return Track("MainThread", "thread", 0, tuple(round(rng.random() * 2 * share * 1e4)
                                                  for _ in range(count)))  # fmt: skip


def _run(client: str, kind: str, attempts: list[Attempt], tracks: list[Track],
         threads: int = 0, **settings: Any) -> RunResult:  # fmt: skip
    wall = max(a.end for a in attempts) + 0.01
    cpu = sum(sum(t.cpu_us) for t in tracks) / 1e6
    usage = Usage(mem=1 << 20, utime=cpu * 0.8, stime=cpu * 0.2, time=wall,
                  peak_threads=max(1, threads or len(tracks)))  # fmt: skip
    total = sum(1 for a in attempts if a.ok)
    label = "" if client == kind else client
    settings_ = ClientSettings(kind, label=label, **settings)
    return RunResult(client, settings_, total, usage, tuple(attempts),
                     samples=_samples(tracks, wall, threads))  # fmt: skip


def talk_doc() -> dict[str, Any]:
    """mempy-2015's shape: 100 zips, ~0.4 s a request (a few ~3 s), four clients."""
    rng = random.Random(2015)
    delays = [rng.uniform(2.8, 3.3) if rng.random() < 0.04 else rng.lognormvariate(-1.14, 0.57)
              for _ in MEMPY_2015]  # fmt: skip
    at, blocking = 0.0, []
    for zip_code, delay in zip(MEMPY_2015, delays, strict=True):
        blocking.append(Attempt(zip_code, 0, at, at + delay, 200, 40, 1, lane=0, intended=delay))
        at += delay + 0.002
    runs = [_run("blocking", "blocking", blocking, [_main(at, rng)])]
    threaded = [Attempt(z, 0, 0.002 * i, 0.002 * i + d, 200, 40, 1, lane=i, intended=d)
                for i, (z, d) in enumerate(zip(MEMPY_2015, delays, strict=True))]  # fmt: skip
    workers = [Track(f"Thread-{i + 1} (work)", "thread", int(a.start / LOOK),
                     tuple(300 for _ in range(math.ceil(a.latency / LOOK))))
               for i, a in enumerate(threaded)]  # fmt: skip
    runs.append(_run("threaded", "threaded", threaded, [_main(max(a.end for a in threaded), rng),
                                                         *workers]))  # fmt: skip
    for name in ("asyncio", "uvloop"):
        tasks = [Attempt(z, 0, 0.0005 * i, 0.0005 * i + d, 200, 40, 1, lane=i, intended=d)
                 for i, (z, d) in enumerate(zip(MEMPY_2015, delays, strict=True))]  # fmt: skip
        end = max(a.end for a in tasks)
        tracks = [_main(end, rng, 0.05)]
        if name == "uvloop":
            idle = (0,) * math.ceil(end / LOOK)
            tracks += [Track(f"native thread {12942 + n}", "thread", 0, idle) for n in range(4)]
        runs.append(_run(name, name, tasks, tracks))
    return document(runs, name="mempy-2015", expected=100)


def _herd(rng: random.Random, lanes: int, rate: float, retries: bool) -> list[Attempt]:
    """10,000 zips at `rate` a second over `lanes` lanes; refused ones (503) retried later."""
    out = []
    for i in range(10_000):
        start, lane = i / rate, i % lanes
        tries = rng.randrange(1, 5) if retries and rng.random() < 0.5 else 1
        for n in range(tries - 1):
            end = start + rng.uniform(0.001, 0.01)
            out.append(Attempt(f"z{i:05}", n, start, end, 503, error="http_503", lane=lane))
            start = end + 0.2 * 2**n
        out.append(Attempt(f"z{i:05}", tries - 1, start, start + 0.1 + rng.random() * 0.02, 200,
                           20, 1, lane=lane, intended=0.1))  # fmt: skip
    return out


def herd_doc() -> dict[str, Any]:
    """thundering-herd's shape: 10,000 zips, a thread per zip grouped into 128 trains, 10,000
    tasks with 503s and retries, a client limited to 500, and uvloop."""
    rng = random.Random(11)
    runs = []
    for client, lanes, rate, retries in (("threaded", 136, 600.0, False),
                                         ("asyncio", 10_000, 4000.0, True),
                                         ("asyncio-limit-500", 500, 4000.0, False),
                                         ("uvloop", 10_000, 5000.0, True)):  # fmt: skip
        attempts = _herd(rng, lanes, rate, retries)
        end = max(a.end for a in attempts)
        tracks = [_main(end, rng, 0.6)]
        if client == "threaded":
            tracks += [Track(f"Thread-{g * 79 + 1} (work) … ({79})", "threads", 0,
                             (300,) * math.ceil(end / LOOK), (79,) * math.ceil(end / LOOK))
                       for g in range(127)]  # fmt: skip
        kind = "asyncio" if client.startswith("asyncio") else client
        concurrency = 500 if client == "asyncio-limit-500" else 0
        runs.append(_run(client, kind, attempts, tracks, threads=len(tracks) * 79,
                         concurrency=concurrency, retries=20))  # fmt: skip
    return document(runs, name="thundering-herd", expected=10_000)
