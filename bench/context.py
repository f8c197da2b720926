"""What every benchmark is given: how big to run, where to keep files, the captured bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import requests

from bench.procs import BenchError, Bodies, Served, fake_command, serving
from clients.harness.server_control import ServerControl
from clients.zipsets import MEMPY_2015

CAPTURE_ZIP: Final = "90011"


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much each benchmark does; `FULL`, `QUICK` and `SMOKE` below."""

    name: str
    overhead_requests: int
    overhead_warmup: int
    overhead_rounds: int
    bursts: tuple[int, ...]
    burst_rounds: int
    distribution_requests: int
    distribution_speed: float
    client_requests: int
    fanout_zips: int
    loops: tuple[str, ...] = ("asyncio", "uvloop")
    overhead_concurrency: int = 64
    distribution_concurrency: int = 128
    client_concurrency: int = 50
    delay: float = 0.1  # the injection and fan-out benchmarks' fixed delay
    stall_entries: int = 200_000  # the journal the stall benchmark reads (requests sent first)
    stall_seconds: float = 5.0  # how long /health is probed while each stressor runs
    stall_zips: int = 100_000  # zip overrides in the big admin body (100,000: about 11.5 MiB)


FULL: Final = Sizes("full", 12_000, 1_000, 7, (1_000, 10_000), 4, 5_000, 1.0, 5_000, 1_000)
QUICK: Final = Sizes(
    "quick", 3_000, 500, 1, (500, 2_000), 1, 2_000, 1.0, 500, 300,
    stall_entries=30_000, stall_seconds=3.0, stall_zips=25_000,
)  # fmt: skip
SMOKE: Final = Sizes(
    "smoke", 100, 20, 1, (20,), 1, 60, 10.0, 30, 10, loops=("asyncio",),
    distribution_concurrency=20, stall_entries=500, stall_seconds=0.5, stall_zips=200,
)  # fmt: skip
SIZES: Final = {s.name: s for s in (FULL, QUICK, SMOKE)}


@dataclass
class Context:
    """Sizes, a scratch directory, and bodies captured from the fake server once per run."""

    sizes: Sizes
    workdir: Path
    seed: int = 2015
    _bodies: Bodies | None = field(default=None, repr=False)

    def bodies(self) -> Bodies:
        """`/api/jobs` and `/api/search` bodies for zip 90011 from a fake server of this run."""
        if self._bodies is None:
            with serving(fake_command("asyncio"), "fake") as served:
                self._bodies = capture(served, self.workdir)
        return self._bodies


def capture(served: Served, directory: Path) -> Bodies:
    """Fetch the bodies the reference server will answer — zip 90011's, and every benchmarked
    URL's own — and write them under `directory`."""
    paths = {
        "jobs": f"/api/jobs?LocationId={CAPTURE_ZIP}",
        "search": f"/api/search?LocationName={CAPTURE_ZIP}",
    }
    files = {}
    with requests.Session() as session:
        for name, path in paths.items():
            files[name] = directory / f"{name}-{CAPTURE_ZIP}.json"
            files[name].write_bytes(_fetch(session, served.url + path))
        pages = {
            route: {query: _fetch(session, f"{served.url}/api/{route}?{query}").decode("latin-1")
                    for query in page_queries(route)}
            for route in paths
        }  # fmt: skip
    files["pages"] = directory / "pages.json"
    files["pages"].write_text(json.dumps(pages), encoding="utf-8")
    return Bodies(files["jobs"], files["search"], files["pages"])


def page_queries(route: str) -> list[str]:
    """The query strings the benchmarks ask each route for: one per zip of the talk."""
    name = "LocationName" if route == "search" else "LocationId"
    return [f"{name}={zip_code}" for zip_code in MEMPY_2015]


def _fetch(session: requests.Session, url: str) -> bytes:
    response = session.get(url, timeout=30)
    if response.status_code != 200:
        raise BenchError(f"{url}: HTTP {response.status_code}")
    return response.content


@contextmanager
def admin(served: Served) -> Iterator[ServerControl]:
    """The fake server's admin API, closed afterwards."""
    control = ServerControl(served.url)
    try:
        yield control
    finally:
        control.close()
