"""Result documents built by hand for the tests: `document` wraps any runs in a minimal valid
result; `compare_doc` and `sweep_doc` are three clients with attempts and trains, and a sweep
around them. Every figure is chosen, so tests can say what the page must show."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clients.records import Attempt, ClientSettings, RunResult, Samples, Track, Usage
from clients.results.document import SCHEMA, VERSIONS, summaries_of
from clients.results.summary import as_dict, speedups

ENVIRONMENT = {"python": "3.11.7", "implementation": "CPython", "platform": "Linux-test",
               "cpus": 2, "gil_enabled": True, "libraries": {"aiohttp": "3.9.0"}}  # fmt: skip
ZIPS = ("79936", "90011", "00926", "10001", "60629", "77084")
DELAY = 0.2  # every request's intended delay, seconds
LOOK = 0.01  # the sampler's interval here


def document(
    runs: Sequence[RunResult],
    *,
    name: str = "test",
    expected: int | None = None,
    makespans: Mapping[str, float] | None = None,
    environment: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A minimal valid result around `runs` (not a real compare: no server, no preview)."""
    zips = sorted({a.zip for run in runs for a in run.attempts})
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "version": VERSIONS[-1],
        "kind": "compare",
        "created": "1970-01-01T00:00:00+00:00",
        "scenario": {"path": f"{name}.toml", "name": name, "description": "", "seed": 0,
                     "speed": 1.0, "repeat": 1,
                     "workload": {"source": "list", "api": "jobs", "per_page": None, "zips": zips},
                     "document": {}},
        "environment": dict(environment or {}),
        "server": {"url": "", "embedded": True},
        "interrupted": False,
        "expected_total": expected,
        "preview": {"makespans": dict(makespans or {})},
        "summaries": [],
        "runs": [run.to_dict() for run in runs],
    }  # fmt: skip
    summaries = summaries_of(doc)
    ups = speedups(summaries)
    doc["summaries"] = [as_dict(s, ups.get(s.client)) for s in summaries]
    return doc


def samples(tracks: list[Track], end: float) -> Samples:
    """Looks every LOOK seconds from 0 to `end`."""
    times = tuple(round(i * LOOK, 4) for i in range(round(end / LOOK) + 1))
    return Samples(LOOK, times, tuple(tracks), sampler_cpu=0.004, threads=len(tracks))


def busy(count: int, share: float, first: int = 0) -> Track:
    """A thread on a CPU for `share` of each of `count` intervals."""
    return Track("MainThread", "thread", first, tuple([round(share * LOOK * 1e6)] * count))


def blocking() -> RunResult:
    """One lane, one request after another, an almost empty train."""
    attempts = tuple(
        Attempt(z, 0, i * DELAY, (i + 1) * DELAY, 200, 40, 1, None, 0, DELAY, 0.0, 0.001)
        for i, z in enumerate(ZIPS)
    )
    wall = len(ZIPS) * DELAY
    usage = Usage(mem=0, utime=0.05, stime=0.01, time=wall, peak_threads=1, vmem=0)
    train = samples([busy(round(wall / LOOK), 0.05)], wall)
    return RunResult("blocking", ClientSettings("blocking"), 6, usage, attempts, samples=train)


def threaded() -> RunResult:
    """A thread per zip: six short, almost empty trains beside the main thread's."""
    attempts = tuple(
        Attempt(z, 0, 0.01 * i, 0.01 * i + DELAY, 200, 40, 1, None, i, DELAY, 0.0, 0.002)
        for i, z in enumerate(ZIPS)
    )
    wall = 0.3
    tracks = [busy(round(wall / LOOK), 0.02)]
    tracks += [Track(f"Thread-{i + 1} (work)", "thread", i, (300,) * 20) for i in range(6)]
    usage = Usage(mem=0, utime=0.04, stime=0.02, time=wall, peak_threads=7, vmem=96 << 20)
    return RunResult("threaded", ClientSettings("threaded"), 6, usage, attempts,
                     samples=samples(tracks, wall))  # fmt: skip


def asyncio_run() -> RunResult:
    """Every zip at once on one thread with full cars; one zip fails once and is retried."""
    attempts = [
        Attempt(z, 0, 0.0, DELAY, 200, 40, 1, None, i, DELAY, 0.0, 0.001)
        for i, z in enumerate(ZIPS[1:], start=1)
    ]
    attempts.append(Attempt(ZIPS[0], 0, 0.0, 0.05, 503, 0, None, "http_503", 0, 0.0, 0.0, 0.0))
    attempts.append(Attempt(ZIPS[0], 1, 0.1, 0.1 + DELAY, 200, 40, 1, None, 0, DELAY, 0.0, 0.0))
    wall = 0.3
    settings = ClientSettings("asyncio", retries=1)
    usage = Usage(mem=2 << 20, utime=0.02, stime=0.005, time=wall, peak_threads=1, vmem=0)
    return RunResult("asyncio", settings, 6, usage, tuple(attempts),
                     samples=samples([busy(round(wall / LOOK), 0.9)], wall))  # fmt: skip


def compare_doc(name: str = "reported", runs: list[RunResult] | None = None) -> dict[str, Any]:
    """A compare result of blocking, threaded and asyncio, with a preview and verdicts."""
    chosen = runs if runs is not None else [blocking(), threaded(), asyncio_run()]
    doc = document(chosen, name=name, expected=6, environment=ENVIRONMENT,
                              makespans={"1": 1.2, "0": DELAY})  # fmt: skip
    doc["preview"]["zips"] = [{"zip": z, "delay": DELAY, "fault": None, "wait": DELAY}
                              for z in ZIPS]  # fmt: skip
    doc["preview"]["latency"] = {"sum": DELAY * len(ZIPS), "max": DELAY, "p50": DELAY}
    doc["verdicts"] = [
        {"text": "asyncio at least 3× faster than blocking", "passed": True, "detail": "4.0×"},
        {"text": "asyncio p99 ≤ 100 ms", "passed": False, "detail": "measured 200 ms"},
    ]
    return doc


def sweep_doc(
    setting: str = "concurrency", values: tuple[float, ...] = (1.0, 10.0, 0.0)
) -> dict[str, Any]:
    """A sweep over `setting` whose every value holds the same three clients."""
    variants = [{"value": v, "result": compare_doc(f"swept-{v:g}")} for v in values]
    points = [
        {"client": c, "value": v, "wall": w, "throughput": 6 / w, "p99": DELAY, "correct": True,
         "note": ""}
        for v in values
        for c, w in (("blocking", 1.2), ("threaded", 0.3 + v / 100), ("asyncio", 0.25))
    ]  # fmt: skip
    return {
        "schema": SCHEMA, "version": 1, "kind": "sweep",
        "created": "1970-01-01T00:00:00+00:00", "scenario": {"path": "s.toml", "name": "swept"},
        "environment": ENVIRONMENT, "interrupted": False,
        "sweep": {"setting": setting, "values": list(values)},
        "points": points, "variants": variants,
    }  # fmt: skip
